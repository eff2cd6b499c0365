// server/points_scheduler.cpp
#include "server/points_scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/storage/store.h"
#include "server/storage/store_url.h"

namespace rapport::server {

Result<std::size_t> run_points_expiry(const std::string& database,
                                      std::shared_ptr<const rewards::RewardsRules> rules,
                                      std::chrono::system_clock::time_point now) {
  RAPPORT_TRY(auto store, open_store(database));
  store->set_rewards_rules(std::move(rules));
  return store->expire_points(now);
}

PointsScheduler::PointsScheduler(std::string database,
                                 std::shared_ptr<const rewards::RewardsRules> rules,
                                 std::chrono::milliseconds every, const LeaseKeeper* lease)
    : database_(std::move(database)), rules_(std::move(rules)), every_(every), lease_(lease) {
  if (every_.count() > 0 && rules_) thread_ = std::thread([this] { run(); });
}

PointsScheduler::~PointsScheduler() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t PointsScheduler::runs() const {
  const std::lock_guard lock(mutex_);
  return runs_;
}

void PointsScheduler::run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_run = Clock::now();
  bool held_before = false;
  for (;;) {
    const bool held = lease_ == nullptr || lease_->held();
    // Taking the lease over counts as a start: run now, whenever the last holder last ran.
    if (held && !held_before) next_run = Clock::now();
    held_before = held;
    if (held && Clock::now() >= next_run) {
      next_run = Clock::now() + every_;
      const auto expired =
          run_points_expiry(database_, rules_, std::chrono::system_clock::now());
      if (!expired) {
        spdlog::error("points expiry failed: {}; it runs again in {} s",
                      expired.error().message(),
                      std::chrono::duration_cast<std::chrono::seconds>(every_).count());
      } else {
        spdlog::info("points expiry: {} members' points expired", *expired);
      }
      const std::lock_guard lock(mutex_);
      ++runs_;
    }
    const auto until_next = lease_ == nullptr
                          ? next_run - Clock::now()
                          : std::min<Clock::duration>(next_run - Clock::now(), lease_->poll());
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, until_next, [this] { return stopping_; })) return;
  }
}

}  // namespace rapport::server
