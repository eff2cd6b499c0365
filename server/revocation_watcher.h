// server/revocation_watcher.h
//
// Cuts the open connections of revoked terminals. `rapportctl terminal revoke` only writes
// revoked_at (another process); every sync request already checks it, but a kept-alive
// connection would stay open. This watcher reads the accepted (terminal, certificate serial)
// pairs every `interval` on its own thread and SQLite connection and, whenever they change,
// asks the sync listener to close every connection whose certificate is no longer among
// them (revoked, re-issued, or never registered).

#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "server/storage/enrollment_store.h"
#include "shared/net/https_server.h"

namespace rapport::server {

class RevocationWatcher {
 public:
  // Starts the thread. Requires: `server` outlives this watcher (destroy the watcher first).
  RevocationWatcher(std::unique_ptr<EnrollmentStore> store, net::HttpsServer& server,
                    std::chrono::milliseconds interval);
  ~RevocationWatcher();  // stops and joins the thread

  RevocationWatcher(const RevocationWatcher&) = delete;
  RevocationWatcher& operator=(const RevocationWatcher&) = delete;

 private:
  using Accepted = std::unordered_map<std::string, std::string>;  // terminal id -> serial

  void run();
  void check();

  std::unique_ptr<EnrollmentStore> store_;  // used on the watcher thread only
  net::HttpsServer& server_;
  const std::chrono::milliseconds interval_;
  std::shared_ptr<const Accepted> accepted_;  // watcher thread only; null before the first read
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;   // guarded by mutex_
  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace rapport::server
