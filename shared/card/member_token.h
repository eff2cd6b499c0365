// shared/card/member_token.h
//
// Signed member tokens: a compact binary statement "card number N belongs to member M (and
// to the chip with UID U), issued on D", signed with Ed25519 by the chain's token key, so a
// terminal holding only public keys can tell a real card from a forged one offline. The
// same bytes go onto an NTAG chip or, as text ("RPT:" + base32), into a QR code.
// Format, byte by byte, and what it does and does not protect against: docs/cards.md.
//
// This file is the format: encoding, structural decoding (no signature check) and the text
// form. Verification against trusted keys: token_keyring.h. Signing happens only where the
// private key is, on the server (rapportctl card token, server/card_token_keys.h).

#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/card/card_number.h"
#include "shared/card/token_errc.h"
#include "shared/crypto/ed25519.h"
#include "shared/util/result.h"

namespace rapport::card {

inline constexpr std::uint8_t kMemberTokenVersion = 1;
// version, key id, UID length, card number (7), member id (4), issue date (2)
inline constexpr std::size_t kMemberTokenHeaderBytes = 16;
inline constexpr std::size_t kMemberTokenMaxUidBytes = 10;
inline constexpr std::size_t kMemberTokenMaxBytes =
    kMemberTokenHeaderBytes + kMemberTokenMaxUidBytes + crypto::kEd25519SignatureBytes;  // 90
// NTAG213 user memory: pages 4..39.
inline constexpr std::size_t kNtag213UserBytes = 144;
// The text form: this prefix, then the token in base32 (docs/cards.md, "Text form").
inline constexpr std::string_view kMemberTokenTextPrefix = "RPT:";

// What a token says. `card_digits` is the printed number: 16 digits, check digit included.
struct MemberTokenClaims {
  std::string card_digits;
  std::uint32_t member_id = 0;     // 1..2^32-1
  std::vector<std::uint8_t> uid;   // the chip's UID (4, 7 or 10 bytes); empty for QR cards
  std::chrono::sys_days issued{};  // 1970-01-01 .. 2149-06-06 (16-bit day count)
};

// A token taken apart. Nothing here is trusted until TokenKeyring::verify() checked it.
struct DecodedMemberToken {
  std::uint8_t version = 0;
  std::uint8_t key_id = 0;
  MemberTokenClaims claims;
  std::span<const std::uint8_t> signed_bytes;  // everything before the signature (a view
  std::span<const std::uint8_t> signature;     // into the decoded buffer, which must outlive it)
};

// Checks the structure: version (kUnknownVersion), UID length and total length, card number
// and member id ranges (kMalformed), the card number's check digit (kBadCheckDigit). The
// signature is not checked here. `bytes` must be exactly one token, nothing after it.
[[nodiscard]] Result<DecodedMemberToken> decode_member_token(std::span<const std::uint8_t> bytes);

// The length of the token that starts with `first` (at least its first 3 bytes), so a reader
// knows how many bytes of a chip to read: kMalformed / kUnknownVersion as decode would.
[[nodiscard]] Result<std::size_t> member_token_size(std::span<const std::uint8_t> first);

// "RPT:" + upper-case base32 of `bytes`.
[[nodiscard]] std::string member_token_text(std::span<const std::uint8_t> bytes);
// True when a read looks like a token's text form (its prefix, in either case): a read that
// says it is a token is then verified as one, never treated as a card number.
[[nodiscard]] bool is_member_token_text(std::string_view text);
// The bytes back from a text form (either case); kMalformed for anything else.
[[nodiscard]] Result<std::vector<std::uint8_t>> member_token_from_text(std::string_view text);

// Encodes and signs `claims` under `key_id` (1..255). Server side only: the private key never
// leaves the server's data folder. kBadClaims for a member id, UID or date out of range,
// kBadCheckDigit for a card number that is not 16 digits with a valid check digit.
[[nodiscard]] Result<std::vector<std::uint8_t>> sign_member_token(
    const MemberTokenClaims& claims, std::uint8_t key_id, const crypto::Ed25519PrivateKey& key);

}  // namespace rapport::card
