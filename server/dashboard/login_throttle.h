// server/dashboard/login_throttle.h
//
// Login rate limiting: failed logins are counted per user name and per client address over a
// sliding window; past the limit every attempt (even with the right password) is refused
// until the window has passed, so guessing is slow whichever way it is spread. Failures are
// counted in the database (server/storage/session_store.h), so the limits hold across every
// server instance, whichever one each attempt reaches.
//
// Thread-safety: one thread (the dashboard listener's), as its SessionStore. Time is passed in.

#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace rapport::server {

class SessionStore;  // server/storage/session_store.h

struct ThrottleLimits {
  std::size_t per_user = 5;        // failures per user name in the window
  std::size_t per_address = 20;    // failures per client address in the window
  std::chrono::seconds window{15 * 60};
};

class LoginThrottle {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // `store` must outlive the throttle.
  LoginThrottle(ThrottleLimits limits, SessionStore& store) : limits_(limits), store_(store) {}

  // True when an attempt for `user` from `address` must be refused without checking it; also
  // true (logged) when the failures cannot be read: no guessing while the count is unknown.
  [[nodiscard]] bool blocked(std::string_view user, std::string_view address, TimePoint now);
  void record_failure(std::string_view user, std::string_view address, TimePoint now);
  // A successful login clears the user's failures (not the address's).
  void record_success(std::string_view user);

 private:
  ThrottleLimits limits_;
  SessionStore& store_;
};

// The address part of "host:port" or "[v6]:port" (HttpRequest::remote_address).
[[nodiscard]] std::string_view address_without_port(std::string_view remote);

}  // namespace rapport::server
