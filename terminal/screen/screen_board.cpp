// terminal/screen/screen_board.cpp
#include "terminal/screen/screen_board.h"

namespace rapport::terminal {

void ScreenBoard::publish(std::string scan_json, ScanTarget target) {
  const std::lock_guard lock(mutex_);
  latest_.seq += 1;
  latest_.json = std::move(scan_json);
  latest_.target = std::move(target);
}

BoardScan ScreenBoard::latest() const {
  const std::lock_guard lock(mutex_);
  return latest_;
}

void ScreenBoard::mark_enrolled(std::uint64_t seq) {
  const std::lock_guard lock(mutex_);
  if (latest_.seq == seq) latest_.target.unknown = false;
}

void ScreenBoard::set_cashier(std::optional<StaffMember> cashier) {
  const std::lock_guard lock(mutex_);
  cashier_ = std::move(cashier);
}

std::optional<StaffMember> ScreenBoard::cashier() const {
  const std::lock_guard lock(mutex_);
  return cashier_;
}

}  // namespace rapport::terminal
