// tests/support/hid_reports.h
//
// Builders for the reports USB card readers send, for the parser tests, the emulated devices
// of the USB tests and the reader benchmark: boot-keyboard reports as a keyboard-mode reader
// types them, and the 337-byte swipe report of a MagTek-style reader (card-readers.md §2).

#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/hid/keyboard_layout.h"

namespace rapport::testing {

// An 8-byte boot-keyboard report: modifiers, reserved, up to six key usages.
std::vector<std::uint8_t> key_report(std::uint8_t modifiers, std::vector<std::uint8_t> usages = {});

// What a keyboard-mode reader on `layout` sends for `text`: a press report and an all-zero
// release report per character (so repeated characters arrive as press, release, press),
// then Enter pressed and released. Throws std::invalid_argument for a character the layout
// cannot type.
std::vector<std::vector<std::uint8_t>> type_text(std::string_view text,
                                                 drivers::KeyboardLayout layout);

// `track` (start sentinel through end sentinel) followed by its LRC character, computed here
// independently of the parser: 6-bit characters for a '%' track, 4-bit otherwise.
std::string with_lrc(std::string_view track);

// A MagTek-style swipe report: per track a decode status, a length (the text's size, at most
// 110) and the text; the encode-type byte is 0.
std::vector<std::uint8_t> magtek_report(std::string_view track1, std::string_view track2,
                                        std::string_view track3 = {},
                                        std::array<std::uint8_t, 3> status = {});

}  // namespace rapport::testing
