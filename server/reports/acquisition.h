// server/reports/acquisition.h
//
// Members by acquisition channel and campaign (members' recorded channel; a campaign holds the
// members of its channel who enrolled on its days), with each campaign's recorded spend, its
// cost per acquired member and their forecast lifetime value. Campaign spend and cost per
// member are the whole chain's; --store/--region narrow the members.
// docs/reports.md explains the columns and how each view is served.

#pragma once

#include <memory>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> acquisition_report();

// The report's SQL for `filter` (?1..?4 as filter_sql.h), for tests of its query plan.
[[nodiscard]] std::string acquisition_sql(const Filter& filter,
                                          SqlDialect dialect = SqlDialect::kSqlite);

// Whether acquisition_days (migration 24) serves the members of `filter`: the whole chain or
// one region, any period. A store's view reads its members through members_home_store.
[[nodiscard]] bool acquisition_days_serve(const Filter& filter);

// The acquisition_days rows of `filter`'s scope and period, as a subquery with columns day,
// channel, members, valued, lifetime_value_cents. Requires: acquisition_days_serve(filter).
[[nodiscard]] std::string acquisition_days_rows(const Filter& filter,
                                                SqlDialect dialect = SqlDialect::kSqlite);

// SQL: how many members (merged-away ones left out) campaign `campaign_alias` won in the
// whole chain, from acquisition_days.
[[nodiscard]] std::string campaign_members_sql(std::string_view campaign_alias,
                                               SqlDialect dialect = SqlDialect::kSqlite);

// SQL: campaign `campaign_alias`'s days meet the period (?3 from, ?4 to; a missing bound
// holds), in `dialect` (PostgreSQL wants the NULL test's parameter typed).
[[nodiscard]] std::string campaign_in_period_sql(std::string_view campaign_alias,
                                                 SqlDialect dialect);

}  // namespace rapport::server::reports
