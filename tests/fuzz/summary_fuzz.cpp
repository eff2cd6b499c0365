// tests/fuzz/summary_fuzz.cpp
//
// Any summary CSV: parsing never crashes, and every accepted row satisfies the model's
// preconditions (whole non-negative frequency, 0 <= recency <= T).

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/analytics/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::analytics;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_summary(text);
  if (!parsed) return 0;
  for (const auto& c : parsed->customers) {
    if (!(c.frequency >= 0) || c.frequency != std::floor(c.frequency)) std::abort();
    if (!(c.recency >= 0) || !(c.recency <= c.age)) std::abort();
  }
  return 0;
}
