// server/reports/filter_sql.cpp
#include "server/reports/filter_sql.h"

#include <vector>

namespace rapport::server::reports {

namespace {

// A condition that holds for every row, in `dialect`.
std::string no_condition(SqlDialect dialect) {
  return dialect == SqlDialect::kSqlite ? "1" : "true";
}

}  // namespace

std::string place_condition(std::string_view store_column, const Filter& filter,
                            SqlDialect dialect) {
  const std::string column(store_column);
  std::string sql;
  if (filter.store) sql = column + " = ?1";
  if (filter.region) {
    if (!sql.empty()) sql += " AND ";
    sql += column + " IN (SELECT id FROM stores WHERE region = ?2)";
  }
  return sql.empty() ? no_condition(dialect) : "(" + sql + ")";
}

std::string summary_place(const Filter& filter) {
  if (filter.store) return "s:" + *filter.store;
  if (filter.region) return "r:" + *filter.region;
  return "";
}

std::string period_condition(std::string_view day_expression, const Filter& filter,
                             SqlDialect dialect) {
  const std::string day(day_expression);
  std::string sql;
  if (filter.from) sql = day + " >= ?3";
  if (filter.to) {
    if (!sql.empty()) sql += " AND ";
    sql += day + " <= ?4";
  }
  return sql.empty() ? no_condition(dialect) : "(" + sql + ")";
}

std::string percent_sql(SqlDialect dialect, std::string_view numerator,
                        std::string_view denominator) {
  const std::string n(numerator);
  const std::string d(denominator);
  if (dialect == SqlDialect::kSqlite) return "printf('%.2f', 100.0 * " + n + " / " + d + ")";
  // SQLite prints a negative value that rounds to zero as "-0.00"; numeric has no -0.
  const std::string x = "(100.0::float8 * (" + n + ")::float8 / (" + d + ")::float8)";
  return "CASE WHEN " + x + " < 0 AND round(" + x + "::numeric, 2) = 0 THEN '-0.00' ELSE round(" +
         x + "::numeric, 2)::text END";
}

Result<void> stream_statement(storage::Statement& stmt, std::span<const Column> columns,
                              RowSink& sink, const RowBuilder& build) {
  sink.begin(columns);
  std::vector<Cell> cells(columns.size());
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    build(stmt, cells);
    sink.row(cells);
    if (!sink.wants_more()) break;
  }
  sink.end();
  return {};
}

Result<void> stream_rows(storage::Database& db, std::string_view sql, const Filter& filter,
                         std::span<const Column> columns, RowSink& sink, const RowBuilder& build) {
  RAPPORT_TRY(auto stmt, db.prepare(sql));
  bind_filter(stmt, filter);
  return stream_statement(stmt, columns, sink, build);
}

Result<void> stream_statement(storage::Statement& stmt, std::span<const Column> columns,
                              RowSink& sink) {
  return stream_statement(stmt, columns, sink,
                          [columns](const storage::Statement& row, std::span<Cell> cells) {
                            typed_cells(row, columns, cells);
                          });
}

Result<void> stream_query(storage::Database& db, std::string_view sql, const Filter& filter,
                          std::span<const Column> columns, RowSink& sink) {
  RAPPORT_TRY(auto stmt, db.prepare(sql));
  bind_filter(stmt, filter);
  return stream_statement(stmt, columns, sink);
}

}  // namespace rapport::server::reports
