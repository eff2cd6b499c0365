// server/storage/session_store.h
//
// Where the dashboard keeps its login sessions and failed logins: in the database, so any
// server instance answers any staff browser and a restart logs no one out (docs/dashboard.md,
// "Access"; schema: docs/schema.md, SQLite migration 21, PostgreSQL migration 2). Sessions are keyed by the hex SHA-256 of
// their cookie token; the token itself is never stored. The rules (idle time, lifetime,
// throttle limits) live in server/dashboard/sessions.h and login_throttle.h; this only stores.
//
// Thread-safety: one thread at a time per SessionStore. Writes are durable on return.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/dashboard/sessions.h"
#include "shared/util/result.h"

namespace rapport::storage {
class Database;
}

namespace rapport::server {

// What a failed login is counted against.
enum class FailureKind { kUser, kAddress };

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  [[nodiscard]] virtual Result<void> put_session(std::string_view key,
                                                 const Session& session) = 0;
  [[nodiscard]] virtual Result<std::optional<Session>> find_session(std::string_view key) = 0;
  [[nodiscard]] virtual Result<void> touch_session(std::string_view key,
                                                   std::chrono::system_clock::time_point at) = 0;
  [[nodiscard]] virtual Result<void> delete_session(std::string_view key) = 0;
  // Deletes sessions last used before `idle_before` or created before `created_before`.
  [[nodiscard]] virtual Result<void> delete_sessions_before(
      std::chrono::system_clock::time_point idle_before,
      std::chrono::system_clock::time_point created_before) = 0;
  [[nodiscard]] virtual Result<std::size_t> session_count() = 0;

  [[nodiscard]] virtual Result<void> add_login_failure(FailureKind kind, std::string_view key,
                                                       std::chrono::system_clock::time_point at) = 0;
  // Failures of `key` after `since` (one exactly at `since` is outside the window).
  [[nodiscard]] virtual Result<std::size_t> login_failures_since(
      FailureKind kind, std::string_view key, std::chrono::system_clock::time_point since) = 0;
  [[nodiscard]] virtual Result<void> clear_login_failures(FailureKind kind,
                                                          std::string_view key) = 0;
  // Drops every failure before `before` (outside any window), so the table stays small.
  [[nodiscard]] virtual Result<void> delete_login_failures_before(
      std::chrono::system_clock::time_point before) = 0;
};

// SQLite: on its own connection to `file` (created and migrated as needed) ...
[[nodiscard]] Result<std::unique_ptr<SessionStore>> open_sqlite_session_store(
    const std::filesystem::path& file);
// ... or on `db`, which must outlive it (the StaffStore's own connection).
[[nodiscard]] std::unique_ptr<SessionStore> sqlite_session_store_on(storage::Database& db);
// PostgreSQL (pg_sessions.cpp): on its own connection to the libpq URI `url` (migrated as
// needed). open_session_store() in store_url.h picks one by the database URL.
[[nodiscard]] Result<std::unique_ptr<SessionStore>> open_pg_session_store(const std::string& url);

}  // namespace rapport::server
