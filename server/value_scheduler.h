// server/value_scheduler.h
//
// Runs the value refresh (server/value_refresh.h) on its own thread and its own connection
// to the database (SQLite or PostgreSQL, by the `database` URL: server/storage/store_url.h),
// every `every` (docs/value-engine.md), so terminals' requests never wait on it: SQLite's WAL
// (or PostgreSQL's MVCC) lets them read while it works, and its one write transaction is
// short. After a full refresh it also prepares head office's reports (the report cache of
// either backend) and raises follow-ups.
// In between, every `changed_every`, it values the members syncs changed (a full refresh
// when more than `max_changed` changed: a large sync).
//
// With a lease (several instances on one database: server/lease_keeper.h), a refresh that
// falls due runs only while this instance holds it; the other instances skip it.
//
// Threading: start() and the destructor from the main thread; the refresh on the scheduler's.

#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "server/lease_keeper.h"
#include "server/value/value_model.h"

namespace rapport::server {

class ValueScheduler {
 public:
  // Does nothing when `every` is zero; no refresh between full ones when `changed_every` is.
  ValueScheduler(std::string database_url, value::ValueConfig config,
                 std::chrono::hours every, std::chrono::minutes changed_every = {},
                 std::size_t max_changed = 10'000, const LeaseKeeper* lease = nullptr);
  ~ValueScheduler();  // stops and joins; a refresh in progress finishes first
  ValueScheduler(const ValueScheduler&) = delete;
  ValueScheduler& operator=(const ValueScheduler&) = delete;

 private:
  void run();

  std::string database_url_;
  std::optional<std::filesystem::path> sqlite_file_;  // when the URL names a SQLite file
  value::ValueConfig config_;
  std::chrono::hours every_;
  std::chrono::minutes changed_every_;
  std::size_t max_changed_;
  const LeaseKeeper* lease_;  // null: always runs; else must outlive the scheduler
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace rapport::server
