// server/reports/filter_sql.h
//
// The one way reports apply their Filter (store, region, period) in SQL, and stream a report
// that is one query. Every report's statement numbers the filter's parameters the same way:
//
//   ?1 store, ?2 region, ?3 from, ?4 to   (SQL NULL when absent; ?5 on are the report's own)
//
// so `bind_filter` binds any of them and `place_condition` / `period_condition` write the
// usual conditions for the filter's shape (only the parts it has, so indexes serve them). A
// report whose period means something else (as_of before `from`, say) writes its own
// condition with the same ?3 / ?4.
//
// Thread-safety: one thread (the Database's).

#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "server/reports/report.h"
#include "shared/storage/statement.h"

namespace rapport::server::reports {

// Which SQL a report writes where SQLite's and PostgreSQL's differ (pg_report_sql.h).
enum class SqlDialect { kSqlite, kPostgresql };

// An SQL condition: `store_column` (a store id) is the filter's store (?1) and lies in its
// region (?2), written for the shape of `filter` (which of store and region it has): no
// store and no region is `1`, a store is `col = ?1`, a region `col IN (SELECT id FROM stores
// WHERE region = ?2)`, both are both. Never `(?1 IS NULL OR col = ?1)`: SQLite cannot use an
// index such as members_home_store through that OR, and every store view scanned a million
// members (docs/performance.md, "Head-office reports"). So the SQL text depends on the
// filter's shape; build it per run (cheap), not once in a static. No condition is `1` on
// SQLite, `true` on PostgreSQL (whose WHERE takes no integer).
[[nodiscard]] std::string place_condition(std::string_view store_column, const Filter& filter,
                                          SqlDialect dialect = SqlDialect::kSqlite);

// The place of a summary kept per place (rewards_days): '' the whole chain,
// 's:' || store, 'r:' || region. A store with a region is the store's (whoever reads it
// checks the store lies in the region).
[[nodiscard]] std::string summary_place(const Filter& filter);

// An SQL condition: the day `day_expression` (YYYY-MM-DD) lies in the filter's period
// (?3 from, ?4 to, inclusive); like place_condition, only the bounds `filter` has.
[[nodiscard]] std::string period_condition(std::string_view day_expression, const Filter& filter,
                                           SqlDialect dialect = SqlDialect::kSqlite);

// SQL: 100 * numerator / denominator as text with two decimals ("52.34"), for a percent
// column. Both compute the same double (100.0 * n / d); SQLite's printf rounds it half away
// from zero, and PostgreSQL's numeric (from the double at 15 significant digits) rounds the
// same way, where to_char would round halves to even ("3.12" for 3.125, not SQLite's
// "3.13"), and a negative value that rounds to zero is "-0.00" on both. Requires: the caller
// guards a zero denominator.
[[nodiscard]] std::string percent_sql(SqlDialect dialect, std::string_view numerator,
                                      std::string_view denominator);

// Binds ?1..?4 from `filter`. A number the statement does not use is left alone (SQLite
// ignores a bind past its highest parameter), so a query of any shape takes it.
inline void bind_filter(storage::Statement& stmt, const Filter& filter) {
  stmt.bind_optional(1, filter.store)
      .bind_optional(2, filter.region)
      .bind_optional(3, filter.from)
      .bind_optional(4, filter.to);
}

// The text of a column that may be NULL, as a report cell (no value when NULL). `Row` is a
// storage::Statement or a PostgreSQL row (pg_report_sql.h's PgRow), which read alike.
template <class Row>
[[nodiscard]] Cell optional_text(const Row& stmt, int column) {
  if (stmt.column_is_null(column)) return std::monostate{};
  return stmt.column_text(column);
}

template <class Row>
[[nodiscard]] Cell optional_int(const Row& stmt, int column) {
  if (stmt.column_is_null(column)) return std::monostate{};
  return stmt.column_int64(column);
}

// a / b rounded to the nearest whole (halves away from zero); no value when b is 0.
[[nodiscard]] inline Cell rounded_ratio(std::int64_t a, std::int64_t b) {
  if (b == 0) return std::monostate{};
  const std::int64_t half = (b < 0 ? -b : b) / 2;
  const bool negative = (a < 0) != (b < 0);
  const std::int64_t magnitude = ((a < 0 ? -a : a) + half) / (b < 0 ? -b : b);
  return negative ? -magnitude : magnitude;
}

// One result row's cells typed by `columns`: SQL NULL is no value, integer and cents columns
// are read as integers, text and percent columns as text. `Row` is a storage::Statement or a
// PgRow (pg_report_sql.h), which read columns by the same names.
template <class Row>
void typed_cells(const Row& row, std::span<const Column> columns, std::span<Cell> cells) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const int at = static_cast<int>(i);
    if (row.column_is_null(at)) {
      cells[i] = std::monostate{};
    } else if (columns[i].kind == ColumnKind::kInteger || columns[i].kind == ColumnKind::kCents) {
      cells[i] = row.column_int64(at);
    } else {
      cells[i] = row.column_text(at);
    }
  }
}

// Fills one row's cells (in column order) from the current row of the statement.
using RowBuilder = std::function<void(const storage::Statement&, std::span<Cell>)>;

// Steps a prepared, bound statement and hands each row to the sink: `build` turns it into
// cells (begin, rows, end; end() not called when a step fails).
[[nodiscard]] Result<void> stream_statement(storage::Statement& stmt,
                                            std::span<const Column> columns, RowSink& sink,
                                            const RowBuilder& build);
// The same with cells typed by `columns`, as stream_query: for a report that binds its own
// parameters (?5 on) besides the filter's.
[[nodiscard]] Result<void> stream_statement(storage::Statement& stmt,
                                            std::span<const Column> columns, RowSink& sink);

// Streams the rows of `sql`: binds the filter (bind_filter), steps the query, lets `build`
// turn each result row into cells and hands them to the sink (begin, rows, end; end() not
// called when a step fails).
[[nodiscard]] Result<void> stream_rows(storage::Database& db, std::string_view sql,
                                       const Filter& filter, std::span<const Column> columns,
                                       RowSink& sink, const RowBuilder& build);

// Streams a report that is one query: binds the filter (bind_filter), steps the query and
// hands each row to the sink with cells typed by `columns` (SQL NULL is no value, never a
// zero). Requires: the query yields columns.size() columns in that order; integer/cents
// columns are SQL integers, text/percent columns text.
[[nodiscard]] Result<void> stream_query(storage::Database& db, std::string_view sql,
                                        const Filter& filter, std::span<const Column> columns,
                                        RowSink& sink);

}  // namespace rapport::server::reports
