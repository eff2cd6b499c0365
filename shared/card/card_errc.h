// shared/card/card_errc.h
//
// Why a card read is not a member number. Every value is an expected outcome at the counter
// (a smudged barcode, a mistyped number, someone else's card), answered with a clear message.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::card {

enum class CardErrc {
  kEmpty = 1,         // nothing but spaces and dashes was read
  kInvalidCharacter,  // a character other than a digit, space or dash
  kWrongLength,       // not 16 digits: a partial read or another kind of card
  kBadCheckDigit,     // the Luhn check digit does not match: a misread or a typo
  kOtherIssuer,       // a valid number, but not from this chain's issuer prefix
  kBadKey,            // the card key file is missing, malformed or readable by others
};

[[nodiscard]] const boost::system::error_category& card_category() noexcept;

inline ErrorCode make_error_code(CardErrc e) noexcept {
  return {static_cast<int>(e), card_category()};
}

}  // namespace rapport::card

template <>
struct boost::system::is_error_code_enum<rapport::card::CardErrc> : std::true_type {};
