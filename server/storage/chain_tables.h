// server/storage/chain_tables.h
//
// Internal to chain_migration.cpp and chain_checksum.cpp: one table as both databases hold
// it, and the canonical text of a value that the copy sends and the checksum hashes, so a
// value reads the same from SQLite (integers for booleans, doubles) as from PostgreSQL
// (text). Not part of any public API.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/storage/chain_migration.h"
#include "shared/util/result.h"

namespace rapport::storage {
class Database;
class Statement;
}  // namespace rapport::storage

namespace rapport::server::pg {
class Connection;
class Rows;
}  // namespace rapport::server::pg

namespace rapport::server::chain {

// How a PostgreSQL column's values are written as text (its data_type).
enum class ValueKind { kInteger, kBoolean, kReal, kText };

struct Column {
  std::string name;
  ValueKind kind = ValueKind::kText;
};

struct Table {
  std::string name;
  std::vector<Column> columns;        // copied: the PostgreSQL columns SQLite has, in order
  std::vector<std::string> order_by;  // the primary key, or every copied column without one
  bool sqlite_rowid = true;           // a rowid table on SQLite: copied in rowid order
  std::int64_t source_rows = 0;
};

// "name" with any " doubled: names come from the databases' own catalogs.
[[nodiscard]] std::string quote_identifier(std::string_view identifier);
// "a", "b", "c": the table's copied columns.
[[nodiscard]] std::string column_list(const Table& table);

// The canonical text of one value (nullopt for NULL): integers in decimal, booleans t or f,
// reals in the shortest form that reads back as the same double, text as stored. It is
// also PostgreSQL's input form of the value, so the copy sends exactly what is hashed.
[[nodiscard]] std::optional<std::string> sqlite_value(const storage::Statement& row, int column,
                                                      ValueKind kind);
[[nodiscard]] std::optional<std::string> pg_value(const pg::Rows& rows, std::size_t row, int column,
                                                  ValueKind kind);

// Counts and hashes every table on both sides, rows in `order_by` order. Requires: `source`
// inside a read transaction (one snapshot for every table); the target's reads run in one
// REPEATABLE READ transaction of their own.
[[nodiscard]] Result<std::vector<TableCheck>> check_tables(storage::Database& source,
                                                           pg::Connection& target,
                                                           const std::vector<Table>& tables,
                                                           const MigrationProgress& progress);

}  // namespace rapport::server::chain
