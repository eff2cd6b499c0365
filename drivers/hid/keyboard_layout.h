// drivers/hid/keyboard_layout.h
//
// Keyboard-mode readers type characters as USB HID key usages (Keyboard/Keypad page 0x07),
// and which character a usage means depends on the layout the reader was configured for.
// This maps one key press to printable ASCII for the layouts we support
// (docs: card-readers.md §1). Pure tables, no state.
//
// What is deliberately left out (key_to_char returns nullopt): characters outside printable
// ASCII (é, ç, à, ß, ü, £, §, ...), dead keys (French ^ and ¨, German ^, ´ and `), and the
// AltGr characters whose behaviour differs between Windows and X11 (French AltGr+2 ~ and
// AltGr+7 `). A reader that needs them must be set to the US layout.

#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "shared/util/result.h"

namespace rapport::drivers {

enum class KeyboardLayout {
  kUs,      // US QWERTY
  kFrench,  // French AZERTY (the "fr" layout of Windows and X11): digits need Shift
  kGerman,  // German QWERTZ ("de"): Y and Z swapped, punctuation moved
};

// "us", "fr" or "de" (the reader's configuration); anything else is HidErrc::kUnknownLayout.
[[nodiscard]] Result<KeyboardLayout> parse_keyboard_layout(std::string_view name);

// The printable ASCII character (0x20-0x7E) that `usage` types on `layout` with Shift held
// (`shift`) or with AltGr (right Alt) held (`altgr`, takes precedence over shift), or nullopt
// for keys that type no printable ASCII (Enter, Tab, Backspace, modifiers, dead keys,
// unassigned usages). Keypad digits and operators are included (NumLock assumed on, as
// scanners send them).
[[nodiscard]] std::optional<char> key_to_char(KeyboardLayout layout, std::uint8_t usage, bool shift,
                                              bool altgr = false);

// Usages with a fixed meaning on every layout (HID Usage Tables, Keyboard/Keypad page).
inline constexpr std::uint8_t kUsageErrorRollOver = 0x01;
inline constexpr std::uint8_t kUsageErrorUndefined = 0x03;  // 0x02 POSTFail lies between
inline constexpr std::uint8_t kUsageEnter = 0x28;
inline constexpr std::uint8_t kUsageTab = 0x2B;
inline constexpr std::uint8_t kUsageKeypadEnter = 0x58;

}  // namespace rapport::drivers
