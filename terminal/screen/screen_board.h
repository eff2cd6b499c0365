// terminal/screen/screen_board.h
//
// What the cashier's screen shows, handed from the counter loop to the screen's HTTP thread:
// the latest scan as the page's JSON, numbered so each page connection sees every new one
// once (the Server-Sent Events id), and the cashier signed in at this terminal, whom the
// counter loop writes into the audit with each visit.
//
// Thread-safety: every member may be called from any thread (one mutex).

#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "terminal/screen/staff_pins.h"

namespace rapport::terminal {

struct BoardScan {
  std::uint64_t seq = 0;  // 0: no scan yet
  std::string json;       // scan_json() of it
};

class ScreenBoard {
 public:
  // The counter loop: a new scan to push to the pages.
  void publish(std::string scan_json);
  [[nodiscard]] BoardScan latest() const;

  // The cashier who signed in last (nullopt after they sign out).
  void set_cashier(std::optional<StaffMember> cashier);
  [[nodiscard]] std::optional<StaffMember> cashier() const;

 private:
  mutable std::mutex mutex_;
  BoardScan latest_;                     // guarded by mutex_
  std::optional<StaffMember> cashier_;  // guarded by mutex_
};

}  // namespace rapport::terminal
