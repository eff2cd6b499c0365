// server/reports/value_reports.h
//
// Head-office reports on the value engine's figures (docs/reports.md, docs/value-engine.md),
// one file each: the Pareto curve of revenue and forecast value, value-tier migrations
// between two days, cohort retention by month of enrollment, and the category mix of the
// most valuable customers against the rest. Each yields no rows before the first value
// refresh (or, for retention, before any member), never rows of zeros.

#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/reports/filter_sql.h"
#include "server/reports/report.h"

namespace rapport::server::reports {

// The snapshot filter the value-based reports share, over `value_snapshots v JOIN members
// m`: the home store and region (?1, ?2), the snapshot's as_of day in the period (?3, ?4);
// the layout of filter_sql.h, written for the filter's shape.
[[nodiscard]] inline std::string snapshot_filter(const Filter& filter,
                                                 SqlDialect dialect = SqlDialect::kSqlite) {
  return place_condition("m.home_store", filter, dialect) + " AND " +
         period_condition("coalesce(v.as_of, substr(v.computed_at, 1, 10))", filter, dialect);
}

[[nodiscard]] std::unique_ptr<Report> value_distribution_report();
[[nodiscard]] std::unique_ptr<Report> tier_migrations_report();
[[nodiscard]] std::unique_ptr<Report> cohort_retention_report();
[[nodiscard]] std::unique_ptr<Report> category_mix_report();

// The SQL cohort retention runs for `filter` (its plan is tested: the summary of migration
// 24, never members or purchases, when the period's bounds are calendar days).
[[nodiscard]] std::string cohort_retention_sql(const Filter& filter);

// The members of `filter`'s store or region whose tiers tier migrations reads from the
// checkpoints (by their home store now; ?1 store, ?2 region). Its plan is tested: the
// members_home_store index, never a scan of members.
[[nodiscard]] std::string tier_migrations_members_sql(const Filter& filter);

}  // namespace rapport::server::reports
