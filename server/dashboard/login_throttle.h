// server/dashboard/login_throttle.h
//
// Login rate limiting: failed logins are counted per user name and per client address over a
// sliding window; past the limit every attempt (even with the right password) is refused
// until the window has passed, so guessing is slow whichever way it is spread.
//
// Thread-safety: one thread (the dashboard listener's). Time is passed in.

#pragma once

#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rapport::server {

struct ThrottleLimits {
  std::size_t per_user = 5;        // failures per user name in the window
  std::size_t per_address = 20;    // failures per client address in the window
  std::chrono::seconds window{15 * 60};
};

class LoginThrottle {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  explicit LoginThrottle(ThrottleLimits limits) : limits_(limits) {}

  // True when an attempt for `user` from `address` must be refused without checking it.
  [[nodiscard]] bool blocked(std::string_view user, std::string_view address, TimePoint now);
  void record_failure(std::string_view user, std::string_view address, TimePoint now);
  // A successful login clears the user's failures (not the address's).
  void record_success(std::string_view user);

 private:
  using Failures = std::deque<TimePoint>;
  void prune(Failures& failures, TimePoint now) const;

  ThrottleLimits limits_;
  std::unordered_map<std::string, Failures> by_user_;
  std::unordered_map<std::string, Failures> by_address_;
};

// The address part of "host:port" or "[v6]:port" (HttpRequest::remote_address).
[[nodiscard]] std::string_view address_without_port(std::string_view remote);

}  // namespace rapport::server
