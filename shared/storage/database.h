// shared/storage/database.h
//
// One open SQLite database file: the only door from Rapport code to SQLite. sqlite3.h is
// included by the .cpp files of this folder alone, so callers never see raw handles or
// SQLITE_* codes; failures arrive as StorageErrc.
//
// Thread-safety: one thread at a time per Database (and its Statements). A process that
// writes from two threads opens two Databases on the same file; WAL lets them share it.

#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "shared/storage/statement.h"
#include "shared/util/result.h"

namespace rapport::storage {

// One step of a schema: `version` is stored in PRAGMA user_version once `sql` ran.
struct Migration {
  int version;
  std::string_view sql;
};

struct OpenOptions {
  bool create_if_missing = true;
  // Full sync: a recorded visit survives power loss. Benchmarks may relax it.
  bool full_sync = true;
  // How long a writer waits for another connection's lock before kBusy.
  std::chrono::milliseconds busy_timeout{5000};
};

class Database {
 public:
  // Opens or creates `file`, switches it to WAL, and applies the `migrations` whose version
  // is above the file's, each in its own transaction. A file whose version is above the
  // last migration is refused with kSchemaTooNew.
  [[nodiscard]] static Result<Database> open(const std::filesystem::path& file,
                                             std::span<const Migration> migrations,
                                             const OpenOptions& options = {});

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  // Compiles `sql` once; keep the Statement and rebind it for each row.
  // Requires: the Statement does not outlive this Database.
  [[nodiscard]] Result<Statement> prepare(std::string_view sql);

  // Runs SQL that returns no rows (PRAGMA, DDL, BEGIN). Not for user input.
  [[nodiscard]] Result<void> execute(std::string_view sql);

  // Rowid of the last successful INSERT on this connection.
  [[nodiscard]] std::int64_t last_insert_rowid() const;
  // Rows changed by the last INSERT/UPDATE/DELETE (0 for an ignored duplicate).
  [[nodiscard]] std::int64_t changes() const;

  [[nodiscard]] int schema_version();

 private:
  struct Connection;  // Owns the sqlite3 handle; defined in database.cpp.
  explicit Database(std::unique_ptr<Connection> connection);

  std::unique_ptr<Connection> connection_;
};

// BEGIN IMMEDIATE on creation; rolls back on destruction unless commit() succeeded, so an
// early return never leaves half a batch on disk.
class Transaction {
 public:
  [[nodiscard]] static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  // Durable (with OpenOptions::full_sync) once this returns success.
  [[nodiscard]] Result<void> commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}

  Database* db_;  // Null once committed or moved from.
};

}  // namespace rapport::storage
