// drivers/card_reader.h
//
// The contract every card reader implements: hand the terminal one raw card read at a time
// (the characters a barcode or stripe carried, or a line typed at a keyboard). Validating
// the number is not the reader's job: shared/card does that for every reader alike.
//
// Threading: next_read() is called from one thread (the terminal's counter loop);
// request_stop() may be called from any thread and from a signal handler.

#pragma once

#include <string>
#include <type_traits>

#include "shared/util/result.h"

namespace rapport::drivers {

enum class ReaderErrc {
  kEndOfInput = 1,  // the reader is gone for good (stdin closed, device unplugged)
  kStopped,         // request_stop() was called: shut down
  kReadTooLong,     // a read longer than any card carries; the excess was discarded
  kIo,              // the operating system failed the read
};

[[nodiscard]] const boost::system::error_category& reader_category() noexcept;

inline ErrorCode make_error_code(ReaderErrc e) noexcept {
  return {static_cast<int>(e), reader_category()};
}

struct CardRead {
  std::string reader;   // which reader, for logs ("stdin", "usb:1-2")
  std::string payload;  // the raw characters, terminator removed
};

class CardReader {
 public:
  virtual ~CardReader() = default;

  // Blocks until a card is read, the reader ends, or request_stop() is called.
  [[nodiscard]] virtual Result<CardRead> next_read() = 0;

  // Makes a blocked or later next_read() return kStopped. Async-signal-safe.
  virtual void request_stop() noexcept = 0;
};

}  // namespace rapport::drivers

template <>
struct boost::system::is_error_code_enum<rapport::drivers::ReaderErrc> : std::true_type {};
