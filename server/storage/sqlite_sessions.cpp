// server/storage/sqlite_sessions.cpp
//
// SessionStore on SQLite (tables dashboard_sessions and login_failures, migration 21). Times
// are milliseconds since 1970 UTC.

#include <optional>
#include <utility>
#include <utility>

#include "server/storage/session_store.h"
#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"

namespace rapport::server {
namespace {

using storage::Database;

std::int64_t millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

std::string_view kind_text(FailureKind kind) {
  return kind == FailureKind::kUser ? "user" : "address";
}

class SqliteSessionStore final : public SessionStore {
 public:
  SqliteSessionStore(std::in_place_t /*own it*/, Database db)
      : owned_(std::move(db)), db_(*owned_) {}
  explicit SqliteSessionStore(Database& db) : db_(db) {}

  Result<void> put_session(std::string_view key, const Session& session) override {
    RAPPORT_TRY(auto stmt, db_.prepare("INSERT OR REPLACE INTO dashboard_sessions(token_sha256, "
                                       "user_id, csrf_token, credential, created_at, "
                                       "last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    return stmt.bind(1, key)
        .bind(2, session.user_id)
        .bind(3, session.csrf_token)
        .bind(4, session.credential)
        .bind(5, millis(session.created))
        .bind(6, millis(session.last_used))
        .run();
  }

  Result<std::optional<Session>> find_session(std::string_view key) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT user_id, csrf_token, credential, created_at, "
                                       "last_used_at FROM dashboard_sessions "
                                       "WHERE token_sha256 = ?1"));
    stmt.bind(1, key);
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) return std::optional<Session>();
    return std::optional<Session>(Session{stmt.column_int64(0), stmt.column_text(1),
                                          from_millis(stmt.column_int64(3)),
                                          from_millis(stmt.column_int64(4)), stmt.column_text(2)});
  }

  Result<void> touch_session(std::string_view key, TimePoint at) override {
    RAPPORT_TRY(auto stmt, db_.prepare("UPDATE dashboard_sessions SET last_used_at = "
                                       "max(last_used_at, ?2) WHERE token_sha256 = ?1"));
    return stmt.bind(1, key).bind(2, millis(at)).run();
  }

  Result<void> delete_session(std::string_view key) override {
    RAPPORT_TRY(auto stmt, db_.prepare("DELETE FROM dashboard_sessions WHERE token_sha256 = ?1"));
    return stmt.bind(1, key).run();
  }

  Result<void> delete_sessions_before(TimePoint idle_before, TimePoint created_before) override {
    RAPPORT_TRY(auto stmt, db_.prepare("DELETE FROM dashboard_sessions WHERE last_used_at < ?1 "
                                       "OR created_at < ?2"));
    return stmt.bind(1, millis(idle_before)).bind(2, millis(created_before)).run();
  }

  Result<std::size_t> session_count() override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT count(*) FROM dashboard_sessions"));
    RAPPORT_TRY_VOID(stmt.step());
    return static_cast<std::size_t>(stmt.column_int64(0));
  }

  Result<void> add_login_failure(FailureKind kind, std::string_view key, TimePoint at) override {
    RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO login_failures(kind, key, failed_at) "
                                       "VALUES (?1, ?2, ?3)"));
    return stmt.bind(1, kind_text(kind)).bind(2, key).bind(3, millis(at)).run();
  }

  Result<std::size_t> login_failures_since(FailureKind kind, std::string_view key,
                                           TimePoint since) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT count(*) FROM login_failures WHERE kind = ?1 "
                                       "AND key = ?2 AND failed_at > ?3"));
    stmt.bind(1, kind_text(kind)).bind(2, key).bind(3, millis(since));
    RAPPORT_TRY_VOID(stmt.step());
    return static_cast<std::size_t>(stmt.column_int64(0));
  }

  Result<void> clear_login_failures(FailureKind kind, std::string_view key) override {
    RAPPORT_TRY(auto stmt,
                db_.prepare("DELETE FROM login_failures WHERE kind = ?1 AND key = ?2"));
    return stmt.bind(1, kind_text(kind)).bind(2, key).run();
  }

  Result<void> delete_login_failures_before(TimePoint before) override {
    RAPPORT_TRY(auto stmt, db_.prepare("DELETE FROM login_failures WHERE failed_at < ?1"));
    return stmt.bind(1, millis(before)).run();
  }

 private:
  std::optional<Database> owned_;  // set when this store opened its own connection
  Database& db_;
};

}  // namespace

Result<std::unique_ptr<SessionStore>> open_sqlite_session_store(const std::filesystem::path& file) {
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations));
  return std::unique_ptr<SessionStore>(std::make_unique<SqliteSessionStore>(std::in_place, std::move(db)));
}

std::unique_ptr<SessionStore> sqlite_session_store_on(Database& db) {
  return std::make_unique<SqliteSessionStore>(db);
}

}  // namespace rapport::server
