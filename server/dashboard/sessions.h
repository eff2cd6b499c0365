// server/dashboard/sessions.h
//
// The dashboard's login sessions: a random token in an HttpOnly cookie, found by its SHA-256
// (the token itself is never kept), with a CSRF token of its own, an idle timeout and an
// absolute lifetime. They are kept in the database (server/storage/session_store.h), so any
// server instance answers a session another opened, and a restart logs no one out.
//
// Thread-safety: one thread (the dashboard listener's I/O thread), as its SessionStore. Time
// is passed in.

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/util/result.h"

namespace rapport::server {

class SessionStore;  // server/storage/session_store.h

using TimePoint = std::chrono::system_clock::time_point;

struct SessionLimits {
  std::chrono::seconds idle{30 * 60};        // unused this long: logged out
  std::chrono::seconds lifetime{12 * 3600};  // logged in this long: logged out
};

struct Session {
  std::int64_t user_id = 0;
  std::string csrf_token;  // 64 hex digits; sent by the page with each state change
  TimePoint created;
  TimePoint last_used;
  // The user's stored password hash at login: once it differs (the password was changed,
  // `rapportctl user password`), the session ends at its next request.
  std::string credential;
};

struct NewSession {
  std::string cookie_token;  // 64 hex digits, for the Set-Cookie header only
  std::string csrf_token;
};

class SessionTable {
 public:
  // `store` must outlive the table.
  SessionTable(SessionLimits limits, SessionStore& store) : limits_(limits), store_(store) {}

  // Fails when the session cannot be stored (the database is away).
  [[nodiscard]] Result<NewSession> open(std::int64_t user_id, TimePoint now,
                                        std::string credential = {});
  // The live session of `cookie_token`, its last use moved to `now` (stored when a minute or
  // more after the stored one); nullopt (and the session dropped) once idle or lifetime has
  // passed, and nullopt (logged) when the database fails.
  [[nodiscard]] std::optional<Session> touch(std::string_view cookie_token, TimePoint now);
  void close(std::string_view cookie_token);
  // Drops every expired session (called at each login so the table does not grow).
  void sweep(TimePoint now);
  // Sessions stored, expired or not (0 when the database fails).
  [[nodiscard]] std::size_t size();
  [[nodiscard]] const SessionLimits& limits() const { return limits_; }

 private:
  [[nodiscard]] bool expired(const Session& session, TimePoint now) const;

  SessionLimits limits_;
  SessionStore& store_;
};

// True when `a` and `b` are equal, in time that does not depend on where they differ.
[[nodiscard]] bool tokens_equal(std::string_view a, std::string_view b);

}  // namespace rapport::server
