// tests/fuzz/transactions_fuzz.cpp
//
// Any transaction log an analyst may hand rapportctl: parsing never crashes, what it
// accepts has no negative amounts, and a summary of it keeps recency within age.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/analytics/summary.h"
#include "server/analytics/transactions.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::analytics;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_transactions(text);
  if (!parsed) return 0;
  for (const auto& t : *parsed) {
    if (!(t.amount >= 0)) std::abort();
  }
  const auto end = std::chrono::sys_days{std::chrono::year{1998} / 6 / 30};
  const auto summary = summarize(*parsed, end, TimeUnit::kWeeks);
  for (const auto& c : summary.customers) {
    if (c.frequency < 0 || c.recency < 0 || c.recency > c.age) std::abort();
  }
  return 0;
}
