// server/reports/campaigns_csv.h
//
// Acquisition campaigns with their recorded spend (docs/reports.md, "Campaigns"): the file
// `rapportctl campaign import` reads, and the checks `campaign add` shares with it.
//
//   id,name,channel,starts_on,ends_on,spend_cents
//   spring-flyer,Spring flyer,flyer,2026-03-01,2026-03-31,120000
//
// A header naming those six columns (any order, any case), then one campaign per line. No
// quoting: a name cannot hold a comma. Blank lines and lines starting with '#' are skipped.
// The whole file is checked before anything is applied, and every mistake names its line.
// Campaigns of one channel must not overlap (a member joins through one campaign at most).
// Pure: no database (the store checks against the campaigns already kept).

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rapport::server::reports {

struct Campaign {
  std::size_t line = 0;  // 1-based, in the file; 0 for `campaign add`
  std::string id;
  std::string name;
  std::string channel;
  std::string starts_on;  // YYYY-MM-DD, inclusive
  std::string ends_on;    // YYYY-MM-DD, inclusive, not before starts_on
  std::int64_t spend_cents = 0;
};

struct CampaignProblem {
  std::size_t line = 0;  // 0: the file as a whole, or `campaign add`
  std::string problem;
  [[nodiscard]] std::string message() const;  // "line 4: spend_cents must be ..."
};

struct CampaignsCsv {
  std::vector<Campaign> rows;
  std::vector<CampaignProblem> problems;  // empty when the file may be applied
};

inline constexpr std::int64_t kMaxCampaignSpendCents = 100'000'000'000;  // a billion
inline constexpr std::size_t kMaxCampaignProblems = 100;

// The problems of one campaign on its own (empty when it is well formed).
[[nodiscard]] std::vector<std::string> campaign_field_problems(const Campaign& campaign);
// True when the two campaigns share a channel and at least one day.
[[nodiscard]] bool campaigns_overlap(const Campaign& a, const Campaign& b);

[[nodiscard]] CampaignsCsv parse_campaigns_csv(std::string_view text);

}  // namespace rapport::server::reports
