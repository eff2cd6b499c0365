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

// The card of a scan, for what the cashier does next on the page (enroll it, note something
// about its holder). Kept here, never sent to the page: the page names the scan by its seq.
struct ScanTarget {
  bool unknown = false;                  // a valid card nobody holds here: may be enrolled
  std::optional<std::int64_t> member_id;  // a greeted member
  std::string card_token;                // empty: no valid card (nothing to act on)
  std::string last4;
};

struct BoardScan {
  std::uint64_t seq = 0;  // 0: no scan yet
  std::string json;       // scan_json() of it
  ScanTarget target;
};

class ScreenBoard {
 public:
  // The counter loop: a new scan to push to the pages.
  void publish(std::string scan_json, ScanTarget target = {});
  [[nodiscard]] BoardScan latest() const;
  // The unknown card of scan `seq` was enrolled: it cannot be enrolled again from that scan.
  void mark_enrolled(std::uint64_t seq);

  // The cashier who signed in last (nullopt after they sign out).
  void set_cashier(std::optional<StaffMember> cashier);
  [[nodiscard]] std::optional<StaffMember> cashier() const;

 private:
  mutable std::mutex mutex_;
  BoardScan latest_;                     // guarded by mutex_
  std::optional<StaffMember> cashier_;  // guarded by mutex_
};

}  // namespace rapport::terminal
