// server/reports/members_report.h
//
// Every member as one row (docs/reports.md, "Members"): home store and region, enrollment,
// visits and revenue so far, and the latest value snapshot's tier and values. The whole
// chain's CSV is a million lines, so it is one query streamed row by row in member id order:
// memory stays flat however many members there are (docs/performance.md).

#pragma once

#include <memory>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> members_report();

// The report's one query for `filter` (?1 store, ?2 region, ?3 from, ?4 to) in `dialect`, so
// a test can read the plan the database makes of it.
[[nodiscard]] std::string members_sql(const Filter& filter,
                                      SqlDialect dialect = SqlDialect::kSqlite);

}  // namespace rapport::server::reports
