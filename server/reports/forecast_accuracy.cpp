// server/reports/forecast_accuracy.cpp
#include "server/reports/forecast_accuracy.h"

#include <array>
#include <cmath>
#include <cstdio>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/reports_errc.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 11> kColumns{{
    {"fit", ColumnKind::kInteger},
    {"forecast_from", ColumnKind::kText},
    {"checked_to", ColumnKind::kText},
    {"bin", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"expected_purchase_days", ColumnKind::kInteger},
    {"actual_purchase_days", ColumnKind::kInteger},
    {"purchase_days_error_percent", ColumnKind::kText},
    {"expected_spend_cents", ColumnKind::kCents},
    {"actual_spend_cents", ColumnKind::kCents},
    {"spend_error_percent", ColumnKind::kText},
}};

// (expected - actual) / actual in percent with one decimal, "-0.5"; no value when nothing
// happened.
Cell error_percent(double expected, double actual) {
  if (actual == 0) return std::monostate{};
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", (expected - actual) / actual * 100.0);
  return std::string(text);
}

// Only the latest check of each cohort; ?3/?4 select cohorts by the start of their window.
// A check's bins come in the order it wrote them: SQLite's rowid; PostgreSQL's value_accuracy
// has no insertion order, so there the bins go in the order compare_forecasts writes them
// (server/value/forecast_accuracy.h: "all", then by the forecast).
std::string query(const Filter& filter, SqlDialect dialect) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  return "SELECT a.fit_id, a.window_start, a.window_end, a.bin, a.members, "
         "  a.expected_visits, a.actual_visits, a.expected_spend_cents, "
         "  a.actual_spend_cents FROM value_accuracy a "
         "WHERE a.checked_at = (SELECT max(b.checked_at) FROM value_accuracy b "
         "  WHERE b.fit_id = a.fit_id) AND " +
         period_condition("a.window_start", filter, dialect) +
         (sqlite ? " ORDER BY a.window_start, a.fit_id, a.rowid"
                 : " ORDER BY a.window_start, a.fit_id, array_position(ARRAY['all', '0-1', "
                   "'1-2', '2-4', '4-8', '8+']::text[], a.bin), a.bin");
}

// `Row`: a storage::Statement or a PgRow (pg_report_sql.h).
template <class Row>
void build_row(const Row& stmt, std::span<Cell> cells) {
  const double expected_days = stmt.column_double(5);
  const std::int64_t actual_days = stmt.column_int64(6);
  const std::int64_t expected_spend = stmt.column_int64(7);
  const std::int64_t actual_spend = stmt.column_int64(8);
  cells[0] = stmt.column_int64(0);
  cells[1] = stmt.column_text(1);
  cells[2] = stmt.column_text(2);
  cells[3] = stmt.column_text(3);
  cells[4] = stmt.column_int64(4);
  cells[5] = static_cast<std::int64_t>(std::llround(expected_days));
  cells[6] = actual_days;
  cells[7] = error_percent(expected_days, static_cast<double>(actual_days));
  cells[8] = expected_spend;
  cells[9] = actual_spend;
  cells[10] = error_percent(static_cast<double>(expected_spend),
                            static_cast<double>(actual_spend));
}

class ForecastAccuracy final : public Report {
 public:
  std::string_view name() const override { return "forecast-accuracy"; }
  std::string_view description() const override {
    return "Forecast against actual: the value engine's latest check of each forecast cohort "
           "(rapportctl value accuracy)";
  }
  std::span<const Column> columns() const override { return kColumns; }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    // value_accuracy keeps the chain's totals and bins, not stores'.
    if (filter.store || filter.region) return make_error_code(ReportsErrc::kChainWideOnly);
    return stream_rows(db, query(filter, SqlDialect::kSqlite), filter, kColumns, sink,
                       build_row<storage::Statement>);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    if (filter.store || filter.region) return make_error_code(ReportsErrc::kChainWideOnly);
    return stream_pg_rows(db, query(filter, SqlDialect::kPostgresql), filter, kColumns, sink,
                          build_row<PgRow>);
  }
};

}  // namespace

std::unique_ptr<Report> forecast_accuracy_report() { return std::make_unique<ForecastAccuracy>(); }

}  // namespace rapport::server::reports
