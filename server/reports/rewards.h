// server/reports/rewards.h
//
// Rewards by value tier: members, outstanding points (the liability) and the points issued,
// redeemed, expired and given as gestures in the period, and offers shown, held out and
// accepted, and what the rewards handed over cost; the liability is also valued in money at
// `cents_per_100_points` ([liability] in config/rewards.toml; nullopt: not configured, those
// columns empty). docs/reports.md explains the columns.

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> rewards_report(
    std::optional<std::int64_t> cents_per_100_points = std::nullopt);
// The statement the rewards report runs for `filter` (filter_sql.h's ?1..?4, ?5 the place:
// summary_place), for tests to read its plan.
[[nodiscard]] std::string rewards_sql(const Filter& filter);

// Reward cost by month, store where the reward was handed over (and its region) and member
// value tier, from reward_costs (server migration 20): each reward at its catalogue cost of
// the day it was given. No rows when no reward was handed over.
[[nodiscard]] std::unique_ptr<Report> reward_cost_report();

}  // namespace rapport::server::reports
