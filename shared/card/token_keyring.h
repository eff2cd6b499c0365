// shared/card/token_keyring.h
//
// The public keys a terminal trusts for signed member tokens, by key id, and the one call
// that decides whether a token read at the counter is genuine. Several keys are valid at
// once (key rotation, docs/cards.md): a card stays valid until its key is retired, that is
// removed from the keyring.
//
// The keyring file (`token-keys.pem`, written by rapportctl) is PEM public keys, each after a
// line naming its id; blank lines and '#' comments are ignored:
//     Key-Id: 2
//     -----BEGIN PUBLIC KEY-----
//     MCowBQYDK2VwAyEA...
//     -----END PUBLIC KEY-----
//
// Thread-safety: immutable after loading; verify() may run on several threads at once.

#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/card/card_number.h"
#include "shared/card/member_token.h"
#include "shared/crypto/ed25519.h"
#include "shared/util/result.h"

namespace rapport::card {

// What a genuine token told us.
struct VerifiedMemberToken {
  CardNumber number;  // this chain's card, check digit valid
  std::int64_t member_id;
  std::uint8_t key_id;
  std::chrono::sys_days issued;
  bool uid_bound;  // the token names the chip it was read from
};

// A key id written in decimal ("7"; one trailing newline allowed): 1..255, or nullopt.
[[nodiscard]] std::optional<std::uint8_t> parse_token_key_id(std::string_view text);

class TokenKeyring {
 public:
  TokenKeyring() = default;  // trusts nothing: every token is kUnknownKey

  // Parses the keyring file format above; kBadKeyring (details logged: line and problem) for
  // a key that is not an Ed25519 public key, a PEM block without a Key-Id line before it, an
  // id outside 1..255 or given twice, or any other line.
  [[nodiscard]] static Result<TokenKeyring> parse(std::string_view text);
  // Reads and parses `file`; kBadKeyring (logged, with the fix) when it cannot be read.
  [[nodiscard]] static Result<TokenKeyring> load(const std::filesystem::path& file);

  // kBadKeyring when `id` is 0 or already present.
  [[nodiscard]] Result<void> add(std::uint8_t id, crypto::Ed25519PublicKey key);
  // The file format above, keys in id order.
  [[nodiscard]] std::string to_text() const;

  [[nodiscard]] bool empty() const { return keys_.empty(); }
  [[nodiscard]] std::vector<std::uint8_t> key_ids() const;

  // The whole check of one token read, in this order: structure, version and check digit
  // (decode_member_token), key id (kUnknownKey), signature (kBadSignature), chip binding,
  // issuer (kOtherIssuer). `uid` is the UID of the chip the token was read from, nullopt for
  // a QR code or barcode. A token bound to a UID is accepted only from that chip
  // (kUidMismatch otherwise, also when read without a chip); an unbound token is accepted
  // from anywhere, since copying it gains nothing its QR code does not already give.
  // Requires: is_valid_issuer_prefix(issuer_prefix).
  [[nodiscard]] Result<VerifiedMemberToken> verify(std::span<const std::uint8_t> token,
                                                   std::optional<std::span<const std::uint8_t>> uid,
                                                   std::string_view issuer_prefix) const;

 private:
  std::map<std::uint8_t, crypto::Ed25519PublicKey> keys_;
};

}  // namespace rapport::card
