// server/storage/pg_sessions.cpp
//
// SessionStore on PostgreSQL (tables dashboard_sessions and login_failures, PostgreSQL
// migration 2), statement for statement as sqlite_sessions.cpp. Times are milliseconds since
// 1970 UTC.

#include <utility>

#include "server/storage/pg_connection.h"
#include "server/storage/pg_schema.h"
#include "server/storage/session_store.h"

namespace rapport::server {
namespace {

using pg::Connection;
using pg::param;

std::int64_t millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

const char* kind_text(FailureKind kind) { return kind == FailureKind::kUser ? "user" : "address"; }

class PgSessionStore final : public SessionStore {
 public:
  explicit PgSessionStore(Connection db) : db_(std::move(db)) {}

  Result<void> put_session(std::string_view key, const Session& session) override {
    RAPPORT_TRY_VOID(db_.exec(
        "INSERT INTO dashboard_sessions(token_sha256, user_id, csrf_token, credential, "
        "created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT (token_sha256) DO UPDATE SET user_id = excluded.user_id, "
        "csrf_token = excluded.csrf_token, credential = excluded.credential, "
        "created_at = excluded.created_at, last_used_at = excluded.last_used_at",
        {param(key), param(session.user_id), param(session.csrf_token),
         param(session.credential), param(millis(session.created)),
         param(millis(session.last_used))}));
    return {};
  }

  Result<std::optional<Session>> find_session(std::string_view key) override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT user_id, csrf_token, credential, created_at, "
                                          "last_used_at FROM dashboard_sessions "
                                          "WHERE token_sha256 = $1",
                                          {param(key)}));
    if (rows.empty()) return std::optional<Session>();
    return std::optional<Session>(Session{rows.int64(0, 0), rows.text(0, 1),
                                          from_millis(rows.int64(0, 3)),
                                          from_millis(rows.int64(0, 4)), rows.text(0, 2)});
  }

  Result<void> touch_session(std::string_view key, TimePoint at) override {
    RAPPORT_TRY_VOID(db_.exec("UPDATE dashboard_sessions SET last_used_at = "
                              "greatest(last_used_at, $2::bigint) WHERE token_sha256 = $1",
                              {param(key), param(millis(at))}));
    return {};
  }

  Result<void> delete_session(std::string_view key) override {
    RAPPORT_TRY_VOID(
        db_.exec("DELETE FROM dashboard_sessions WHERE token_sha256 = $1", {param(key)}));
    return {};
  }

  Result<void> delete_sessions_before(TimePoint idle_before, TimePoint created_before) override {
    RAPPORT_TRY_VOID(db_.exec("DELETE FROM dashboard_sessions WHERE last_used_at < $1 "
                              "OR created_at < $2",
                              {param(millis(idle_before)), param(millis(created_before))}));
    return {};
  }

  Result<std::size_t> session_count() override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT count(*) FROM dashboard_sessions"));
    return static_cast<std::size_t>(rows.int64(0, 0));
  }

  Result<void> add_login_failure(FailureKind kind, std::string_view key, TimePoint at) override {
    RAPPORT_TRY_VOID(db_.exec("INSERT INTO login_failures(kind, key, failed_at) "
                              "VALUES ($1, $2, $3)",
                              {param(kind_text(kind)), param(key), param(millis(at))}));
    return {};
  }

  Result<std::size_t> login_failures_since(FailureKind kind, std::string_view key,
                                           TimePoint since) override {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT count(*) FROM login_failures WHERE kind = $1 "
                         "AND key = $2 AND failed_at > $3",
                         {param(kind_text(kind)), param(key), param(millis(since))}));
    return static_cast<std::size_t>(rows.int64(0, 0));
  }

  Result<void> clear_login_failures(FailureKind kind, std::string_view key) override {
    RAPPORT_TRY_VOID(db_.exec("DELETE FROM login_failures WHERE kind = $1 AND key = $2",
                              {param(kind_text(kind)), param(key)}));
    return {};
  }

  Result<void> delete_login_failures_before(TimePoint before) override {
    RAPPORT_TRY_VOID(
        db_.exec("DELETE FROM login_failures WHERE failed_at < $1", {param(millis(before))}));
    return {};
  }

 private:
  Connection db_;
};

}  // namespace

Result<std::unique_ptr<SessionStore>> open_pg_session_store(const std::string& url) {
  RAPPORT_TRY(auto db, Connection::open(url));
  RAPPORT_TRY_VOID(pg::migrate(db));
  return std::unique_ptr<SessionStore>(std::make_unique<PgSessionStore>(std::move(db)));
}

}  // namespace rapport::server
