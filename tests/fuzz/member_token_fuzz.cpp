// tests/fuzz/member_token_fuzz.cpp
//
// Any bytes a reader may hand over as a signed member token (docs/cards.md): as the binary
// from a chip, as QR text, or a keyring file. Nothing crashes, and whatever verifies is
// exactly the token the fixed test key signs for the claims it carries (Ed25519 is
// deterministic), so no altered token is ever accepted.
//
// The first input byte picks the path: 0 binary read without a chip, 1 binary read from a
// chip (next byte: UID length, then the UID, then the chip memory), 2 text form, 3 keyring.
// The corpus (tests/fuzz/corpus/member_token) holds tokens signed with the seed below.

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string_view>

#include "shared/card/member_token.h"
#include "shared/card/token_keyring.h"
#include "shared/crypto/ed25519.h"

namespace {

using rapport::card::TokenKeyring;

constexpr std::uint8_t kKeyId = 1;
constexpr std::string_view kPrefix = "627599";

const rapport::crypto::Ed25519PrivateKey& test_key() {
  static const auto key = [] {
    std::uint8_t seed[32];
    for (std::uint8_t i = 0; i < 32; ++i) seed[i] = static_cast<std::uint8_t>(i + 1);
    return rapport::crypto::Ed25519PrivateKey::from_seed(seed).value();
  }();
  return key;
}

const TokenKeyring& test_keyring() {
  static const TokenKeyring keyring = [] {
    TokenKeyring k;
    if (!k.add(kKeyId, test_key().public_key())) std::abort();
    return k;
  }();
  return keyring;
}

// An accepted token must be byte for byte what the key signs for its claims.
void check_accepted(std::span<const std::uint8_t> token) {
  const auto decoded = rapport::card::decode_member_token(token);
  if (!decoded) std::abort();
  const auto again = rapport::card::sign_member_token(decoded->claims, decoded->key_id, test_key());
  if (!again || !std::equal(again->begin(), again->end(), token.begin(), token.end())) {
    std::abort();
  }
}

void verify(std::span<const std::uint8_t> token, std::optional<std::span<const std::uint8_t>> uid) {
  if (const auto size = rapport::card::member_token_size(token); size && *size > token.size()) {
    return;  // a chip read cut short; verify would refuse it as kMalformed
  }
  const auto verified = test_keyring().verify(token, uid, kPrefix);
  if (verified) {
    check_accepted(token);
    if (!verified->number.digits().starts_with(kPrefix)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      verify(input, std::nullopt);
      break;
    case 1: {
      if (input.empty()) return 0;
      const std::size_t uid_length = input[0] % 11;
      if (input.size() < 1 + uid_length) return 0;
      const auto uid = input.subspan(1, uid_length);
      const auto memory = input.subspan(1 + uid_length);
      const auto token_size = rapport::card::member_token_size(memory);
      if (token_size && *token_size <= memory.size()) verify(memory.first(*token_size), uid);
      break;
    }
    case 2: {
      const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
      const auto bytes = rapport::card::member_token_from_text(text);
      if (bytes) {
        verify(*bytes, std::nullopt);
        if (rapport::card::member_token_text(*bytes).size() != text.size()) std::abort();
      }
      break;
    }
    default: {
      const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
      const auto keyring = TokenKeyring::parse(text);
      if (keyring) {
        const auto again = TokenKeyring::parse(keyring->to_text());
        if (!again || again->key_ids() != keyring->key_ids()) std::abort();
      }
      break;
    }
  }
  return 0;
}
