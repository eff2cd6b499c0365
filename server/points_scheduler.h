// server/points_scheduler.h
//
// The points expiry job on a schedule (docs/rewards.md, "Expiry"): Store::expire_points(now)
// on its own thread and its own connection to the database, once when the server starts and
// then every `every` ([rewards] expire_every_hours in server.toml, default 24). Expiring is
// safe to repeat (each member's expiry is posted once per run's `now` and a zero balance has
// nothing left to expire), so a restart never doubles it.
//
// With a lease (several instances on one database: server/lease_keeper.h), it runs only while
// this instance holds it, checking every lease poll while it does not; on taking the lease
// over it runs at once, as at a start.
//
// Threading: the constructor and destructor from the main thread; the job on the scheduler's.

#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "server/lease_keeper.h"
#include "server/rewards/rewards_rules.h"
#include "shared/util/result.h"

namespace rapport::server {

// One run: opens the store at `database` (a storage URL, store_url.h: a SQLite file or
// postgresql://...), applies `rules` and expires as of `now`. Returns how many members'
// points expired.
[[nodiscard]] Result<std::size_t> run_points_expiry(const std::string& database,
                                                    std::shared_ptr<const rewards::RewardsRules> rules,
                                                    std::chrono::system_clock::time_point now);

class PointsScheduler {
 public:
  // Does nothing when `every` is zero or there are no rules (nothing ever expires then).
  // `lease`, when given, must outlive the scheduler.
  PointsScheduler(std::string database,
                  std::shared_ptr<const rewards::RewardsRules> rules,
                  std::chrono::milliseconds every, const LeaseKeeper* lease = nullptr);
  ~PointsScheduler();  // stops and joins; a run in progress finishes first
  PointsScheduler(const PointsScheduler&) = delete;
  PointsScheduler& operator=(const PointsScheduler&) = delete;

  // Runs finished so far (for tests). Any thread.
  [[nodiscard]] std::size_t runs() const;

 private:
  void run();

  std::string database_;  // a storage URL
  std::shared_ptr<const rewards::RewardsRules> rules_;
  std::chrono::milliseconds every_;
  const LeaseKeeper* lease_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::size_t runs_ = 0;   // guarded by mutex_
  std::thread thread_;
};

}  // namespace rapport::server
