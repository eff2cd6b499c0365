// shared/card/token_errc.h
//
// Why a signed member token (docs/cards.md) is not accepted, or cannot be made (the
// "cannot sign" values, on the server). Every
// verification failure is an expected outcome at the counter, answered with a clear message:
// the card is refused and nothing is recorded.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::card {

enum class TokenErrc {
  kMalformed = 1,   // not a token: wrong length, bad field, bad text encoding
  kUnknownVersion,  // a token format this software does not know (update the terminal)
  kUnknownKey,      // signed by a key this terminal does not hold: unknown, or retired
  kBadSignature,    // the signature does not match: the token was altered or forged
  kUidMismatch,     // bound to a chip with another UID (copied), or read without its chip
  kBadCheckDigit,   // the card number inside fails its check digit
  kOtherIssuer,     // a valid signature over a card number of another issuer prefix
  kBadClaims,       // cannot sign: member id out of 1..2^32-1, or a UID not 4, 7 or 10 bytes
  kBadKeyring,      // a token key file that is missing, malformed or holds a key twice
  kNotMembersCard,  // cannot sign: no such member, or the card is not one of theirs
  kCardBlocked,     // cannot sign: the card is blocked (lost or replaced)
  kNoSigningKey,    // cannot sign: the server has no active token key yet
};

[[nodiscard]] const boost::system::error_category& token_category() noexcept;

inline ErrorCode make_error_code(TokenErrc e) noexcept {
  return {static_cast<int>(e), token_category()};
}

}  // namespace rapport::card

template <>
struct boost::system::is_error_code_enum<rapport::card::TokenErrc> : std::true_type {};
