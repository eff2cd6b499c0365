// terminal/sync_backoff.cpp
#include "terminal/sync_backoff.h"

#include <algorithm>
#include <cstdint>

namespace rapport::terminal {
namespace {

std::chrono::milliseconds between(std::chrono::milliseconds low, std::chrono::milliseconds high,
                                  std::mt19937_64& jitter) {
  std::uniform_int_distribution<std::int64_t> spread(low.count(), std::max(low, high).count());
  return std::chrono::milliseconds(spread(jitter));
}

}  // namespace

SyncBackoff::SyncBackoff(std::chrono::milliseconds interval) : interval_(interval) {}

void SyncBackoff::attempt_ended(bool reached, Clock::time_point now, std::mt19937_64& jitter) {
  const bool after_answered_probe = probe_answered_;
  probe_answered_ = false;
  if (reached) {
    backoff_ = std::chrono::milliseconds(0);
    probing_ = true;
    return;
  }
  probing_ = !after_answered_probe;
  const auto ceiling = std::max(kCeiling, interval_);
  backoff_ = std::min(ceiling, std::max(interval_, backoff_ * 2));
  next_attempt_ = now + between(interval_, backoff_, jitter);
}

void SyncBackoff::probe_ended(bool answered) {
  if (answered) probe_answered_ = true;
}

SyncBackoff::Next SyncBackoff::next(Clock::time_point now, std::mt19937_64& jitter) const {
  if (!backing_off()) return {interval_, Step::kAttempt};
  const auto until_attempt = std::max(
      std::chrono::milliseconds(0),
      std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now));
  const auto until_probe = between(interval_, std::max(interval_, kProbeEvery), jitter);
  if (!probing_ || until_attempt <= until_probe) return {until_attempt, Step::kAttempt};
  return {until_probe, Step::kProbe};
}

}  // namespace rapport::terminal
