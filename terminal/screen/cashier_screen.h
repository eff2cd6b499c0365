// terminal/screen/cashier_screen.h
//
// The cashier's screen as rapport-terminal runs it (docs/cashier-screen.md): the HTTPS
// listener on terminal.toml's [screen] listen, with the terminal's own certificate (no client
// certificate asked), its own SQLite connection for PINs and the outbox count, and the board
// the counter loop publishes each scan to. show() also writes the audit line: which cashier
// was signed in when the visit was recorded. Sales, refunds, redemptions and gestures from
// the page run on the listener's connection (counter_actions.h), with a balance source of
// their own (the counter loop's is not shared across threads).
//
// Threading: construct, show() and destroy on the counter loop's thread; requests are served
// on the listener's own I/O thread.

#pragma once

#include <functional>
#include <memory>

#include "shared/net/https_server.h"
#include "shared/storage/database.h"
#include "terminal/counter.h"
#include "terminal/member_cache.h"
#include "terminal/redemption.h"
#include "terminal/screen/counter_actions.h"
#include "terminal/screen/member_panel.h"
#include "terminal/screen/screen_actions.h"
#include "terminal/screen/screen_board.h"
#include "terminal/screen/screen_handler.h"
#include "terminal/screen/staff_pins.h"
#include "terminal/terminal_config.h"

namespace rapport::terminal {

class CashierScreen {
 public:
  // Throws std::runtime_error (start-up) when the database, TLS files or address fail.
  // Requires: config.screen_host is set. `online` is called on the listener's thread, and so
  // is `wake` (when given) after each action the page recorded, so its events go to the
  // server now rather than at the next sync interval.
  // `counter_db` is the counter loop's connection (for the audit), outliving this object.
  CashierScreen(const TerminalConfig& config, storage::Database& counter_db,
                std::function<bool()> online, std::function<void()> wake = {});
  ~CashierScreen();

  // Pushes `result` (with the member's notes, from any terminal) to the signed-in pages and,
  // when it recorded an event, notes who was signed in (staff_actions) unless `audited` says
  // audit_in_scan() already did it inside the visit's transaction.
  void show(const ScanResult& result, std::chrono::system_clock::time_point now,
            bool audited = false);

  // The audit line of a scan's visit (the cashier signed in now), for the counter to write
  // inside the visit's transaction (Counter::scan's `also`): one fsync per scan instead of
  // two, and the visit and its line commit together. Call show(..., true) afterwards.
  // The function lives as long as this screen; counter loop's thread only.
  [[nodiscard]] AlsoInTransaction audit_in_scan();

  [[nodiscard]] std::uint16_t port() const { return server_->port(); }

 private:
  ScreenBoard board_;
  StaffPins audit_;                 // on the counter loop's connection
  MemberCache notes_;               // on the counter loop's connection: notes to show
  MemberPanel panel_;               // on the counter loop's connection
  storage::Database screen_db_;     // used on the listener's thread only
  StaffPins pins_;                  // on screen_db_
  ScreenActions actions_;           // on screen_db_
  std::unique_ptr<BalanceSource> balance_;  // the listener's; null: offline rules only
  CounterActions counter_;          // on screen_db_
  ScreenHandler handler_;
  std::unique_ptr<net::HttpsServer> server_;  // last: stops before the rest goes
};

}  // namespace rapport::terminal
