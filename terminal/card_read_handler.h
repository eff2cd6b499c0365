// terminal/card_read_handler.h
//
// One card read from the readers, handled as the counter loop handles it: a tapped chip is
// verified from its memory (Counter::scan_chip), anything else is scanned (Counter::scan);
// then, once the outcome is known, the reader that read it is told how it went through the
// drivers' ReaderControl (drivers/reader_control.h: green and one beep for a card that may be
// used, red and two short beeps for a blocked, forged or unreadable one), and the outcome is
// shown (the cashier's screen). Readers without a LED or buzzer the driver can drive (HID
// keyboard-wedge and barcode readers) refuse the signal: the screen is then the only signal
// (docs/card-readers.md, "Feedback at the reader").
//
// Threading: the counter loop's thread (the Counter's). The ReaderControl may be called from
// any thread and only queues the signal.

#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "drivers/card_reader.h"
#include "drivers/reader_control.h"
#include "terminal/counter.h"

namespace rapport::terminal {

// The reader's signal for a scan's outcome: kGoodRead for a member or an unknown (valid) card,
// kRejected for everything that was refused or not recorded.
[[nodiscard]] drivers::ReaderSignal reader_signal_for(ScanOutcome outcome) noexcept;

class CardReadHandler {
 public:
  // Called with each outcome after the reader was signalled (the screen's show()).
  using Show = std::function<void(const ScanResult&, std::chrono::system_clock::time_point)>;

  // Requires: counter and control (when not null) outlive the handler. Without a control no
  // reader is signalled. `also` runs inside each visit's transaction (the screen's audit
  // line: CashierScreen::audit_in_scan), so a scan costs one fsync.
  CardReadHandler(Counter& counter, drivers::ReaderControl* control, Show show = {},
                  AlsoInTransaction also = {})
      : counter_(counter), control_(control), show_(std::move(show)), also_(std::move(also)) {}

  // Scans `read` (recording the visit as the counter does), signals its reader, shows it.
  ScanResult handle(const drivers::CardRead& read, std::chrono::system_clock::time_point now);

 private:
  Counter& counter_;
  drivers::ReaderControl* control_;
  Show show_;
  AlsoInTransaction also_;
};

}  // namespace rapport::terminal
