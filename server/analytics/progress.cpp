// server/analytics/progress.cpp
#include "server/analytics/progress.h"

#include <algorithm>

namespace rapport::analytics {

ProgressTicker::ProgressTicker(const ProgressCallback& callback, std::string_view stage,
                               std::size_t total)
    : callback_(callback),
      stage_(stage),
      total_(total),
      step_(std::max<std::size_t>(1, total / 100)),
      next_(callback ? step_ : static_cast<std::size_t>(-1)) {
  if (callback_) callback_(Progress{stage_, 0, total_});
}

void ProgressTicker::finish() {
  if (finished_) return;
  finished_ = true;
  if (callback_) callback_(Progress{stage_, total_, total_});
}

void ProgressTicker::report() {
  next_ = done_ + step_;
  if (done_ < total_) callback_(Progress{stage_, done_, total_});
}

void report_stage(const ProgressCallback& callback, std::string_view stage) {
  if (callback) callback(Progress{stage, 0, 0});
}

}  // namespace rapport::analytics
