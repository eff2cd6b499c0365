// server/reports/pg_report_sql.h
//
// The PostgreSQL side of filter_sql.h: how a report's SQL, written with SQLite's numbered
// parameters in filter_sql.h's layout (?1 store, ?2 region, ?3 from, ?4 to, ?5 on the
// report's own), runs on a pg::Connection, and how its rows reach a RowSink. Most report SQL
// is the same text on both backends (both compare TEXT COLLATE "C" byte by byte, both have
// window functions and MATERIALIZED CTEs); where the dialects differ a report writes each
// (filter_sql.h's SqlDialect).
//
// Rows come back in one result for the aggregates (a few hundred rows at most); a report of a
// row per member reads a cursor in chunks (stream_pg_cursor).
//
// Thread-safety: one thread (the Connection's).

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/reports/report.h"
#include "server/storage/pg_connection.h"

namespace rapport::server::reports {

// A statement as PostgreSQL takes it.
struct PgStatement {
  std::string sql;
  std::vector<pg::Param> params;
};

// `sql` with SQLite's ?N turned into PostgreSQL's $k, numbered in the order each N is first
// met, and the parameters it uses taken from `numbered` (index 0 is ?1) in that order.
// PostgreSQL refuses a parameter its statement never mentions (it has no type to give it),
// where SQLite ignores one, so a filter's unused parts are left out here. A '?' inside a
// quoted literal is left alone. Requires: every N in `sql` is at most numbered.size().
[[nodiscard]] PgStatement pg_statement(std::string_view sql, std::span<const pg::Param> numbered);

// ?1..?4 from `filter` (bind_filter's layout), then `own` as ?5, ?6, ...
[[nodiscard]] std::vector<pg::Param> filter_params(const Filter& filter,
                                                   std::span<const pg::Param> own = {});

// One row of a PostgreSQL result, read with storage::Statement's names, so a report's row
// builder can be one template for both backends (filter_sql.h's optional_text and friends
// take either).
class PgRow {
 public:
  PgRow(const pg::Rows& rows, std::size_t row) : rows_(rows), row_(row) {}
  [[nodiscard]] bool column_is_null(int column) const { return rows_.is_null(row_, column); }
  [[nodiscard]] std::int64_t column_int64(int column) const { return rows_.int64(row_, column); }
  [[nodiscard]] double column_double(int column) const { return rows_.real(row_, column); }
  [[nodiscard]] std::string column_text(int column) const { return rows_.text(row_, column); }

 private:
  const pg::Rows& rows_;
  std::size_t row_;
};

using PgRowBuilder = std::function<void(const PgRow&, std::span<Cell>)>;

// Runs `sql` (SQLite numbering; filter_params(filter, own)) in a transaction of its own with
// JIT off, and hands each row to the sink as `build` makes it: begin, rows, end. When the
// statement fails nothing reaches the sink. Requires: `db` is not inside a transaction.
[[nodiscard]] Result<void> stream_pg_rows(pg::Connection& db, std::string_view sql,
                                          const Filter& filter, std::span<const Column> columns,
                                          RowSink& sink, const PgRowBuilder& build,
                                          std::span<const pg::Param> own = {});

// The same with cells typed by `columns`, as stream_query: SQL NULL is no value; integer and
// cents columns are read as integers (PostgreSQL's sum of BIGINT is NUMERIC: a whole number
// in text, read the same), text and percent columns as text.
[[nodiscard]] Result<void> stream_pg_query(pg::Connection& db, std::string_view sql,
                                           const Filter& filter, std::span<const Column> columns,
                                           RowSink& sink, std::span<const pg::Param> own = {});

// The same for a report of a row per member (a million rows): read through a cursor
// kFetchRows (10,000) rows at a time in a transaction of its own, so memory holds one chunk,
// and no further once the sink wants no more (a page). When a fetch fails part way the sink
// has had begin and some rows, and no end, as on SQLite.
[[nodiscard]] Result<void> stream_pg_cursor(pg::Connection& db, std::string_view sql,
                                            const Filter& filter, std::span<const Column> columns,
                                            RowSink& sink);

}  // namespace rapport::server::reports
