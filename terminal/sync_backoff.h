// terminal/sync_backoff.h
//
// When the sync worker (sync_worker.h) tries the server next, and with what. While the server
// answers, a full attempt (deliver the outbox, pull changes) every interval. After a failed
// attempt the wait before the next full attempt doubles, with full jitter, up to a ceiling, so
// a store's terminals do not hammer a server that is down or reconnect in step. In between,
// a cheap probe (GET /sync/v1/health) every few seconds: once the server answers again a
// full attempt follows at once, and when it succeeds the backoff is forgotten, so the
// cashier's screen shows online within seconds of the server's return, not after the
// backoff's ceiling. A probe that fails does not grow the backoff, nor does a wake() (an
// action at the counter) during an outage: it probes first. A server that answers the probe
// but fails the attempt (up, but refusing or broken) is not probed again before the next
// attempt is due: it gets the plain backoff, not an attempt every few seconds.
//
// Pure: the worker passes the time and the random source. Thread-safety: one thread.

#pragma once

#include <chrono>
#include <random>

namespace rapport::terminal {

class SyncBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Step {
    kAttempt = 1,  // deliver the outbox and pull what is due
    kProbe,        // ask the server whether it answers, nothing else
  };
  struct Next {
    std::chrono::milliseconds wait{0};
    Step step = Step::kAttempt;
  };

  static constexpr std::chrono::milliseconds kCeiling{60'000};
  static constexpr std::chrono::milliseconds kProbeEvery{3'000};

  // Requires: interval > 0. The ceiling is at least the interval.
  explicit SyncBackoff(std::chrono::milliseconds interval);

  // A full attempt ended at `now`: reached the server (the backoff is reset) or not (it
  // doubles, and the next full attempt is drawn between the interval and it).
  void attempt_ended(bool reached, Clock::time_point now, std::mt19937_64& jitter);
  // A probe's answer. Answered: the caller makes a full attempt at once (its success resets
  // the backoff). Not answered: nothing changes.
  void probe_ended(bool answered);

  // What to do next and how long to wait before it, at `now`: every interval an attempt
  // while the server answers; during an outage a probe every kProbeEvery (jittered), or the
  // attempt when it is due first (or when probing is pointless, see above).
  [[nodiscard]] Next next(Clock::time_point now, std::mt19937_64& jitter) const;

  [[nodiscard]] bool backing_off() const { return backoff_.count() > 0; }
  // Whether probes are worth making now (backing off, and the last failed attempt did not
  // follow an answered probe).
  [[nodiscard]] bool probing() const { return backing_off() && probing_; }
  [[nodiscard]] std::chrono::milliseconds backoff() const { return backoff_; }

 private:
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point next_attempt_{};  // while backing off
  bool probing_ = true;
  bool probe_answered_ = false;  // since the last attempt
};

}  // namespace rapport::terminal
