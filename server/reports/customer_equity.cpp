// server/reports/customer_equity.cpp
#include "server/reports/customer_equity.h"

#include <array>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/value_reports.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 3> kColumns{{
    {"store", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"customer_equity_cents", ColumnKind::kCents},
}};
constexpr std::array<std::string_view, 1> kChartValues{"customer_equity_cents"};

class CustomerEquity final : public Report {
 public:
  std::string_view name() const override { return "customer-equity"; }
  std::string_view description() const override {
    return "Customer equity (sum of lifetime values from the value snapshots) by home store";
  }
  std::span<const Column> columns() const override { return kColumns; }
  std::optional<ChartSpec> chart() const override {
    return ChartSpec{ChartKind::kBar, "store", kChartValues};
  }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_query(db, query(filter, SqlDialect::kSqlite), filter, kColumns, sink);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return stream_pg_query(db, query(filter, SqlDialect::kPostgresql), filter, kColumns, sink);
  }

 private:
  // The same text on both backends but for an empty condition.
  static std::string query(const Filter& filter, SqlDialect dialect) {
    return "SELECT m.home_store, count(*), sum(v.lifetime_value_cents) "
           "FROM value_snapshots v JOIN members m ON m.id = v.member_id WHERE " +
           snapshot_filter(filter, dialect) + " GROUP BY m.home_store ORDER BY m.home_store";
  }
};

}  // namespace

std::unique_ptr<Report> customer_equity_report() { return std::make_unique<CustomerEquity>(); }

}  // namespace rapport::server::reports
