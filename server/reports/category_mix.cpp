// server/reports/category_mix.cpp
//
// The category mix of the most valuable customers (tier MVC in their value snapshot) against
// the rest: per category, each group's spend (member_categories) and its share of that
// group's spend over all categories.
#include <array>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/value_reports.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 5> kColumns{{
    {"category", ColumnKind::kText},
    {"mvc_spend_cents", ColumnKind::kCents},
    {"mvc_share_percent", ColumnKind::kPercent},
    {"rest_spend_cents", ColumnKind::kCents},
    {"rest_share_percent", ColumnKind::kPercent},
}};
constexpr std::array<std::string_view, 2> kChartValues{"mvc_share_percent",
                                                       "rest_share_percent"};

class CategoryMix final : public Report {
 public:
  std::string_view name() const override { return "category-mix"; }
  std::string_view description() const override {
    return "Category mix of the most valuable customers (MVC) against the rest";
  }
  std::span<const Column> columns() const override { return kColumns; }
  std::optional<ChartSpec> chart() const override {
    return ChartSpec{ChartKind::kBar, "category", kChartValues};
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
    return "WITH spend AS MATERIALIZED (SELECT c.category, "
           "sum(CASE WHEN v.tier = 'MVC' THEN c.spend_cents ELSE 0 END) AS mvc, "
           "sum(CASE WHEN v.tier = 'MVC' THEN 0 ELSE c.spend_cents END) AS rest "
           "FROM value_snapshots v JOIN members m ON m.id = v.member_id "
           "JOIN member_categories c ON c.member_id = v.member_id WHERE " +
           snapshot_filter(filter, dialect) + " GROUP BY c.category), "
           "total AS (SELECT sum(mvc) AS mvc, sum(rest) AS rest FROM spend) "
           "SELECT s.category, s.mvc, "
           "CASE WHEN t.mvc > 0 THEN " + percent_sql(dialect, "s.mvc", "t.mvc") + " END, s.rest, "
           "CASE WHEN t.rest > 0 THEN " + percent_sql(dialect, "s.rest", "t.rest") + " END "
           "FROM spend s, total t ORDER BY s.mvc + s.rest DESC, s.category";
  }
};

}  // namespace

std::unique_ptr<Report> category_mix_report() { return std::make_unique<CategoryMix>(); }

}  // namespace rapport::server::reports
