// server/reports/campaigns_csv.cpp
#include "server/reports/campaigns_csv.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>

#include "server/analytics/text_fields.h"
#include "shared/util/clock.h"

namespace rapport::server::reports {
namespace {

using analytics::in_quotes;
using analytics::split_fields;
using analytics::split_lines;
using analytics::to_lower;
using analytics::trim;

constexpr std::array<std::string_view, 6> kColumns{"id",      "name",    "channel",
                                                   "starts_on", "ends_on", "spend_cents"};
constexpr std::string_view kColumnList = "id, name, channel, starts_on, ends_on, spend_cents";

bool is_identifier(std::string_view text, std::size_t longest) {
  return !text.empty() && text.size() <= longest &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
         });
}

std::optional<std::int64_t> whole_number(std::string_view field) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || field.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string CampaignProblem::message() const {
  if (line == 0) return problem;
  return "line " + std::to_string(line) + ": " + problem;
}

std::vector<std::string> campaign_field_problems(const Campaign& c) {
  std::vector<std::string> problems;
  if (!is_identifier(c.id, 32)) {
    problems.push_back("id must be 1-32 letters, digits, '-' or '_', not " + in_quotes(c.id));
  }
  if (c.name.empty() || c.name.size() > 200) problems.push_back("name must be 1-200 characters");
  if (!is_identifier(c.channel, 40)) {
    problems.push_back("channel must be 1-40 letters, digits, '-' or '_' (as members record "
                       "it, e.g. flyer), not " + in_quotes(c.channel));
  }
  const bool starts = is_valid_date(c.starts_on);
  const bool ends = is_valid_date(c.ends_on);
  if (!starts) problems.push_back("starts_on must be a date YYYY-MM-DD, not " + in_quotes(c.starts_on));
  if (!ends) problems.push_back("ends_on must be a date YYYY-MM-DD, not " + in_quotes(c.ends_on));
  if (starts && ends && c.ends_on < c.starts_on) {
    problems.push_back("ends_on " + c.ends_on + " is before starts_on " + c.starts_on);
  }
  if (c.spend_cents < 0 || c.spend_cents > kMaxCampaignSpendCents) {
    problems.push_back("spend_cents must be whole cents from 0 to " +
                       std::to_string(kMaxCampaignSpendCents));
  }
  return problems;
}

bool campaigns_overlap(const Campaign& a, const Campaign& b) {
  return a.channel == b.channel && a.starts_on <= b.ends_on && b.starts_on <= a.ends_on;
}

CampaignsCsv parse_campaigns_csv(std::string_view text) {
  CampaignsCsv result;
  const auto fail = [&](std::size_t line, std::string problem) {
    if (result.problems.size() < kMaxCampaignProblems) {
      result.problems.push_back({line, std::move(problem)});
    }
  };
  const auto lines = split_lines(text);
  std::size_t at = 0;
  while (at < lines.size() && (trim(lines[at]).empty() || trim(lines[at]).front() == '#')) ++at;
  if (at == lines.size()) {
    fail(0, "the file is empty: write the header " + std::string(kColumnList) +
                " and one campaign per line");
    return result;
  }
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
      fail(at + 1, "unknown column " + in_quotes(header[i]) + " (the columns are " +
                       std::string(kColumnList) + ")");
    }
  }
  for (std::size_t c = 0; c < kColumns.size(); ++c) {
    if (where[c] == kColumns.size()) {
      fail(at + 1, "the header lacks the column " + in_quotes(kColumns[c]) +
                       " (the columns are " + std::string(kColumnList) + ")");
    }
  }
  if (!result.problems.empty()) return result;

  for (std::size_t i = at + 1; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    const auto content = trim(lines[i]);
    if (content.empty() || content.front() == '#') continue;
    const auto fields = split_fields(lines[i], ',');
    if (fields.size() != header.size()) {
      fail(line, "has " + std::to_string(fields.size()) + " fields, the header " +
                     std::to_string(header.size()) + " (a name cannot hold a comma)");
      continue;
    }
    Campaign row;
    row.line = line;
    row.id = std::string(fields[where[0]]);
    row.name = std::string(fields[where[1]]);
    row.channel = std::string(fields[where[2]]);
    row.starts_on = std::string(fields[where[3]]);
    row.ends_on = std::string(fields[where[4]]);
    const auto spend = whole_number(fields[where[5]]);
    row.spend_cents = spend.value_or(-1);
    for (auto& problem : campaign_field_problems(row)) fail(line, std::move(problem));
    for (const auto& earlier : result.rows) {
      if (earlier.id == row.id) {
        fail(line, "id " + in_quotes(row.id) + " is also on line " + std::to_string(earlier.line));
      } else if (campaigns_overlap(earlier, row)) {
        fail(line, "overlaps campaign " + in_quotes(earlier.id) + " (line " +
                       std::to_string(earlier.line) + ") on channel " + in_quotes(row.channel) +
                       ": a member joins through one campaign, so one channel's campaigns "
                       "must not share days");
      }
    }
    result.rows.push_back(std::move(row));
  }
  if (result.rows.empty() && result.problems.empty()) {
    fail(0, "the file has a header but no campaigns");
  }
  return result;
}

}  // namespace rapport::server::reports
