// server/reports/pg_report_sql.cpp
#include "server/reports/pg_report_sql.h"

#include <algorithm>
#include <map>

#include "server/reports/filter_sql.h"

namespace rapport::server::reports {

PgStatement pg_statement(std::string_view sql, std::span<const pg::Param> numbered) {
  PgStatement out;
  out.sql.reserve(sql.size());
  std::map<std::size_t, std::size_t> placed;  // SQLite's N -> PostgreSQL's k
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;  // '' inside a literal toggles twice: still inside
    if (quoted || c != '?' || i + 1 >= sql.size() || sql[i + 1] < '0' || sql[i + 1] > '9') {
      out.sql += c;
      continue;
    }
    std::size_t n = 0;
    while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      n = n * 10 + static_cast<std::size_t>(sql[++i] - '0');
    }
    auto [at, added] = placed.try_emplace(n, placed.size() + 1);
    if (added) out.params.push_back(numbered[n - 1]);
    out.sql += '$' + std::to_string(at->second);
  }
  return out;
}

std::vector<pg::Param> filter_params(const Filter& filter, std::span<const pg::Param> own) {
  std::vector<pg::Param> params{filter.store, filter.region, filter.from, filter.to};
  params.insert(params.end(), own.begin(), own.end());
  return params;
}

Result<void> stream_pg_rows(pg::Connection& db, std::string_view sql, const Filter& filter,
                            std::span<const Column> columns, RowSink& sink,
                            const PgRowBuilder& build, std::span<const pg::Param> own) {
  const auto params = filter_params(filter, own);
  const auto statement = pg_statement(sql, params);
  // Without JIT: a report's statement is wide (cohort retention has 36 subplans) and reads
  // at most a few million rows, and compiling it cost more than it saved (cohort retention
  // of a 100,000-member chain: 4.6-6.5 s with JIT, 1.0-1.3 s without; docs/performance.md).
  // SET LOCAL lasts until the transaction ends, so the connection's setting is left alone.
  RAPPORT_TRY(auto tx, pg::Transaction::begin(db));
  RAPPORT_TRY_VOID(db.exec("SET LOCAL jit = off"));
  RAPPORT_TRY(const auto rows, db.exec(statement.sql, statement.params));
  RAPPORT_TRY_VOID(tx.commit());
  sink.begin(columns);
  std::vector<Cell> cells(columns.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    build(PgRow(rows, r), cells);
    sink.row(cells);
  }
  sink.end();
  return {};
}

namespace {

PgRowBuilder typed(std::span<const Column> columns) {
  return [columns](const PgRow& row, std::span<Cell> cells) { typed_cells(row, columns, cells); };
}

}  // namespace

Result<void> stream_pg_query(pg::Connection& db, std::string_view sql, const Filter& filter,
                             std::span<const Column> columns, RowSink& sink,
                             std::span<const pg::Param> own) {
  return stream_pg_rows(db, sql, filter, columns, sink, typed(columns), own);
}

Result<void> stream_pg_cursor(pg::Connection& db, std::string_view sql, const Filter& filter,
                              std::span<const Column> columns, RowSink& sink) {
  // The first fetch is a page's worth (the dashboard shows 1,000 rows and stops: a first
  // fetch of 10,000 cost a period's page at 1M members 190 ms instead of 40 ms), later ones
  // grow to kMostRows so a whole export takes few round trips.
  constexpr std::size_t kFirstRows = 1'024;
  constexpr std::size_t kMostRows = 16'384;
  const auto statement = pg_statement(sql, filter_params(filter));
  const auto build = typed(columns);
  RAPPORT_TRY(auto tx, pg::Transaction::begin(db));
  RAPPORT_TRY_VOID(db.exec("SET LOCAL jit = off"));  // as stream_pg_rows
  RAPPORT_TRY_VOID(
      db.exec("DECLARE report_rows NO SCROLL CURSOR FOR " + statement.sql, statement.params));
  sink.begin(columns);
  std::vector<Cell> cells(columns.size());
  std::size_t fetch = kFirstRows;
  for (bool more = true; more; fetch = std::min(fetch * 4, kMostRows)) {
    RAPPORT_TRY(const auto rows, db.exec("FETCH " + std::to_string(fetch) + " FROM report_rows"));
    for (std::size_t r = 0; r < rows.size() && more; ++r) {
      build(PgRow(rows, r), cells);
      sink.row(cells);
      more = sink.wants_more();
    }
    if (rows.size() < fetch) more = false;
  }
  // Only read: the transaction's end closes the cursor.
  RAPPORT_TRY_VOID(tx.commit());
  sink.end();
  return {};
}

}  // namespace rapport::server::reports
