// server/reports/snapshot_period.h
//
// The period of a report filtered on its value snapshots' day (customer-equity,
// value-distribution, category-mix: `snapshot_filter`, the snapshot's as_of in the period),
// answered without scanning the snapshots when it can be.
//
// Only a member's latest snapshot is kept, and every full refresh rewrites every member's
// (one snapshot per member it reads: server/value/value_model.cpp), so the days the
// snapshots carry are exactly the last full refresh's as_of and the as_of of each
// changed-members refresh since (value_refreshes, a few rows). A period holding all of those
// days selects every snapshot: the report without the period (kept in report_cache and
// warmed after each full refresh). A period holding none selects no snapshot: no rows, as
// the report gives for an empty selection. Only a period that holds some of the days and not
// the others (a changed-members refresh on a day after the full one's, and a period that
// cuts between them) runs the report with its period. Before any full refresh the
// report runs as asked.
//
// Thread-safety: as the wrapped report.

#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/reports/report.h"
#include "shared/storage/database.h"

namespace rapport::server::reports {

// The days (YYYY-MM-DD) the value snapshots carry, from value_refreshes; empty before the
// first full refresh (then the days are not known without reading the snapshots).
[[nodiscard]] Result<std::vector<std::string>> snapshot_days(storage::Database& db);
[[nodiscard]] Result<std::vector<std::string>> snapshot_days(pg::Connection& db);

// How a period meets those days.
enum class PeriodCover { kAll, kNone, kSome };
[[nodiscard]] PeriodCover period_cover(const Filter& filter, const std::vector<std::string>& days);

[[nodiscard]] std::unique_ptr<Report> by_snapshot_day(std::unique_ptr<Report> report);

}  // namespace rapport::server::reports
