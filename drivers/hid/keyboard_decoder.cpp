// drivers/hid/keyboard_decoder.cpp
#include "drivers/hid/keyboard_decoder.h"

#include <algorithm>

#include "drivers/hid/hid_errc.h"

namespace rapport::drivers {
namespace {

constexpr std::uint8_t kShift = 0x02 | 0x20;                       // LShift, RShift
constexpr std::uint8_t kAltGr = 0x40;                              // RAlt
constexpr std::uint8_t kChord = 0x01 | 0x10 | 0x04 | 0x08 | 0x80;  // Ctrl, LAlt, GUI

bool is_terminator(Terminator terminator, std::uint8_t usage) {
  switch (terminator) {
    case Terminator::kEnter:
      return usage == kUsageEnter || usage == kUsageKeypadEnter;
    case Terminator::kTab:
      return usage == kUsageTab;
    case Terminator::kQuietGapOnly:
      return false;
  }
  return false;
}

}  // namespace

KeyboardDecoder::KeyboardDecoder(KeyboardLayout layout, Terminator terminator,
                                 std::size_t max_chars)
    : layout_(layout), terminator_(terminator), max_chars_(max_chars) {}

KeyboardStep KeyboardDecoder::feed(std::span<const std::uint8_t> report) {
  KeyboardStep step;
  if (report.size() < kBootReportBytes) {
    step.error = HidErrc::kReportTooShort;
    return step;
  }
  const std::uint8_t modifiers = report[0];
  const auto keys = report.subspan(2, 6);

  const bool lost_keys = std::any_of(keys.begin(), keys.end(), [](std::uint8_t usage) {
    return usage >= kUsageErrorRollOver && usage <= kUsageErrorUndefined;
  });
  if (lost_keys) {
    // Which keys are down is unknown; forget them so the first clean report starts afresh
    // (anything it types is discarded with the rest of this read anyway).
    held_.fill(0);
    text_.clear();
    discarding_ = true;
    step.error = HidErrc::kErrorRollOver;
    return step;
  }

  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::uint8_t usage = keys[i];
    if (usage == 0) continue;
    if (std::find(held_.begin(), held_.end(), usage) != held_.end()) continue;  // still held
    // A usage listed twice is one key: so one report ends at most one read.
    if (std::find(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(i), usage) !=
        keys.begin() + static_cast<std::ptrdiff_t>(i)) {
      continue;
    }
    if (auto done = press(usage, modifiers, step.error)) step.completed = std::move(done);
  }
  std::copy(keys.begin(), keys.end(), held_.begin());
  return step;
}

std::optional<std::string> KeyboardDecoder::press(std::uint8_t usage, std::uint8_t modifiers,
                                                  ErrorCode& error) {
  if (is_terminator(terminator_, usage)) return finish();
  if (discarding_ || (modifiers & kChord) != 0) return std::nullopt;

  const auto c = key_to_char(layout_, usage, (modifiers & kShift) != 0, (modifiers & kAltGr) != 0);
  if (!c) return std::nullopt;
  if (text_.size() >= max_chars_) {
    text_.clear();
    discarding_ = true;
    error = HidErrc::kReadTooLong;
    return std::nullopt;
  }
  text_.push_back(*c);
  return std::nullopt;
}

std::optional<std::string> KeyboardDecoder::on_quiet_gap() { return finish(); }

std::optional<std::string> KeyboardDecoder::finish() {
  discarding_ = false;
  if (text_.empty()) return std::nullopt;  // a stray terminator is not a read
  std::string done;
  done.swap(text_);
  return done;
}

}  // namespace rapport::drivers
