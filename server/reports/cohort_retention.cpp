// server/reports/cohort_retention.cpp
//
// Cohort retention by month of enrollment: for the members who enrolled in each month (the
// cohort; the enrollment event's day), the share who bought something in the k-th calendar
// month after it, k = 1..12.
// A month that has not ended yet, or lies after `to` (or after the last purchase on record
// when no `to` is given), is no value rather than 0 %.
#include <array>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/value_reports.h"

namespace rapport::server::reports {
namespace {

constexpr int kMonths = 12;

constexpr std::array<Column, 2 + kMonths> kColumns{{
    {"cohort", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"month_1", ColumnKind::kPercent},
    {"month_2", ColumnKind::kPercent},
    {"month_3", ColumnKind::kPercent},
    {"month_4", ColumnKind::kPercent},
    {"month_5", ColumnKind::kPercent},
    {"month_6", ColumnKind::kPercent},
    {"month_7", ColumnKind::kPercent},
    {"month_8", ColumnKind::kPercent},
    {"month_9", ColumnKind::kPercent},
    {"month_10", ColumnKind::kPercent},
    {"month_11", ColumnKind::kPercent},
    {"month_12", ColumnKind::kPercent},
}};
constexpr std::array<std::string_view, 4> kChartValues{"month_1", "month_3", "month_6",
                                                       "month_12"};

// A YYYY-MM-DD (or ISO 8601) text as a month count, so months subtract.
std::string month_number(std::string_view column) {
  const std::string c(column);
  return "(CAST(substr(" + c + ", 1, 4) AS INTEGER) * 12 + CAST(substr(" + c +
         ", 6, 2) AS INTEGER))";
}

std::string build_sql(const Filter& filter) {
  // The enrollment day: the enrollment event's day at the counter, kept in
  // members.enrolled_on (migration 19; the day the server heard of the member without one).
  // Reading it instead of looking up each member's enrollment event took the report from
  // 51 s to 20 s on the 20M-purchase chain (docs/performance.md, "Reports"); the cache
  // (cached_report.h), filled after each full refresh, answers the views.
  std::string sql =
      "WITH joined AS (SELECT m.id, coalesce(m.enrolled_on, substr(m.created_at, 1, 10)) AS day "
      "FROM members m WHERE " + place_condition("m.home_store", filter) + "), "
      "cohorts AS MATERIALIZED (SELECT id, substr(day, 1, 7) AS cohort, " +
      month_number("day") +
      " AS start FROM joined WHERE (?3 IS NULL OR substr(day, 1, 10) >= ?3) "
      "AND (?4 IS NULL OR substr(day, 1, 10) <= ?4)), "
      "last_month AS (SELECT " + month_number("d") +
      " AS month FROM (SELECT coalesce(?4, (SELECT max(day) FROM purchases)) AS d)), "
      "active AS MATERIALIZED (SELECT c.cohort, " + month_number("p.day") +
      " - c.start AS k, count(DISTINCT p.member_id) AS n "
      "FROM cohorts c JOIN purchases p ON p.member_id = c.id "
      "WHERE (?4 IS NULL OR p.day <= ?4) AND k BETWEEN 1 AND " + std::to_string(kMonths) +
      " GROUP BY 1, 2), "
      "sizes AS (SELECT cohort, min(start) AS start, count(*) AS n FROM cohorts GROUP BY 1) "
      "SELECT s.cohort, s.n";
  for (int k = 1; k <= kMonths; ++k) {
    const std::string kk = std::to_string(k);
    // A month counts once it is over: before the last month on record.
    sql += ", CASE WHEN s.start + " + kk +
           " < (SELECT month FROM last_month) THEN printf('%.2f', 100.0 * coalesce((SELECT n "
           "FROM active a WHERE a.cohort = s.cohort AND a.k = " + kk + "), 0) / s.n) END";
  }
  return sql + " FROM sizes s ORDER BY s.cohort";
}

class CohortRetention final : public Report {
 public:
  std::string_view name() const override { return "cohort-retention"; }
  std::string_view description() const override {
    return "Cohort retention: share of each month's new members who bought in month k after";
  }
  std::span<const Column> columns() const override { return kColumns; }
  std::optional<ChartSpec> chart() const override {
    return ChartSpec{ChartKind::kLine, "cohort", kChartValues};
  }
  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_query(db, build_sql(filter), filter, kColumns, sink);
  }
};

}  // namespace

std::unique_ptr<Report> cohort_retention_report() { return std::make_unique<CohortRetention>(); }

}  // namespace rapport::server::reports
