// drivers/report_decoder.h
//
// One reader's input reports in, card reads out: the part of a USB reader that knows its
// report format (boot keyboard, MagTek swipe, HID-POS scan) but nothing of USB transfers. The
// USB layer feeds each interrupt-IN report here; tests and the fuzzers feed bytes directly.

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "drivers/card_reader.h"
#include "drivers/hid/keyboard_decoder.h"
#include "drivers/hid/keyboard_layout.h"
#include "shared/util/result.h"

namespace rapport::drivers {

// What a finished read carried, before the USB layer stamps reader name and time on it.
struct ReadContent {
  CardKind kind = CardKind::kBarcode;
  std::string payload;
  std::string symbology;
};

// After one report: nothing yet (mid-read, or a key release), a finished read, or an error
// about this read (the decoder is ready for the next one either way).
struct DecodeStep {
  std::optional<ReadContent> read;
  ErrorCode error;
};

class ReportDecoder {
 public:
  virtual ~ReportDecoder() = default;
  [[nodiscard]] virtual DecodeStep feed(std::span<const std::uint8_t> report) = 0;
  // Called when no report came for the quiet gap (~80 ms): keyboard readers without a
  // terminator key finish their read here.
  [[nodiscard]] virtual DecodeStep on_quiet_gap() { return {}; }
  // True while a read has started but not finished (a reader unplugged now lost it).
  [[nodiscard]] virtual bool mid_read() const = 0;
  // The length of one input report when it is longer than a packet (the USB transfer must
  // be exactly that long, or a report spanning packets is cut); 0 when a packet holds one.
  [[nodiscard]] virtual std::size_t report_bytes() const { return 0; }
};

// Typed text from a keyboard-mode reader or a console line: a stripe's track text becomes its
// member number (sentinels, separators and LRC checked), an AIM prefix ("]E0") becomes the
// symbology, anything else is `plain_kind` unchanged.
[[nodiscard]] Result<ReadContent> interpret_typed_text(std::string text, CardKind plain_kind);

[[nodiscard]] std::unique_ptr<ReportDecoder> make_keyboard_report_decoder(KeyboardLayout layout,
                                                                          Terminator terminator);
[[nodiscard]] std::unique_ptr<ReportDecoder> make_magtek_report_decoder();
// Fails when the descriptor is malformed or describes no scanned-data report.
[[nodiscard]] Result<std::unique_ptr<ReportDecoder>> make_hid_pos_report_decoder(
    std::span<const std::uint8_t> report_descriptor);

}  // namespace rapport::drivers
