// server/lease_keeper.h
//
// Keeps one named lease (server/storage/lease_store.h) for this server instance: tries to
// take it at construction, then every length/3 on its own thread renews it (or, while another
// instance has it, tries again), so a holder that dies loses it within one length and another
// instance takes over. Schedulers ask held() before each run (value refresh, points expiry).
// Taking and losing the lease are logged with the instance id.
//
// A holder whose renewals fail (its database connection broke) stops saying held() at once,
// though its row lives until it expires; jobs guarded this way are safe to run twice
// (idempotent), so the short overlap that clock trouble could cause does no harm.
//
// Threading: construction and destruction on one thread; held() from any thread.

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "server/storage/lease_store.h"

namespace rapport::server {

struct LeaseOptions {
  std::string instance_id;                 // this process's, random at start (main.cpp)
  std::chrono::milliseconds length{30'000};  // [leases] length_ms in server.toml
};

// 16 random hex digits: an id for this server process, for leases and logs.
[[nodiscard]] std::string new_instance_id();

class LeaseKeeper {
 public:
  // `store` is the keeper's own connection, used on its thread only.
  LeaseKeeper(std::unique_ptr<LeaseStore> store, std::string name, LeaseOptions options);
  ~LeaseKeeper();  // stops renewing and releases the lease, so another instance takes it now
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Whether this instance held the lease at the last attempt (at most length/3 ago).
  [[nodiscard]] bool held() const { return held_.load(); }
  // How often a scheduler waiting for the lease should look again.
  [[nodiscard]] std::chrono::milliseconds poll() const { return options_.length / 3; }

 private:
  void attempt();  // takes or renews once; logs changes
  void run();

  std::unique_ptr<LeaseStore> store_;
  std::string name_;
  LeaseOptions options_;
  std::atomic<bool> held_{false};
  bool standing_by_ = false;  // "stands by" was logged since the lease was last held
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace rapport::server
