// server/reports/customer_equity_change.cpp
//
// Customer equity's change between two days by home store, and its parts: new members,
// growth, decline and lost members (docs/reports.md). Read from store_equity (migration 15),
// which every value refresh extends, so it costs stores x refreshes rows, not members.
// Start: each store's equity after the last refresh before `from` (none without `from`, or
// before the first refresh: no value); end: after the last refresh on or before `to`; parts:
// the refreshes in between. change = new + growth + decline + lost.
#include <array>
#include <string>

#include "server/reports/customer_equity.h"
#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 12> kColumns{{
    {"store", ColumnKind::kText},
    {"equity_start_cents", ColumnKind::kCents},
    {"equity_end_cents", ColumnKind::kCents},
    {"change_cents", ColumnKind::kCents},
    {"growth_percent", ColumnKind::kPercent},
    {"members", ColumnKind::kInteger},
    {"new_members", ColumnKind::kInteger},
    {"new_cents", ColumnKind::kCents},
    {"growth_cents", ColumnKind::kCents},
    {"decline_cents", ColumnKind::kCents},
    {"lost_members", ColumnKind::kInteger},
    {"lost_cents", ColumnKind::kCents},
}};
constexpr std::array<std::string_view, 2> kChartValues{"equity_end_cents", "change_cents"};

// SQLite takes a bare column beside max() from the row holding the max; PostgreSQL picks each
// store's latest row with DISTINCT ON, and wants a type for a parameter it only tests for NULL.
std::string query(const Filter& filter, SqlDialect dialect) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  const std::string from = sqlite ? "?3" : "?3::text";
  const std::string to = sqlite ? "?4" : "?4::text";
  const std::string start =
      sqlite ? "start AS (SELECT store_id, equity_cents, max(refresh_id) FROM store_equity "
               "WHERE ?3 IS NOT NULL AND as_of < ?3 GROUP BY store_id), "
             : "start AS (SELECT DISTINCT ON (store_id) store_id, equity_cents FROM store_equity "
               "WHERE ?3::text IS NOT NULL AND as_of < ?3 ORDER BY store_id, refresh_id DESC), ";
  const std::string finish =
      sqlite ? "finish AS (SELECT store_id, members, equity_cents, max(refresh_id) FROM "
               "store_equity WHERE ?4 IS NULL OR as_of <= ?4 GROUP BY store_id), "
             : "finish AS (SELECT DISTINCT ON (store_id) store_id, members, equity_cents FROM "
               "store_equity WHERE ?4::text IS NULL OR as_of <= ?4 "
               "ORDER BY store_id, refresh_id DESC), ";
  return
    "WITH " + start + finish +
    "parts AS (SELECT store_id, sum(new_members) AS new_members, sum(new_cents) AS new_cents, "
    "sum(growth_cents) AS growth, sum(decline_cents) AS decline, "
    "sum(lost_members) AS lost_members, sum(lost_cents) AS lost FROM store_equity "
    "WHERE (" + from + " IS NULL OR as_of >= ?3) AND (" + to + " IS NULL OR as_of <= ?4) "
    "GROUP BY store_id) "
    "SELECT f.store_id, s.equity_cents, f.equity_cents, "
    "f.equity_cents - coalesce(s.equity_cents, 0), "
    "CASE WHEN s.equity_cents > 0 THEN " +
    percent_sql(dialect, "(f.equity_cents - s.equity_cents)", "s.equity_cents") +
    " END, f.members, coalesce(p.new_members, 0), coalesce(p.new_cents, 0), "
    "coalesce(p.growth, 0), coalesce(p.decline, 0), coalesce(p.lost_members, 0), "
    "coalesce(p.lost, 0) "
    "FROM finish f LEFT JOIN start s ON s.store_id = f.store_id "
    "LEFT JOIN parts p ON p.store_id = f.store_id "
    "WHERE " + place_condition("f.store_id", filter, dialect) + " ORDER BY f.store_id";
}

class CustomerEquityChange final : public Report {
 public:
  std::string_view name() const override { return "customer-equity-change"; }
  std::string_view description() const override {
    return "Customer equity's change between two days by home store: new members, growth, "
           "decline, lost members";
  }
  std::span<const Column> columns() const override { return kColumns; }
  std::optional<ChartSpec> chart() const override {
    return ChartSpec{ChartKind::kBar, "store", kChartValues};
  }
  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_query(db, query(filter, SqlDialect::kSqlite), filter, kColumns, sink);
  }
  // From PostgreSQL migration 9's store_equity, kept by the value refresh's save.
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return stream_pg_query(db, query(filter, SqlDialect::kPostgresql), filter, kColumns, sink);
  }
};

}  // namespace

std::unique_ptr<Report> customer_equity_change_report() {
  return std::make_unique<CustomerEquityChange>();
}

}  // namespace rapport::server::reports
