// server/reports/rewards.h
//
// Rewards by value tier: members, outstanding points (the liability) and the points issued,
// redeemed, expired and given as gestures in the period, and offers shown, held out and
// accepted.
// docs/reports.md explains the columns.

#pragma once

#include <memory>

#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> rewards_report();

}  // namespace rapport::server::reports
