// server/reports/value_distribution.cpp
//
// The Pareto curve: the share of revenue held by the top 1/5/10/20/50 % of members ranked by
// revenue, and the share of forecast lifetime value held by the top ones ranked by it. The
// top p % is ceil(n * p / 100) members of the n with a value snapshot.
#include <array>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/value_reports.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 4> kColumns{{
    {"top_percent", ColumnKind::kInteger},
    {"members", ColumnKind::kInteger},
    {"revenue_share_percent", ColumnKind::kPercent},
    {"forecast_value_share_percent", ColumnKind::kPercent},
}};
constexpr std::array<std::string_view, 2> kChartValues{"revenue_share_percent",
                                                       "forecast_value_share_percent"};

class ValueDistribution final : public Report {
 public:
  std::string_view name() const override { return "value-distribution"; }
  std::string_view description() const override {
    return "Pareto curve: share of revenue and of forecast value held by the top 1/5/10/20/50% "
           "of members";
  }
  std::span<const Column> columns() const override { return kColumns; }
  std::optional<ChartSpec> chart() const override {
    return ChartSpec{ChartKind::kLine, "top_percent", kChartValues};
  }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_query(db, query(filter, SqlDialect::kSqlite), filter, kColumns, sink);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return stream_pg_query(db, query(filter, SqlDialect::kPostgresql), filter, kColumns, sink);
  }

 private:
  // The same text on both backends but for the percentages' formatting.
  static std::string query(const Filter& filter, SqlDialect dialect) {
    return "WITH base AS (SELECT v.historic_revenue_cents AS revenue, "
           "v.lifetime_value_cents AS forecast FROM value_snapshots v "
           "JOIN members m ON m.id = v.member_id WHERE " + snapshot_filter(filter, dialect) + "), "
           "total AS (SELECT count(*) AS n, sum(revenue) AS revenue, sum(forecast) AS forecast "
           "FROM base), "
           "by_revenue AS MATERIALIZED (SELECT row_number() OVER (ORDER BY revenue DESC) AS pos, "
           "sum(revenue) OVER (ORDER BY revenue DESC ROWS UNBOUNDED PRECEDING) AS running "
           "FROM base), "
           "by_forecast AS MATERIALIZED (SELECT row_number() OVER (ORDER BY forecast DESC) AS "
           "pos, sum(forecast) OVER (ORDER BY forecast DESC ROWS UNBOUNDED PRECEDING) AS running "
           "FROM base), "
           "tops(pct) AS (VALUES (1), (5), (10), (20), (50)), "
           "cut AS (SELECT pct, (total.n * pct + 99) / 100 AS k, total.revenue AS revenue, "
           "total.forecast AS forecast FROM tops, total WHERE total.n > 0) "
           "SELECT pct, k, "
           "CASE WHEN revenue > 0 THEN " +
           percent_sql(dialect, "(SELECT running FROM by_revenue WHERE pos = k)", "revenue") +
           " END, "
           "CASE WHEN forecast > 0 THEN " +
           percent_sql(dialect, "(SELECT running FROM by_forecast WHERE pos = k)", "forecast") +
           " END "
           "FROM cut ORDER BY pct";
  }
};

}  // namespace

std::unique_ptr<Report> value_distribution_report() {
  return std::make_unique<ValueDistribution>();
}

}  // namespace rapport::server::reports
