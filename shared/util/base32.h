// shared/util/base32.h
//
// RFC 4648 base32 (A-Z, 2-7) without padding: the text form of signed member tokens
// (docs/cards.md). Its alphabet lies inside a QR code's alphanumeric mode (5.5 bits a
// character), and it survives a keyboard-wedge scanner with Caps Lock on.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rapport {

// Upper case, no '=' padding.
[[nodiscard]] std::string to_base32(std::span<const std::uint8_t> bytes);

// Accepts upper or lower case. Nullopt for any other character, '=' included, a length no
// encoding produces, or unused trailing bits that are not zero (so each byte string has
// exactly one upper-case text).
[[nodiscard]] std::optional<std::vector<std::uint8_t>> from_base32(std::string_view text);

}  // namespace rapport
