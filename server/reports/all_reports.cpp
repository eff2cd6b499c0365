// server/reports/all_reports.cpp
//
// The list of reports: add a report here and `rapportctl report NAME` (and any page that
// lists reports) offers it.
#include "server/reports/cached_report.h"
#include "server/reports/acquisition.h"
#include "server/reports/acquisition_cost.h"
#include "server/reports/customer_equity.h"
#include "server/reports/forecast_accuracy.h"
#include "server/reports/members_report.h"
#include "server/reports/offer_uplift.h"
#include "server/reports/rewards.h"
#include "server/reports/snapshot_period.h"
#include "server/reports/report.h"
#include "server/reports/value_reports.h"

namespace rapport::server::reports {

std::vector<std::unique_ptr<Report>> all_reports(const ReportSettings& settings) {
  std::vector<std::unique_ptr<Report>> reports;
  // The reports that scan members, snapshots or purchases are kept until the next value
  // refresh (cached_report.h); customer-equity-change and cohort retention read summary
  // tables kept as events arrive (migration 23 for retention), so they run each time.
  // Customer equity, value distribution and category mix select snapshots by their day: a
  // period holding every day the snapshots carry is the cached whole view, one holding none
  // is empty (snapshot_period.h), so only a period that cuts between refresh days scans.
  reports.push_back(by_snapshot_day(cached(customer_equity_report())));
  reports.push_back(customer_equity_change_report());
  reports.push_back(by_snapshot_day(cached(value_distribution_report())));
  reports.push_back(cached(tier_migrations_report()));
  reports.push_back(cohort_retention_report());
  reports.push_back(by_snapshot_day(cached(category_mix_report())));
  // Acquisition reads every member's snapshot: kept until the next refresh like the above.
  // Rewards (from rewards_days, kept as the ledger moves), reward cost and forecast
  // accuracy are small reads, so they run each time.
  reports.push_back(cached(acquisition_report()));
  reports.push_back(cached(acquisition_cost_report()));
  reports.push_back(rewards_report(settings.liability_cents_per_100_points));
  reports.push_back(reward_cost_report());
  // Offer uplift joins every first offer record to the member's purchases in its window:
  // seconds with a few offers per member on a large chain, so it is kept per full refresh
  // too (its windows are those ended by the refresh's first view).
  reports.push_back(cached(offer_uplift_report()));
  reports.push_back(forecast_accuracy_report());
  // One row per member, streamed: never cached (a million rows), and a page stops reading
  // after the rows it shows (RowSink::wants_more).
  reports.push_back(members_report());
  return reports;
}

std::unique_ptr<Report> find_report(std::string_view name, const ReportSettings& settings) {
  for (auto& report : all_reports(settings)) {
    if (report->name() == name) return std::move(report);
  }
  return nullptr;
}

}  // namespace rapport::server::reports
