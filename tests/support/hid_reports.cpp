// tests/support/hid_reports.cpp
#include "tests/support/hid_reports.h"

#include <algorithm>
#include <stdexcept>

namespace rapport::testing {
namespace {

constexpr std::uint8_t kLeftShift = 0x02;
constexpr std::uint8_t kRightAlt = 0x40;

// Finds the key and modifiers that type `c` on `layout` (searching the layout table): the
// main keys first, as a reader types, then the keypad; plain, then Shift, then AltGr.
std::vector<std::uint8_t> press_for(char c, drivers::KeyboardLayout layout) {
  constexpr std::array<std::array<unsigned, 2>, 3> kKeyRanges{
      {{0x04, 0x38}, {0x64, 0x64}, {0x54, 0x63}}};
  for (std::size_t r = 0; r < kKeyRanges.size(); ++r) {
    for (std::uint8_t modifiers : {std::uint8_t{0}, kLeftShift, kRightAlt}) {
      for (unsigned usage = kKeyRanges[r][0]; usage <= kKeyRanges[r][1]; ++usage) {
        const auto typed = drivers::key_to_char(layout, static_cast<std::uint8_t>(usage),
                                                modifiers == kLeftShift, modifiers == kRightAlt);
        if (typed == c) return key_report(modifiers, {static_cast<std::uint8_t>(usage)});
      }
    }
  }
  throw std::invalid_argument(std::string("the layout cannot type '") + c + "'");
}

}  // namespace

std::vector<std::uint8_t> key_report(std::uint8_t modifiers, std::vector<std::uint8_t> usages) {
  std::vector<std::uint8_t> report(8, 0);
  report[0] = modifiers;
  for (std::size_t i = 0; i < usages.size() && i < 6; ++i) report[2 + i] = usages[i];
  return report;
}

std::vector<std::vector<std::uint8_t>> type_text(std::string_view text,
                                                 drivers::KeyboardLayout layout) {
  std::vector<std::vector<std::uint8_t>> reports;
  for (const char c : text) {
    reports.push_back(press_for(c, layout));
    reports.push_back(key_report(0));
  }
  reports.push_back(key_report(0, {drivers::kUsageEnter}));
  reports.push_back(key_report(0));
  return reports;
}

std::string with_lrc(std::string_view track) {
  const bool track1 = !track.empty() && track.front() == '%';
  unsigned x = 0;
  for (const char c : track) {
    const auto u = static_cast<unsigned char>(c);
    x ^= track1 ? (u - 0x20u) & 0x3Fu : (u - 0x30u) & 0x0Fu;
  }
  return std::string(track) + static_cast<char>((track1 ? 0x20u : 0x30u) + x);
}

std::vector<std::uint8_t> magtek_report(std::string_view track1, std::string_view track2,
                                        std::string_view track3,
                                        std::array<std::uint8_t, 3> status) {
  std::vector<std::uint8_t> report(337, 0);
  const std::array<std::string_view, 3> tracks{track1, track2, track3};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::size_t length = std::min<std::size_t>(tracks[i].size(), 110);
    report[i] = status[i];
    report[3 + i] = static_cast<std::uint8_t>(length);
    for (std::size_t j = 0; j < length; ++j) {
      report[7 + i * 110 + j] = static_cast<std::uint8_t>(tracks[i][j]);
    }
  }
  return report;
}

}  // namespace rapport::testing
