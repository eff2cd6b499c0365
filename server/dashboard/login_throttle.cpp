// server/dashboard/login_throttle.cpp
#include "server/dashboard/login_throttle.h"

namespace rapport::server {
namespace {
constexpr std::size_t kSweepAbove = 10'000;
}  // namespace

void LoginThrottle::prune(Failures& failures, TimePoint now) const {
  while (!failures.empty() && now - failures.front() >= limits_.window) failures.pop_front();
}

bool LoginThrottle::blocked(std::string_view user, std::string_view address, TimePoint now) {
  bool refuse = false;
  if (const auto u = by_user_.find(std::string(user)); u != by_user_.end()) {
    prune(u->second, now);
    refuse = u->second.size() >= limits_.per_user;
    if (u->second.empty()) by_user_.erase(u);
  }
  if (const auto a = by_address_.find(std::string(address)); a != by_address_.end()) {
    prune(a->second, now);
    refuse = refuse || a->second.size() >= limits_.per_address;
    if (a->second.empty()) by_address_.erase(a);
  }
  return refuse;
}

void LoginThrottle::record_failure(std::string_view user, std::string_view address,
                                   TimePoint now) {
  // Names that are tried once and never again would otherwise stay forever.
  if (by_user_.size() + by_address_.size() > kSweepAbove) {
    for (auto* table : {&by_user_, &by_address_}) {
      for (auto& [key, failures] : *table) prune(failures, now);
      std::erase_if(*table, [](const auto& entry) { return entry.second.empty(); });
    }
  }
  by_user_[std::string(user)].push_back(now);
  by_address_[std::string(address)].push_back(now);
}

void LoginThrottle::record_success(std::string_view user) { by_user_.erase(std::string(user)); }

std::string_view address_without_port(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    const auto close = remote.find(']');
    return close == std::string_view::npos ? remote : remote.substr(1, close - 1);
  }
  const auto colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}

}  // namespace rapport::server
