// server/dashboard/login_throttle.cpp
#include "server/dashboard/login_throttle.h"

#include <spdlog/spdlog.h>

#include "server/storage/session_store.h"

namespace rapport::server {

bool LoginThrottle::blocked(std::string_view user, std::string_view address, TimePoint now) {
  const auto since = now - limits_.window;
  const auto by_user = store_.login_failures_since(FailureKind::kUser, user, since);
  const auto by_address = store_.login_failures_since(FailureKind::kAddress, address, since);
  if (!by_user || !by_address) {
    spdlog::error("dashboard: cannot read failed logins ({}); refusing the login",
                  (!by_user ? by_user.error() : by_address.error()).message());
    return true;
  }
  return *by_user >= limits_.per_user || *by_address >= limits_.per_address;
}

void LoginThrottle::record_failure(std::string_view user, std::string_view address,
                                   TimePoint now) {
  const auto failed = [](const Result<void>& r) {
    if (!r) spdlog::error("dashboard: cannot record a failed login: {}", r.error().message());
    return !r;
  };
  // Failures outside every window count for nothing: drop them so the table stays small.
  if (failed(store_.delete_login_failures_before(now - limits_.window))) return;
  if (failed(store_.add_login_failure(FailureKind::kUser, user, now))) return;
  (void)failed(store_.add_login_failure(FailureKind::kAddress, address, now));
}

void LoginThrottle::record_success(std::string_view user) {
  if (auto r = store_.clear_login_failures(FailureKind::kUser, user); !r) {
    spdlog::error("dashboard: cannot clear failed logins: {}", r.error().message());
  }
}

std::string_view address_without_port(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    const auto close = remote.find(']');
    return close == std::string_view::npos ? remote : remote.substr(1, close - 1);
  }
  const auto colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}

}  // namespace rapport::server
