// terminal/signed_cards.cpp
#include "terminal/signed_cards.h"

#include "shared/card/member_token.h"
#include "shared/card/token_errc.h"

namespace rapport::terminal {

Result<card::VerifiedMemberToken> verify_token_text(const card::TokenKeyring& keys,
                                                    std::string_view payload,
                                                    std::string_view issuer_prefix) {
  auto bytes = card::member_token_from_text(payload);
  if (!bytes) return bytes.error();
  return keys.verify(*bytes, std::nullopt, issuer_prefix);
}

Result<card::VerifiedMemberToken> verify_chip_token(const card::TokenKeyring& keys,
                                                    std::span<const std::uint8_t> chip_memory,
                                                    std::span<const std::uint8_t> uid,
                                                    std::string_view issuer_prefix) {
  auto size = card::member_token_size(chip_memory);
  if (!size) return size.error();
  if (chip_memory.size() < *size) return card::TokenErrc::kMalformed;  // read cut short
  return keys.verify(chip_memory.first(*size), uid, issuer_prefix);
}

std::string token_refusal_advice(const ErrorCode& error) {
  using card::TokenErrc;
  if (error == TokenErrc::kMalformed) {
    return "bad read: " + error.message() + " - scan again, or type the number printed on the card";
  }
  if (error == TokenErrc::kUnknownVersion) {
    return "card not readable here: " + error.message() + " - type the number printed on the card";
  }
  // Everything else is a card that says it is genuine and is not: do not take it on trust.
  std::string advice = "card REFUSED: " + error.message();
  if (error == TokenErrc::kUnknownKey) {
    advice +=
        " - an old card: ask the member to have it replaced, or the terminal lacks the "
        "latest keys";
  } else if (error == TokenErrc::kUidMismatch) {
    advice += " - do not accept it; ask for the member's own card";
  } else {
    advice += " - do not accept it; ask for another card or ID";
  }
  return advice;
}

}  // namespace rapport::terminal
