// drivers/card_reader.h
//
// The contract every card reader implements: hand the terminal one card read at a time (the
// number a stripe or barcode carried, a QR payload, a contactless card's UID and memory, or a
// line typed at a keyboard) or a typed error. Readers check what the medium lets them check (track
// sentinels and LRC, report formats); validating the number itself is not their job: shared/card
// does that for every reader alike.
//
// Errors come in two kinds. kEndOfInput, kStopped, kIo and kNoUsb end the source. Every other error
// (a bad swipe, a reader pulled out mid-read, an over-long read) is about one read: the
// terminal tells the cashier and keeps reading. is_read_failure() says which is which.
//
// Threading: next_read() is called from one thread (the terminal's counter loop);
// request_stop() may be called from any thread and from a signal handler.

#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "shared/util/result.h"

namespace rapport::drivers {

enum class ReaderErrc {
  kEndOfInput = 1,  // the reader is gone for good (stdin closed, device unplugged)
  kStopped,         // request_stop() was called: shut down
  kReadTooLong,     // a read longer than any card carries; the excess was discarded
  kIo,              // the operating system failed the read
  kBadRead,         // the card could not be read cleanly (garbage, roll-over): try again
  kUnplugged,       // the reader was pulled out in the middle of a read
  kNoUsb,           // USB is not available here (no usbfs, no permission)
};

[[nodiscard]] const boost::system::error_category& reader_category() noexcept;

inline ErrorCode make_error_code(ReaderErrc e) noexcept {
  return {static_cast<int>(e), reader_category()};
}

// What kind of card the read came from, as far as the reader can tell.
enum class CardKind {
  kTyped,        // a line at a keyboard or console (the demo, a keyboard-wedge scanner)
  kMagstripe,    // a swiped magnetic stripe: payload is the number from its track
  kBarcode,      // a scanned 1D or 2D code: payload is the decoded data, unchanged
  kContactless,  // a tapped NFC card (CCID reader): payload is its UID in lower-case hex, a
                 // claim and not a proof; card_memory holds its user memory
};

[[nodiscard]] const char* to_string(CardKind kind) noexcept;

struct CardRead {
  std::string reader;  // which reader, for logs ("stdin", "usb:1-2 Honeywell 0c2e:0b6a")
  CardKind kind = CardKind::kTyped;
  std::string payload;    // the card number or code payload, terminator and sentinels removed
  std::string symbology;  // AIM identifier ("]E0", "]Q1") when the scanner sent one
  std::chrono::system_clock::time_point read_at;
  // kContactless: the card's whole user memory (NTAG213 pages 4-39, 144 bytes), read in one
  // session with the UID, so a token stored there can be verified against this UID.
  std::vector<std::uint8_t> card_memory;
};

// True for an error about one read (the source goes on); false for one that ends the source.
[[nodiscard]] bool is_read_failure(const ErrorCode& error) noexcept;

class ReaderControl;  // drivers/reader_control.h

class CardReader {
 public:
  virtual ~CardReader() = default;

  // Blocks until a card is read, the reader ends, or request_stop() is called.
  [[nodiscard]] virtual Result<CardRead> next_read() = 0;

  // Makes a blocked or later next_read() return kStopped. Async-signal-safe.
  virtual void request_stop() noexcept = 0;

  // Feedback to the cashier and card writing (reader_control.h), for sources whose readers
  // can do them (the USB readers); nullptr otherwise. Lives as long as this reader.
  [[nodiscard]] virtual ReaderControl* control() noexcept { return nullptr; }
};

}  // namespace rapport::drivers

template <>
struct boost::system::is_error_code_enum<rapport::drivers::ReaderErrc> : std::true_type {};
