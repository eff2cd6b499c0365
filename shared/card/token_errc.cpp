// shared/card/token_errc.cpp
#include "shared/card/token_errc.h"

#include "shared/util/error_category.h"

namespace rapport::card {
namespace {

const char* describe(int value) {
  switch (static_cast<TokenErrc>(value)) {
    case TokenErrc::kMalformed:
      return "not a valid member token (damaged or not one of ours)";
    case TokenErrc::kUnknownVersion:
      return "member token of a newer format than this terminal knows (update the terminal)";
    case TokenErrc::kUnknownKey:
      return "member token signed by an unknown or retired key";
    case TokenErrc::kBadSignature:
      return "member token signature is wrong: the token was altered or forged";
    case TokenErrc::kUidMismatch:
      return "member token belongs to another card (copied to this one)";
    case TokenErrc::kBadCheckDigit:
      return "card number in the member token has a wrong check digit";
    case TokenErrc::kOtherIssuer:
      return "member token carries another chain's card number";
    case TokenErrc::kBadClaims:
      return "cannot sign: member id must be 1..4294967295 and a UID 4, 7 or 10 bytes";
    case TokenErrc::kBadKeyring:
      return "token key file is missing or malformed";
    case TokenErrc::kNotMembersCard:
      return "cannot sign: the card is not one of this member's cards";
    case TokenErrc::kCardBlocked:
      return "cannot sign: the card is blocked; use the member's current card";
    case TokenErrc::kNoSigningKey:
      return "cannot sign: no active token key (rapportctl card-keys new)";
  }
  return "unknown member token error";
}

}  // namespace

const boost::system::error_category& token_category() noexcept {
  static const NamedErrorCategory category("rapport.token", &describe);
  return category;
}

}  // namespace rapport::card
