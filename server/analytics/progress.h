// server/analytics/progress.h
//
// Progress of a long computation (a million customers), reported to a callback so that the
// library does no I/O: the command line decides whether and how to print it.

#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace rapport::analytics {

// Where a computation is. `stage` names the step ("fitting BG/NBD", "scoring customers");
// `total` is 0 when the amount of work is not known in advance (a fit), and then `done` is 0.
struct Progress {
  std::string_view stage;
  std::size_t done = 0;
  std::size_t total = 0;
};

// Called on the computing thread, synchronously; may be empty (no reporting). The stage text
// is valid only during the call.
using ProgressCallback = std::function<void(const Progress&)>;

// Reports a loop over `total` items: once at the start (done = 0), about every 1 % of the
// items, and once at the end (finish(): done = total). Requires: tick() at most `total` times;
// `stage` outlives the ticker (it is kept as a view).
class ProgressTicker {
 public:
  ProgressTicker(const ProgressCallback& callback, std::string_view stage, std::size_t total);
  ProgressTicker(const ProgressTicker&) = delete;
  ProgressTicker& operator=(const ProgressTicker&) = delete;

  // One more item done (cheap: a compare unless a report is due).
  void tick() {
    if (++done_ >= next_) report();
  }
  // Reports done = total, once.
  void finish();

 private:
  void report();

  ProgressCallback callback_;
  std::string_view stage_;
  std::size_t total_;
  std::size_t step_;
  std::size_t done_ = 0;
  std::size_t next_;
  bool finished_ = false;
};

// Reports a stage of unknown length (total 0), such as one model's fit.
void report_stage(const ProgressCallback& callback, std::string_view stage);

}  // namespace rapport::analytics
