// server/lease_keeper.cpp
#include "server/lease_keeper.h"

#include <spdlog/spdlog.h>

#include "shared/crypto/random.h"
#include "shared/util/clock.h"
#include "shared/util/hex.h"

namespace rapport::server {

std::string new_instance_id() { return to_hex(crypto::random_bytes(8)); }

LeaseKeeper::LeaseKeeper(std::unique_ptr<LeaseStore> store, std::string name, LeaseOptions options)
    : store_(std::move(store)), name_(std::move(name)), options_(std::move(options)) {
  attempt();
  thread_ = std::thread([this] { run(); });
}

LeaseKeeper::~LeaseKeeper() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (held_.load()) {
    if (auto r = store_->release(name_, options_.instance_id); !r) {
      spdlog::warn("lease {}: cannot release it ({}); it expires within {} ms", name_,
                   r.error().message(), options_.length.count());
    } else {
      spdlog::info("lease {}: released by instance {}", name_, options_.instance_id);
    }
  }
}

void LeaseKeeper::attempt() {
  const auto now = std::chrono::system_clock::now();
  const auto taken = store_->acquire(name_, options_.instance_id, now, options_.length);
  const bool had = held_.load();
  if (!taken) {
    held_.store(false);
    spdlog::error("lease {}: cannot take or renew it: {}; this instance does not run the job "
                  "until it can",
                  name_, taken.error().message());
    return;
  }
  held_.store(*taken);
  if (*taken && !had) {
    spdlog::info("lease {}: taken by instance {} (renewed every {} ms)", name_,
                 options_.instance_id, poll().count());
    standing_by_ = false;
  } else if (!*taken && had) {
    spdlog::warn("lease {}: lost by instance {}; another instance runs the job", name_,
                 options_.instance_id);
  }
  if (!*taken && !standing_by_) {
    standing_by_ = true;  // said once, not at every attempt
    const auto holder = store_->holder_of(name_);
    spdlog::info("lease {}: held by instance {}; instance {} stands by", name_,
                 holder && *holder ? (*holder)->holder : std::string("?"), options_.instance_id);
  }
}

void LeaseKeeper::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, poll(), [this] { return stopping_; })) return;
    }
    attempt();
  }
}

}  // namespace rapport::server
