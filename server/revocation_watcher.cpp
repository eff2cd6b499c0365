// server/revocation_watcher.cpp
#include "server/revocation_watcher.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace rapport::server {

RevocationWatcher::RevocationWatcher(std::unique_ptr<EnrollmentStore> store,
                                     net::HttpsServer& server, std::chrono::milliseconds interval)
    : store_(std::move(store)), server_(server), interval_(interval), thread_([this] { run(); }) {}

RevocationWatcher::~RevocationWatcher() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RevocationWatcher::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    check();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

void RevocationWatcher::check() {
  auto read = store_->active_terminals();
  if (!read) {
    spdlog::warn("revocation check: cannot read the terminals: {}", read.error().message());
    return;
  }
  // The filter runs on every check, not only when the list changed: a terminal enrolled (or
  // issued) and revoked between two checks leaves the list as it was, yet its connection,
  // opened in between, must still be cut. Sessions that pass the filter cost a post each.
  const bool changed = !accepted_ || *accepted_ != *read;
  if (changed && accepted_) {
    for (const auto& [id, serial] : *accepted_) {
      const auto now = read->find(id);
      if (now == read->end()) {
        spdlog::info("terminal '{}' was revoked: closing its connections", id);
      } else if (now->second != serial) {
        spdlog::info(
            "terminal '{}' was issued a new certificate: closing connections that use "
            "the old one",
            id);
      }
    }
  }
  if (changed) accepted_ = std::make_shared<const Accepted>(std::move(*read));
  server_.close_connections([accepted = accepted_](const net::PeerCertificate& peer) {
    const auto found = accepted->find(peer.common_name);
    return found == accepted->end() || found->second != peer.serial_hex;
  });
}

}  // namespace rapport::server
