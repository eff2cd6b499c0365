// tests/fuzz/points_csv_fuzz.cpp
//
// Any bulk points file head office may hand `rapportctl points import`: parsing never
// crashes, and a file it would apply has only rows that pass the rules (a member number, a
// non-zero bounded amount, a reason and a staff user), each with its line.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/rewards/points_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::rewards;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto csv = parse_points_csv(text);
  if (csv.errors.size() > kMaxReportedErrors) std::abort();
  if (!csv.errors.empty()) return 0;
  if (csv.rows.empty()) std::abort();  // an empty file is an error, never "nothing to do"
  for (const auto& row : csv.rows) {
    if (row.line < 2 || row.member_id <= 0 || row.points == 0 || row.points > kMaxPointsPerLine ||
        row.points < -kMaxPointsPerLine || row.reason.empty() || row.staff_user.empty()) {
      std::abort();
    }
  }
  return 0;
}
