// server/storage/chain_checksum.cpp
//
// The verification half of `rapportctl storage migrate` (chain_migration.h): each table's
// rows read in primary-key order from both databases, each value in its canonical text
// (chain_tables.h), hashed with SHA-256 as they stream by. Neither side is held in memory:
// SQLite steps its statement, PostgreSQL reads through a cursor.

#include <algorithm>
#include <charconv>

#include "server/storage/chain_tables.h"
#include "server/storage/pg_connection.h"
#include "shared/crypto/digest.h"
#include "shared/storage/database.h"
#include "shared/util/hex.h"

namespace rapport::server::chain {
namespace {

constexpr std::int64_t kFetchRows = 10'000;  // rows per FETCH from the PostgreSQL cursor

// Hashes one value: a tag, then (for a value) its length, so no two rows share an input.
void hash_value(crypto::Sha256Stream& hash, const std::optional<std::string>& value) {
  if (!value) {
    hash.update("N");
    return;
  }
  hash.update("V" + std::to_string(value->size()) + ":");
  hash.update(*value);
}

// Calls `progress` about every 1 % of `total` rows.
class Ticker {
 public:
  Ticker(const MigrationProgress& progress, std::string_view stage, std::string_view table,
         std::int64_t total)
      : progress_(progress),
        stage_(stage),
        table_(table),
        total_(total),
        step_(std::max<std::int64_t>(1, total / 100)) {
    if (progress_) progress_(stage_, table_, 0, total_);
  }
  void tick() {
    if (++done_ % step_ == 0 && progress_) progress_(stage_, table_, done_, total_);
  }
  void finish() {
    if (progress_) progress_(stage_, table_, done_, std::max(done_, total_));
  }
  [[nodiscard]] std::int64_t done() const { return done_; }

 private:
  const MigrationProgress& progress_;
  std::string_view stage_;
  std::string_view table_;
  std::int64_t total_;
  std::int64_t step_;
  std::int64_t done_ = 0;
};

std::string order_clause(const Table& table, bool nulls_first) {
  std::string out;
  for (const auto& column : table.order_by) {
    if (!out.empty()) out += ", ";
    out += quote_identifier(column);
    // SQLite sorts NULL first in ascending order, PostgreSQL last: say it on PostgreSQL.
    if (nulls_first) out += " NULLS FIRST";
  }
  return out;
}

Result<void> hash_source(storage::Database& source, const Table& table,
                         const MigrationProgress& progress, TableCheck& check) {
  RAPPORT_TRY(auto stmt, source.prepare("SELECT " + column_list(table) + " FROM " +
                                        quote_identifier(table.name) + " ORDER BY " +
                                        order_clause(table, false)));
  crypto::Sha256Stream hash;
  Ticker ticker(progress, "verifying on SQLite", table.name, table.source_rows);
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      const int column = static_cast<int>(c);
      hash_value(hash, sqlite_value(stmt, column, table.columns[c].kind));
    }
    hash.update("\n");
    ticker.tick();
  }
  ticker.finish();
  check.rows_from = ticker.done();
  check.checksum_from = to_hex(hash.finish());
  return {};
}

Result<void> hash_target(pg::Connection& target, const Table& table,
                         const MigrationProgress& progress, TableCheck& check) {
  RAPPORT_TRY_VOID(target.exec("DECLARE rapport_check NO SCROLL CURSOR FOR SELECT " +
                               column_list(table) + " FROM " + quote_identifier(table.name) +
                               " ORDER BY " + order_clause(table, true)));
  crypto::Sha256Stream hash;
  Ticker ticker(progress, "verifying on PostgreSQL", table.name, table.source_rows);
  for (;;) {
    RAPPORT_TRY(const auto rows,
                target.exec("FETCH " + std::to_string(kFetchRows) + " FROM rapport_check"));
    if (rows.empty()) break;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        hash_value(hash, pg_value(rows, r, static_cast<int>(c), table.columns[c].kind));
      }
      hash.update("\n");
      ticker.tick();
    }
  }
  RAPPORT_TRY_VOID(target.exec("CLOSE rapport_check"));
  ticker.finish();
  check.rows_to = ticker.done();
  check.checksum_to = to_hex(hash.finish());
  return {};
}

}  // namespace

std::string quote_identifier(std::string_view identifier) {
  std::string out = "\"";
  for (const char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string column_list(const Table& table) {
  std::string out;
  for (const auto& column : table.columns) {
    if (!out.empty()) out += ", ";
    out += quote_identifier(column.name);
  }
  return out;
}

std::optional<std::string> sqlite_value(const storage::Statement& row, int column, ValueKind kind) {
  using Stored = storage::Statement::ColumnKind;
  const auto stored = row.column_kind(column);
  if (stored == Stored::kNull) return std::nullopt;
  switch (kind) {
    case ValueKind::kInteger:
      if (stored == Stored::kInteger) return std::to_string(row.column_int64(column));
      break;
    case ValueKind::kBoolean:  // SQLite keeps booleans as 0 and 1
      if (stored == Stored::kInteger) return std::string(row.column_int64(column) != 0 ? "t" : "f");
      break;
    case ValueKind::kReal:
      if (stored == Stored::kInteger || stored == Stored::kReal) {
        return pg::real_text(row.column_double(column));
      }
      break;
    case ValueKind::kText:
      break;
  }
  // Text as stored; a value of another type than the column's is compared as its text
  // (and PostgreSQL refuses it at the copy when it does not fit the column).
  return row.column_text(column);
}

std::optional<std::string> pg_value(const pg::Rows& rows, std::size_t row, int column,
                                    ValueKind kind) {
  if (rows.is_null(row, column)) return std::nullopt;
  if (kind == ValueKind::kReal) return pg::real_text(rows.real(row, column));
  return rows.text(row, column);  // integers in decimal, booleans t or f, text as stored
}

Result<std::vector<TableCheck>> check_tables(storage::Database& source, pg::Connection& target,
                                             const std::vector<Table>& tables,
                                             const MigrationProgress& progress) {
  RAPPORT_TRY(auto snapshot, pg::Transaction::begin(target));
  RAPPORT_TRY_VOID(target.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  std::vector<TableCheck> checks;
  for (const auto& table : tables) {
    TableCheck check;
    check.table = table.name;
    RAPPORT_TRY_VOID(hash_source(source, table, progress, check));
    RAPPORT_TRY_VOID(hash_target(target, table, progress, check));
    checks.push_back(std::move(check));
  }
  RAPPORT_TRY_VOID(snapshot.commit());
  return checks;
}

}  // namespace rapport::server::chain
