// server/rewards/points_csv.h
//
// The bulk points file head office imports (`rapportctl points import`, docs/rewards.md):
//
//   member_id,points,reason,staff
//   17,500,store opening gift,j.smith
//   42,-120,duplicate award of 2026-11-02,j.smith
//
// A header naming those four columns (any order, any case), then one award (points > 0) or
// correction (< 0) per line. No quoting: a reason cannot hold a comma. Blank lines and lines
// starting with '#' are skipped. The whole file is checked before anything is applied, and
// every mistake is reported with its line. Pure: no database.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rapport::rewards {

struct PointsCsvRow {
  std::size_t line = 0;  // 1-based, in the file
  std::int64_t member_id = 0;
  std::int64_t points = 0;
  std::string reason;
  std::string staff_user;
};

struct PointsCsvError {
  std::size_t line = 0;  // 0: the file as a whole
  std::string problem;
  [[nodiscard]] std::string message() const;  // "line 4: points must be ..."
};

struct PointsCsv {
  std::vector<PointsCsvRow> rows;
  std::vector<PointsCsvError> errors;  // empty when the file may be applied
};

inline constexpr std::int64_t kMaxPointsPerLine = 100'000'000;
inline constexpr std::size_t kMaxReportedErrors = 100;

[[nodiscard]] PointsCsv parse_points_csv(std::string_view text);

}  // namespace rapport::rewards
