// drivers/report_decoder.cpp
//
// Adapters from the pure parsers (drivers/hid, drivers/magstripe) to the one ReportDecoder
// shape the USB layer drives.

#include "drivers/report_decoder.h"

#include "drivers/hid/hid_pos_decoder.h"
#include "drivers/hid/report_descriptor.h"
#include "drivers/magstripe/magtek_report.h"
#include "drivers/magstripe/track_data.h"

namespace rapport::drivers {
namespace {

// "]" + code letter + modifier digit (card-readers.md §4).
bool starts_with_aim_identifier(const std::string& text) {
  return text.size() > 3 && text[0] == ']' && std::isalpha(static_cast<unsigned char>(text[1])) &&
         std::isdigit(static_cast<unsigned char>(text[2]));
}

// Track text starts with a start sentinel: '%' (track 1), ';' (track 2) or '+' (track 3).
bool looks_like_track_data(const std::string& text) {
  return !text.empty() && (text[0] == '%' || text[0] == ';' || text[0] == '+');
}

DecodeStep from_typed_text(std::string text, CardKind plain_kind) {
  auto content = interpret_typed_text(std::move(text), plain_kind);
  if (!content) return DecodeStep{std::nullopt, content.error()};
  return DecodeStep{std::move(*content), {}};
}

class KeyboardReportDecoder final : public ReportDecoder {
 public:
  KeyboardReportDecoder(KeyboardLayout layout, Terminator terminator)
      : keyboard_(layout, terminator) {}

  DecodeStep feed(std::span<const std::uint8_t> report) override {
    auto step = keyboard_.feed(report);
    if (step.error) return DecodeStep{std::nullopt, step.error};
    if (!step.completed) return {};
    return from_typed_text(std::move(*step.completed), CardKind::kBarcode);
  }

  DecodeStep on_quiet_gap() override {
    auto text = keyboard_.on_quiet_gap();
    if (!text) return {};
    return from_typed_text(std::move(*text), CardKind::kBarcode);
  }

  bool mid_read() const override { return keyboard_.pending(); }

 private:
  KeyboardDecoder keyboard_;
};

// One report per swipe: never mid-read.
class MagtekReportDecoder final : public ReportDecoder {
 public:
  DecodeStep feed(std::span<const std::uint8_t> report) override {
    auto track = parse_magtek_report(report);
    if (!track) return DecodeStep{std::nullopt, track.error()};
    return DecodeStep{ReadContent{CardKind::kMagstripe, std::move(track->pan), {}}, {}};
  }
  bool mid_read() const override { return false; }
  std::size_t report_bytes() const override { return kMagtekReportBytes; }
};

class HidPosReportDecoder final : public ReportDecoder {
 public:
  explicit HidPosReportDecoder(HidPosDecoder decoder) : decoder_(std::move(decoder)) {}

  DecodeStep feed(std::span<const std::uint8_t> report) override {
    auto step = decoder_.feed(report);
    if (!step) return DecodeStep{std::nullopt, step.error()};
    if (!*step) return {};
    // The payload goes on unchanged (a QR code may carry a signed member token).
    return DecodeStep{
        ReadContent{CardKind::kBarcode, std::move((*step)->data), std::move((*step)->symbology)},
        {}};
  }
  bool mid_read() const override { return decoder_.mid_read(); }
  std::size_t report_bytes() const override { return decoder_.report_size(); }

 private:
  HidPosDecoder decoder_;
};

}  // namespace

Result<ReadContent> interpret_typed_text(std::string text, CardKind plain_kind) {
  if (looks_like_track_data(text)) {
    RAPPORT_TRY(auto track, parse_tracks(text));
    return ReadContent{CardKind::kMagstripe, std::move(track.pan), {}};
  }
  if (starts_with_aim_identifier(text)) {
    return ReadContent{CardKind::kBarcode, text.substr(3), text.substr(0, 3)};
  }
  return ReadContent{plain_kind, std::move(text), {}};
}

std::unique_ptr<ReportDecoder> make_keyboard_report_decoder(KeyboardLayout layout,
                                                            Terminator terminator) {
  return std::make_unique<KeyboardReportDecoder>(layout, terminator);
}

std::unique_ptr<ReportDecoder> make_magtek_report_decoder() {
  return std::make_unique<MagtekReportDecoder>();
}

Result<std::unique_ptr<ReportDecoder>> make_hid_pos_report_decoder(
    std::span<const std::uint8_t> report_descriptor) {
  RAPPORT_TRY(auto fields, parse_report_descriptor(report_descriptor));
  RAPPORT_TRY(auto decoder, HidPosDecoder::from_descriptor(fields));
  return std::unique_ptr<ReportDecoder>(std::make_unique<HidPosReportDecoder>(std::move(decoder)));
}

}  // namespace rapport::drivers
