// drivers/hid/keyboard_decoder.h
//
// Turns the 8-byte boot-keyboard reports of a keyboard-mode reader (barcode scanner or
// magstripe reader, card-readers.md §1) into completed texts, one per scan or swipe. Pure:
// the USB side hands over each interrupt-IN report and the time-outs; no I/O here.
//
// Boot report: byte 0 modifiers (bit 1 LShift, 5 RShift, 6 RAlt = AltGr; Ctrl, left Alt and
// GUI make a chord), byte 1 reserved, bytes 2-7 the pressed key usages. Only usages that were
// not pressed in the previous report type a character, so a held key never repeats and the
// same character twice arrives as press, release, press.
//
// After an error (roll-over, too long) the rest of that read is discarded up to its
// terminator or a quiet gap, so the tail of a damaged scan never becomes a read of its own.
//
// Thread-safety: none; one decoder per reader, fed from one thread.

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "drivers/hid/keyboard_layout.h"
#include "shared/util/result.h"

namespace rapport::drivers {

// What ends one read.
enum class Terminator {
  kEnter,         // Enter or Keypad Enter (almost every scanner)
  kTab,           // Tab
  kQuietGapOnly,  // nothing: the caller's quiet-gap time-out ends the read
};

// What one report produced. Both members may be set: a read completed by an earlier key of
// the report, then an error on a later key. An error means the read in progress was lost
// (HidErrc::kErrorRollOver, kReadTooLong) or the report was unusable (kReportTooShort).
struct KeyboardStep {
  std::optional<std::string> completed;  // a finished read, terminator removed, never empty
  ErrorCode error;                       // success when nothing went wrong
};

class KeyboardDecoder {
 public:
  static constexpr std::size_t kBootReportBytes = 8;

  // Requires: max_chars > 0. A read longer than max_chars is reported as kReadTooLong.
  explicit KeyboardDecoder(KeyboardLayout layout, Terminator terminator = Terminator::kEnter,
                           std::size_t max_chars = 512);

  // One interrupt-IN report. Shorter than 8 bytes: kReportTooShort and the report is ignored
  // (the read in progress is kept). Bytes past the eighth are ignored. All key slots zero
  // means every key was released. A key slot holding ErrorRollOver (0x01), POSTFail (0x02) or
  // ErrorUndefined (0x03) means the reader lost keys: kErrorRollOver, partial text discarded.
  // Unknown usages, Enter/Tab when they are not the terminator, and chords with Ctrl, left
  // Alt or GUI type nothing.
  [[nodiscard]] KeyboardStep feed(std::span<const std::uint8_t> report);

  // The caller saw no report for a quiet gap (about 80 ms): returns the text in progress, if
  // any, as a completed read (the end of a read for kQuietGapOnly readers, and a fallback for
  // readers whose terminator got lost). Also ends the discarding that follows an error.
  [[nodiscard]] std::optional<std::string> on_quiet_gap();

  // True while characters of an unfinished read are held (for the caller's gap timer).
  [[nodiscard]] bool pending() const { return !text_.empty() || discarding_; }

 private:
  // Handles one newly pressed key; returns a completed read or sets `error`.
  std::optional<std::string> press(std::uint8_t usage, std::uint8_t modifiers, ErrorCode& error);
  std::optional<std::string> finish();

  KeyboardLayout layout_;
  Terminator terminator_;
  std::size_t max_chars_;
  std::string text_;                    // the read in progress
  bool discarding_ = false;             // dropping the rest of a failed read
  std::array<std::uint8_t, 6> held_{};  // usages pressed in the previous report
};

}  // namespace rapport::drivers
