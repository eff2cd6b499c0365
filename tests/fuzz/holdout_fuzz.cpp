// tests/fuzz/holdout_fuzz.cpp
//
// Any hold-out CSV: parsing never crashes, and every accepted row satisfies what the hold-out
// check assumes (whole non-negative frequency, positive duration).

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/analytics/holdout.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::analytics;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_holdout(text);
  if (!parsed) return 0;
  for (const auto& c : *parsed) {
    if (!(c.frequency >= 0) || c.frequency != std::floor(c.frequency)) std::abort();
    if (!(c.duration > 0) || !std::isfinite(c.duration)) std::abort();
  }
  return 0;
}
