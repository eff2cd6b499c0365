// server/reports/acquisition_cost.h
//
// The affordable acquisition cost per channel: the mean forecast lifetime value of the
// channel's valued members (what winning one more is worth, to break even), against what its
// campaigns cost per member acquired.
// docs/reports.md explains the columns.

#pragma once

#include <memory>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> acquisition_cost_report();

// The report's SQL for `filter` (?1..?4 as filter_sql.h), for tests of its query plan. On
// PostgreSQL, which keeps no acquisition_days yet, every view counts the place's members.
[[nodiscard]] std::string acquisition_cost_sql(const Filter& filter,
                                               SqlDialect dialect = SqlDialect::kSqlite);

}  // namespace rapport::server::reports
