// shared/protocol/card_messages.h
//
// The sync endpoints for signed member tokens (docs/protocol.md, "Member tokens"): a terminal
// fetches the chain's public token keyring on its pull cycle, and asks the server to sign a
// token for a blank chip at the counter (the private keys never leave the server). Both go
// over the terminal's mutual-TLS sync connection. Decoders take any text (fuzzed:
// tests/fuzz/card_messages_fuzz.cpp) and never throw; every failure is a ProtocolErrc.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/util/result.h"

namespace rapport::protocol {

inline constexpr std::string_view kTokenKeysPath = "/sync/v1/token-keys";
inline constexpr std::string_view kMemberTokensPath = "/sync/v1/member-tokens";
// A card number and a 10-byte UID fit in 200 bytes; anything far larger is not ours.
inline constexpr std::size_t kMaxMemberTokenRequestBytes = 4 * 1024;

// GET /sync/v1/token-keys, 200: the public keyring terminals verify with.
struct TokenKeysAnswer {
  // The keyring file (card::TokenKeyring's format): the valid keys, active one included.
  std::string keyring;
  // Keys retired on the server (ids only; their public keys are not sent): their cards are
  // refused. For the terminal's log and the cashier's advice.
  std::vector<std::uint8_t> retired;
};

// POST /sync/v1/member-tokens: sign a token for this card, bound to this chip.
struct MemberTokenRequest {
  std::string card_number;  // 16 digits (spaces allowed), as printed on the card
  std::string uid;          // the chip's UID, hex (CardRead::payload of the tap)
};

// 200 answer.
struct MemberTokenAnswer {
  std::string token;  // the token's bytes in hex, to write from the chip's first user page
  std::int64_t member_id = 0;
  std::uint8_t key_id = 0;
};

[[nodiscard]] std::string encode(const TokenKeysAnswer& answer);
// kWrongShape unless {"keyring": string, "retired": [ids 1..255]}.
[[nodiscard]] Result<TokenKeysAnswer> decode_token_keys_answer(std::string_view json);

[[nodiscard]] std::string encode(const MemberTokenRequest& request);
// kWrongShape unless {"card_number": string, "uid": string}; the values are checked by the
// server (card number, UID hex and length).
[[nodiscard]] Result<MemberTokenRequest> decode_member_token_request(std::string_view json);

[[nodiscard]] std::string encode(const MemberTokenAnswer& answer);
// kWrongShape unless {"token": string, "member_id": 1.., "key_id": 1..255}.
[[nodiscard]] Result<MemberTokenAnswer> decode_member_token_answer(std::string_view json);

}  // namespace rapport::protocol
