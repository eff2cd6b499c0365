// server/rewards/points_csv.cpp
#include "server/rewards/points_csv.h"

#include <array>
#include <charconv>
#include <optional>

#include "server/analytics/text_fields.h"

namespace rapport::rewards {
namespace {

using analytics::in_quotes;
using analytics::split_fields;
using analytics::split_lines;
using analytics::to_lower;
using analytics::trim;

constexpr std::array<std::string_view, 4> kColumns{"member_id", "points", "reason", "staff"};
constexpr std::size_t kMaxText = 200;

std::optional<std::int64_t> whole_number(std::string_view field) {
  std::int64_t value = 0;
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || field.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string PointsCsvError::message() const {
  if (line == 0) return problem;
  return "line " + std::to_string(line) + ": " + problem;
}

PointsCsv parse_points_csv(std::string_view text) {
  PointsCsv result;
  const auto fail = [&](std::size_t line, std::string problem) {
    if (result.errors.size() < kMaxReportedErrors) {
      result.errors.push_back({line, std::move(problem)});
    }
  };
  const auto lines = split_lines(text);
  std::size_t at = 0;
  while (at < lines.size() && (trim(lines[at]).empty() || trim(lines[at]).front() == '#')) ++at;
  if (at == lines.size()) {
    fail(0,
         "the file is empty: write the header member_id,points,reason,staff and one line "
         "per member");
    return result;
  }
  // Which field holds which column.
  std::array<std::size_t, kColumns.size()> where{};
  where.fill(kColumns.size());
  const auto header = split_fields(lines[at], ',');
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string name = to_lower(header[i]);
    bool known = false;
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      if (name != kColumns[c]) continue;
      known = true;
      if (where[c] != kColumns.size()) fail(at + 1, "column " + in_quotes(name) + " twice");
      where[c] = i;
    }
    if (!known) {
      fail(at + 1, "unknown column " + in_quotes(header[i]) +
                       " (the columns are member_id, points, reason, staff)");
    }
  }
  for (std::size_t c = 0; c < kColumns.size(); ++c) {
    if (where[c] == kColumns.size()) {
      fail(at + 1, "the header lacks the column " + in_quotes(kColumns[c]) +
                       " (the columns are member_id, points, reason, staff)");
    }
  }
  if (!result.errors.empty()) return result;

  for (std::size_t i = at + 1; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    const auto content = trim(lines[i]);
    if (content.empty() || content.front() == '#') continue;
    const auto fields = split_fields(lines[i], ',');
    if (fields.size() != header.size()) {
      fail(line, "has " + std::to_string(fields.size()) + " fields, the header " +
                     std::to_string(header.size()) + " (a reason cannot hold a comma)");
      continue;
    }
    PointsCsvRow row;
    row.line = line;
    const auto member = whole_number(fields[where[0]]);
    if (!member || *member <= 0) {
      fail(line, "member_id must be a member number, not " + in_quotes(fields[where[0]]));
    } else {
      row.member_id = *member;
    }
    const auto points = whole_number(fields[where[1]]);
    if (!points || *points == 0 || *points > kMaxPointsPerLine || *points < -kMaxPointsPerLine) {
      fail(line, "points must be a whole number other than 0, at most " +
                     std::to_string(kMaxPointsPerLine) + " either way, not " +
                     in_quotes(fields[where[1]]));
    } else {
      row.points = *points;
    }
    row.reason = std::string(fields[where[2]]);
    row.staff_user = std::string(fields[where[3]]);
    if (row.reason.empty() || row.reason.size() > kMaxText) {
      fail(line, "reason must be 1-200 characters: say why, for the audit");
    }
    if (row.staff_user.empty() || row.staff_user.size() > kMaxText) {
      fail(line, "staff must name who made the change (1-200 characters)");
    }
    result.rows.push_back(std::move(row));
  }
  if (result.rows.empty() && result.errors.empty()) {
    fail(0, "the file has a header but no lines to apply");
  }
  return result;
}

}  // namespace rapport::rewards
