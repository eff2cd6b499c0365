// shared/net/detail/session_registry.h
//
// Internal to rapport_net: the open connections of one HttpsServer, so it can count them at
// accept and reach each of them at stop(). Sessions add themselves when created and remove
// themselves in their destructor, wherever that runs (I/O thread, or the thread destroying
// the io_context after stop()).

#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace rapport::net::detail {

class ServerSession;

class SessionRegistry {
 public:
  void add(const std::shared_ptr<ServerSession>& session) {
    const std::lock_guard lock(mutex_);
    sessions_.emplace(session.get(), session);
  }

  void remove(const ServerSession* session) noexcept {
    const std::lock_guard lock(mutex_);
    sessions_.erase(session);
    if (sessions_.empty()) emptied_.notify_all();
  }

  [[nodiscard]] std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return sessions_.size();
  }

  // The sessions still alive. The caller's copies keep them alive; drop them outside any lock
  // a session destructor might take.
  [[nodiscard]] std::vector<std::shared_ptr<ServerSession>> live_sessions() const {
    std::vector<std::shared_ptr<ServerSession>> live;
    const std::lock_guard lock(mutex_);
    live.reserve(sessions_.size());
    for (const auto& [key, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
  }

  // Blocks the calling thread (never the I/O thread) until no session is left or `timeout`
  // passes; true when none is left.
  [[nodiscard]] bool wait_until_empty(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return emptied_.wait_for(lock, timeout, [this] { return sessions_.empty(); });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable emptied_;
  std::unordered_map<const ServerSession*, std::weak_ptr<ServerSession>> sessions_;
};

}  // namespace rapport::net::detail
