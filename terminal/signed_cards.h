// terminal/signed_cards.h
//
// Signed member tokens at the counter (docs/cards.md): a read that carries a token — a QR
// code's text "RPT:..." today, a contactless chip's memory with the CCID driver — is verified
// offline against the public keys of terminal.toml's [cards] token_keys, and a genuine one
// yields the card number the usual recognition path (Counter::scan) looks up. A forged,
// altered, copied or unknown-key token is refused with advice for the cashier.
//
// Pure functions of their arguments; any thread.

#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "shared/card/token_keyring.h"
#include "shared/util/result.h"

namespace rapport::terminal {

// A QR code or barcode read whose payload is a token's text form (card::is_member_token_text).
// Errors: TokenErrc (kMalformed for a damaged text, and every verification failure).
[[nodiscard]] Result<card::VerifiedMemberToken> verify_token_text(const card::TokenKeyring& keys,
                                                                  std::string_view payload,
                                                                  std::string_view issuer_prefix);

// A contactless read: `chip_memory` is the chip's user memory from its first byte (NTAG page
// 4) on, of any length that covers the token (bytes after it are ignored); `uid` is the UID
// the reader reported for that chip. A token bound to another UID is kUidMismatch.
[[nodiscard]] Result<card::VerifiedMemberToken> verify_chip_token(
    const card::TokenKeyring& keys, std::span<const std::uint8_t> chip_memory,
    std::span<const std::uint8_t> uid, std::string_view issuer_prefix);

// One line for the cashier: what was wrong and what to do ("card REFUSED: ... - ...").
[[nodiscard]] std::string token_refusal_advice(const ErrorCode& error);

}  // namespace rapport::terminal
