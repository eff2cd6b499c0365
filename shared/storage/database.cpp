// shared/storage/database.cpp
#include "shared/storage/database.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <string>
#include <utility>

#include "shared/storage/sqlite_error.h"

namespace rapport::storage {

struct Database::Connection {
  sqlite3* db = nullptr;
  ~Connection() {
    if (db != nullptr) sqlite3_close_v2(db);
  }
};

namespace {

Result<void> exec(sqlite3* db, std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return detail::sqlite_error(rc, db, text.c_str());
  return {};
}

}  // namespace

Database::Database(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Result<Database> Database::open(const std::filesystem::path& file,
                                std::span<const Migration> migrations, const OpenOptions& options) {
  if (file.empty()) {
    // SQLite would open a private temporary database, empty, and every read would answer
    // from it: say so instead (a server.toml on postgresql:// has no SQLite file).
    spdlog::error("cannot open a database: no SQLite file given (a data folder on "
                  "postgresql:// has none; docs/deployment.md, \"On PostgreSQL\")");
    return make_error_code(StorageErrc::kCannotOpen);
  }
  auto connection = std::make_unique<Connection>();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(file.c_str(), &connection->db, flags, nullptr);
  if (rc != SQLITE_OK) {
    spdlog::error("cannot open database {}: {}", file.string(), sqlite3_errstr(rc));
    return make_error_code(StorageErrc::kCannotOpen);
  }
  sqlite3_extended_result_codes(connection->db, 1);
  sqlite3_busy_timeout(connection->db, static_cast<int>(options.busy_timeout.count()));

  Database database(std::move(connection));
  // journal_mode reads the file header: the first place a non-database file is noticed.
  if (auto r = database.execute("PRAGMA journal_mode=WAL"); !r) return r.error();
  if (auto r = database.execute(options.full_sync ? "PRAGMA synchronous=FULL"
                                                  : "PRAGMA synchronous=NORMAL");
      !r) {
    return r.error();
  }
  if (auto r = database.execute("PRAGMA foreign_keys=ON"); !r) return r.error();

  const int current = database.schema_version();
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    spdlog::error("database {} has schema version {}, this program knows up to {}", file.string(),
                  current, newest);
    return make_error_code(StorageErrc::kSchemaTooNew);
  }
  // An upgrade of a large file can take minutes (an index over every event): say so, and
  // how long each step took, so an operator knows the server is busy, not hung.
  if (current > 0 && current < newest) {
    spdlog::warn("upgrading database {} from schema version {} to {}: on a large chain this "
                 "can take minutes; do not stop it (each step is one transaction)",
                 file.string(), current, newest);
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    // Progress at warning level: rapportctl shows only warnings and errors, and an operator
    // watching a long upgrade must see which step it is on.
    if (current > 0) {
      spdlog::warn("database {}: applying schema version {} of {}", file.string(),
                   migration.version, newest);
    }
    const auto started = std::chrono::steady_clock::now();
    auto tx = Transaction::begin(database);
    if (!tx) return tx.error();
    // Another process on the same file (a second server instance starting at the same time)
    // may have applied it while this one waited for the write lock.
    if (database.schema_version() >= migration.version) continue;
    if (auto r = database.execute(migration.sql); !r) return r.error();
    if (auto r = database.execute("PRAGMA user_version=" + std::to_string(migration.version)); !r) {
      return r.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    if (current > 0) {
      spdlog::warn("database {}: schema version {} applied in {:.1f} s", file.string(),
                   migration.version,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  }
  return database;
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(connection_->db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return detail::sqlite_error(rc, connection_->db, "prepare");
  return Statement::adopt(stmt);
}

Result<void> Database::execute(std::string_view sql) { return exec(connection_->db, sql); }

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(connection_->db);
}

std::int64_t Database::changes() const { return sqlite3_changes64(connection_->db); }

int Database::schema_version() {
  auto stmt = prepare("PRAGMA user_version");
  if (!stmt) return 0;
  auto row = stmt->step();
  if (!row || !*row) return 0;
  return static_cast<int>(stmt->column_int64(0));
}

Result<Transaction> Transaction::begin(Database& db) {
  if (auto r = db.execute("BEGIN IMMEDIATE"); !r) return r.error();
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->execute("ROLLBACK");
}

Result<void> Transaction::commit() {
  if (db_ == nullptr) return make_error_code(StorageErrc::kMisuse);
  auto r = db_->execute("COMMIT");
  if (!r) return r;  // The destructor rolls back what is left.
  db_ = nullptr;
  return {};
}

}  // namespace rapport::storage
