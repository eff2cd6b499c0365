// terminal/card_read_handler.cpp
#include "terminal/card_read_handler.h"

#include <spdlog/spdlog.h>

namespace rapport::terminal {

drivers::ReaderSignal reader_signal_for(ScanOutcome outcome) noexcept {
  switch (outcome) {
    case ScanOutcome::kMember:
    case ScanOutcome::kUnknownCard:
      return drivers::ReaderSignal::kGoodRead;
    case ScanOutcome::kBlockedCard:
    case ScanOutcome::kBadRead:
    case ScanOutcome::kNotRecorded:
    case ScanOutcome::kRefusedToken:
      break;
  }
  return drivers::ReaderSignal::kRejected;
}

ScanResult CardReadHandler::handle(const drivers::CardRead& read,
                                   std::chrono::system_clock::time_point now) {
  // A tapped card is its signed member token: its UID alone is only a claim.
  const auto result = read.kind == drivers::CardKind::kContactless
                          ? counter_.scan_chip(read.payload, read.card_memory, now, also_)
                          : counter_.scan(read.payload, now, also_);
  if (control_ != nullptr) {
    const auto signal = reader_signal_for(result.outcome);
    // Only queued: the reader blinks while the screen is updated. Readers with no way to
    // signal (console, HID) refuse it; that is expected, not a fault.
    if (auto sent = control_->signal(read.reader, signal); !sent) {
      spdlog::debug("reader {}: no {} signal ({})", read.reader, drivers::to_string(signal),
                    sent.error().message());
    }
  }
  if (show_) show_(result, now);
  return result;
}

}  // namespace rapport::terminal
