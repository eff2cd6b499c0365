// drivers/reader_control.h
//
// What the terminal may ask of its readers beyond reading cards: tell the cashier at the
// reader how a tap went (LED and buzzer), and write a card at enrollment. Contactless (CCID)
// readers do both; the other readers do neither and are refused with
// CcidErrc::kNotContactless. A reader is named as its reads name it (CardRead::reader).
//
// Obtained from CardReader::control(): the pointer lives as long as that CardReader.
// Threading: every call may be made from any thread; calls are handed to the USB event
// thread, which performs them between card sessions, one at a time per reader.

#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "drivers/card_reader.h"
#include "shared/util/result.h"

namespace rapport::drivers {

// How the tap went, for the cashier at the reader.
enum class ReaderSignal {
  kGoodRead,  // one short beep, green LED
  kRejected,  // two short beeps, red LED blinking: the card was refused (forged, blocked,
              // unreadable...)
};

[[nodiscard]] const char* to_string(ReaderSignal signal) noexcept;

class ReaderControl {
 public:
  virtual ~ReaderControl() = default;

  // Queues `signal` on `reader` and returns at once (no card needed; readers without a LED
  // or buzzer the driver knows how to drive accept it and do nothing). Errors:
  // kNoSuchReader (not attached), kNotContactless (not a CCID reader).
  [[nodiscard]] virtual Result<void> signal(std::string_view reader, ReaderSignal signal) = 0;

  // Enrollment: writes `data` (at most 144 bytes; zero-padded to a 4-byte page) to the user
  // memory of the card with UID `uid_hex` (CardRead::payload of its tap) on `reader`, from
  // its first user page, then reads the whole card back. Succeeds only if the card kept the
  // data; returns the card as read back (kind kContactless). Blocks up to `timeout`.
  // Errors: CcidErrc (kWrongCard, kCardMoved, kWriteNotKept, kBadWriteRequest, ...),
  // ReaderErrc::kUnplugged, CcidErrc::kTimeout when `timeout` passes first (the write may
  // still complete afterwards: read the card again before relying on it).
  [[nodiscard]] virtual Result<CardRead> write_card(std::string_view reader,
                                                    std::string_view uid_hex,
                                                    std::span<const std::uint8_t> data,
                                                    std::chrono::milliseconds timeout) = 0;
};

}  // namespace rapport::drivers
