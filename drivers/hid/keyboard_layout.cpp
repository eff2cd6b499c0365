// drivers/hid/keyboard_layout.cpp
//
// The tables follow the HID Usage Tables' Keyboard/Keypad page (usage IDs named after the US
// key caps) and the standard "fr" and "de" layouts. Each layout is a list of differences from
// the US table, so what moves on which layout can be read at a glance.

#include "drivers/hid/keyboard_layout.h"

#include <array>

#include "drivers/hid/hid_errc.h"

namespace rapport::drivers {
namespace {

// One key: what it types alone, with Shift, with AltGr. '\0' = nothing printable.
struct Key {
  std::uint8_t usage;
  char plain;
  char shifted;
  char altgr = '\0';
};

// US layout, card-readers.md §1. Letters are handled in code (usage 0x04 'a' .. 0x1D 'z').
constexpr std::array kUsKeys{
    Key{0x1E, '1', '!'}, Key{0x1F, '2', '@'},  Key{0x20, '3', '#'}, Key{0x21, '4', '$'},
    Key{0x22, '5', '%'}, Key{0x23, '6', '^'},  Key{0x24, '7', '&'}, Key{0x25, '8', '*'},
    Key{0x26, '9', '('}, Key{0x27, '0', ')'},  Key{0x2C, ' ', ' '}, Key{0x2D, '-', '_'},
    Key{0x2E, '=', '+'}, Key{0x2F, '[', '{'},  Key{0x30, ']', '}'}, Key{0x31, '\\', '|'},
    Key{0x33, ';', ':'}, Key{0x34, '\'', '"'}, Key{0x35, '`', '~'}, Key{0x36, ',', '<'},
    Key{0x37, '.', '>'}, Key{0x38, '/', '?'},
};

// French AZERTY: A/Q and Z/W swapped, M where US has ';', digits on Shift. The unshifted
// number row types & é " ' ( - è _ ç à; the accented ones are not ASCII.
constexpr std::array kFrenchKeys{
    Key{0x04, 'q', 'Q'},       Key{0x14, 'a', 'A'},       Key{0x1A, 'z', 'Z'},
    Key{0x1D, 'w', 'W'},       Key{0x33, 'm', 'M'},       Key{0x10, ',', '?'},
    Key{0x1E, '&', '1'},       Key{0x1F, '\0', '2'},      Key{0x20, '"', '3', '#'},
    Key{0x21, '\'', '4', '{'}, Key{0x22, '(', '5', '['},  Key{0x23, '-', '6', '|'},
    Key{0x24, '\0', '7'},      Key{0x25, '_', '8', '\\'}, Key{0x26, '\0', '9', '^'},
    Key{0x27, '\0', '0', '@'}, Key{0x2D, ')', '\0', ']'}, Key{0x2E, '=', '+', '}'},
    Key{0x2F, '\0', '\0'},     Key{0x30, '$', '\0'},      Key{0x31, '*', '\0'},
    Key{0x32, '*', '\0'},      Key{0x34, '\0', '%'},      Key{0x35, '\0', '\0'},
    Key{0x36, ';', '.'},       Key{0x37, ':', '/'},       Key{0x38, '!', '\0'},
    Key{0x64, '<', '>'},
};

// German QWERTZ: Y/Z swapped; Shift+digits give ! " § $ % & / ( ) =; ß ´ ü ö ä ^ are not
// ASCII or are dead keys.
constexpr std::array kGermanKeys{
    Key{0x1C, 'z', 'Z'},      Key{0x1D, 'y', 'Y'},        Key{0x14, 'q', 'Q', '@'},
    Key{0x1E, '1', '!'},      Key{0x1F, '2', '"'},        Key{0x20, '3', '\0'},
    Key{0x21, '4', '$'},      Key{0x22, '5', '%'},        Key{0x23, '6', '&'},
    Key{0x24, '7', '/', '{'}, Key{0x25, '8', '(', '['},   Key{0x26, '9', ')', ']'},
    Key{0x27, '0', '=', '}'}, Key{0x2D, '\0', '?', '\\'}, Key{0x2E, '\0', '\0'},
    Key{0x2F, '\0', '\0'},    Key{0x30, '+', '*', '~'},   Key{0x31, '#', '\''},
    Key{0x32, '#', '\''},     Key{0x33, '\0', '\0'},      Key{0x34, '\0', '\0'},
    Key{0x35, '\0', '\0'},    Key{0x36, ',', ';'},        Key{0x37, '.', ':'},
    Key{0x38, '-', '_'},      Key{0x64, '<', '>', '|'},
};

template <std::size_t N>
const Key* find(const std::array<Key, N>& keys, std::uint8_t usage) {
  for (const Key& key : keys) {
    if (key.usage == usage) return &key;
  }
  return nullptr;
}

std::optional<char> pick(const Key& key, bool shift, bool altgr) {
  const char c = altgr ? key.altgr : (shift ? key.shifted : key.plain);
  if (c == '\0') return std::nullopt;
  return c;
}

// Keypad keys type the same on every layout (NumLock on), except the decimal key, which
// types the locale's decimal separator: ',' on German keyboards.
std::optional<char> keypad(KeyboardLayout layout, std::uint8_t usage) {
  switch (usage) {
    case 0x54:
      return '/';
    case 0x55:
      return '*';
    case 0x56:
      return '-';
    case 0x57:
      return '+';
    case 0x62:
      return '0';
    case 0x63:
      return layout == KeyboardLayout::kGerman ? ',' : '.';
    default:
      break;
  }
  if (usage >= 0x59 && usage <= 0x61) return static_cast<char>('1' + (usage - 0x59));
  return std::nullopt;
}

}  // namespace

Result<KeyboardLayout> parse_keyboard_layout(std::string_view name) {
  if (name == "us") return KeyboardLayout::kUs;
  if (name == "fr") return KeyboardLayout::kFrench;
  if (name == "de") return KeyboardLayout::kGerman;
  return HidErrc::kUnknownLayout;
}

std::optional<char> key_to_char(KeyboardLayout layout, std::uint8_t usage, bool shift, bool altgr) {
  if (auto c = keypad(layout, usage); c && !altgr) return c;

  const Key* key = nullptr;
  switch (layout) {
    case KeyboardLayout::kUs:
      break;
    case KeyboardLayout::kFrench:
      key = find(kFrenchKeys, usage);
      break;
    case KeyboardLayout::kGerman:
      key = find(kGermanKeys, usage);
      break;
  }
  if (key != nullptr) return pick(*key, shift, altgr);
  if (altgr) return std::nullopt;  // AltGr on a key the layout gives nothing extra

  if (usage >= 0x04 && usage <= 0x1D) {
    const char letter = static_cast<char>('a' + (usage - 0x04));
    return shift ? static_cast<char>(letter - 'a' + 'A') : letter;
  }
  if (const Key* us = find(kUsKeys, usage)) return pick(*us, shift, false);
  return std::nullopt;
}

}  // namespace rapport::drivers
