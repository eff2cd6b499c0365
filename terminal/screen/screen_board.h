// terminal/screen/screen_board.h
//
// What the cashier's screen shows, handed from the counter loop to the screen's HTTP thread:
// the latest scan as the page's JSON, numbered so each page connection sees every new one
// once (the Server-Sent Events id), and the cashier signed in at this terminal, whom the
// counter loop writes into the audit with each visit. The pages' held-open event streams
// subscribe here: publish() pushes each scan to every one of them at once (the greeting does
// not wait for anything on the HTTP thread).
//
// Thread-safety: every member may be called from any thread (one mutex).

#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/net/https.h"
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
  // The counter loop: a new scan, pushed at once to every subscribed stream.
  void publish(std::string scan_json, ScanTarget target = {});
  // A page's held-open event stream. The latest scan is pushed to it first when newer than
  // `seen` (the page's Last-Event-ID; nullopt: a new page, which starts from now), together
  // with adding it, so the page misses no scan and gets none twice. Streams that closed are
  // dropped at the next publish() or subscribe() (the listener bounds how many are open:
  // CashierScreen's max_streams).
  void subscribe(std::shared_ptr<net::ResponseStream> stream, std::optional<std::uint64_t> seen);
  // Asks every stream for a status event soon: the member on screen changed (a sale...).
  void refresh_streams();
  // The Server-Sent Event of a scan: its number first, so the page's event carries it.
  [[nodiscard]] static std::string scan_event(std::uint64_t seq, std::string_view json);
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
  std::vector<std::shared_ptr<net::ResponseStream>> streams_;  // guarded by mutex_
};

}  // namespace rapport::terminal
