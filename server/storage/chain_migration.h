// server/storage/chain_migration.h
//
// A chain's move from its SQLite file to PostgreSQL (`rapportctl storage migrate`,
// docs/deployment.md "Moving from SQLite to PostgreSQL"): every table the PostgreSQL schema
// holds, copied in dependency order through COPY in one PostgreSQL transaction, then
// verified table by table (row counts and a SHA-256 of the rows in primary-key order,
// computed alike from both databases). What the PostgreSQL schema has no place for yet is
// never dropped silently: it is refused, or with allow_partial copied around and listed.
//
// Thread-safety: one call at a time per target. The source is read in one transaction, so
// the copy and its check see the file as it was when they began; a server writing to it
// meanwhile is noticed (ChainMigration::source_changed) but its writes are not copied: stop
// the servers first.

#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "shared/util/result.h"

namespace rapport::server {

// Failures of a migration that are not a database's own (those arrive as StorageErrc or
// PgErrc: kCannotConnect for an unreachable PostgreSQL, for instance).
enum class MigrationErrc {
  kSourceMissing = 1,  // no SQLite file at the source path
  kSchemaMismatch,     // a PostgreSQL column has no SQLite counterpart (a bug; logged by name)
  kTargetNotMigrated,  // verify_only on a database without the current PostgreSQL schema
};

[[nodiscard]] const boost::system::error_category& migration_category() noexcept;
inline ErrorCode make_error_code(MigrationErrc e) noexcept {
  return {static_cast<int>(e), migration_category()};
}

struct TableRows {
  std::string table;
  std::int64_t rows = 0;
};

// Data in the SQLite file that PostgreSQL has no place for yet: a whole table, or one column
// of a table both hold (rows whose value there is neither NULL nor the column's default).
struct LeftBehind {
  std::string table;
  std::optional<std::string> column;  // empty: the whole table
  std::int64_t rows = 0;
};

// One table verified: rows and the hex SHA-256 of its rows, on each side.
struct TableCheck {
  std::string table;
  std::int64_t rows_from = 0;
  std::int64_t rows_to = 0;
  std::string checksum_from;
  std::string checksum_to;
  [[nodiscard]] bool matches() const {
    return rows_from == rows_to && checksum_from == checksum_to;
  }
};

struct ChainMigrationOptions {
  std::filesystem::path from;  // the server's SQLite file (brought to its current schema)
  std::string to;              // a libpq URI (migrated to the current PostgreSQL schema)
  bool allow_partial = false;  // copy what PostgreSQL holds even when data is left behind
  bool verify_only = false;    // write nothing to PostgreSQL: compare what both hold now
};

// Why nothing was copied, when something was refused (an outcome, not a failure: the
// caller reports the lists and the way forward).
enum class MigrationRefusal {
  kNone,
  kTargetNotEmpty,  // target_rows lists the PostgreSQL tables that already hold rows
  kLeftBehind,      // left_behind lists the data PostgreSQL has no place for (no allow_partial)
};

struct ChainMigration {
  MigrationRefusal refusal = MigrationRefusal::kNone;
  std::vector<TableRows> target_rows;   // kTargetNotEmpty
  std::vector<LeftBehind> left_behind;  // always, when any (copied around with allow_partial)
  // SQLite tables (with rows) that only restate others (kept by triggers, caches): not
  // copied and no reason to refuse; rebuilt from their sources where PostgreSQL gets them.
  std::vector<TableRows> derived;
  std::vector<TableRows> copied;   // in the order copied; empty with verify_only
  std::vector<TableCheck> checks;  // every PostgreSQL table, unless refused
  // Another connection wrote to the SQLite file meanwhile: the copy and its check are of
  // the file as it was when they began, so those writes are not in PostgreSQL.
  bool source_changed = false;
  std::chrono::milliseconds copy_time{0};    // from BEGIN to COMMIT on PostgreSQL
  std::chrono::milliseconds verify_time{0};  // both sides read and hashed
  // Not refused, the source unchanged meanwhile, and every check matches.
  [[nodiscard]] bool verified() const;
};

// Per table: `done` of `total` rows, stage "copying", "verifying on SQLite" or "verifying on
// PostgreSQL", about every 1 % of a table; and once per table "copied" with the rows
// PostgreSQL stored. May be empty.
using MigrationProgress = std::function<void(std::string_view stage, std::string_view table,
                                             std::int64_t done, std::int64_t total)>;

// Copies (unless verify_only) and verifies. The copy is all or nothing: one PostgreSQL
// transaction, committed before the verification reads it back. Refuses (and changes
// nothing) when the target already holds rows, or when data would be left behind without
// allow_partial. Requires: nothing else writes to the source meanwhile.
[[nodiscard]] Result<ChainMigration> migrate_chain(const ChainMigrationOptions& options,
                                                   const MigrationProgress& progress = {});

}  // namespace rapport::server

template <>
struct boost::system::is_error_code_enum<rapport::server::MigrationErrc> : std::true_type {};
