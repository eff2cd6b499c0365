// server/member_tokens.h
//
// Issuing a signed member token (docs/cards.md) for one of a member's cards: the one place
// that decides a token may be signed — the card is that member's and not blocked — and signs
// it with the chain's active key. `rapportctl card token` calls it; so will the enrollment
// endpoint that hands a terminal the token to write to a blank chip.
//
// Thread-safety: as the Store passed in (one thread at a time for the SQLite store).

#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "server/card_token_keys.h"
#include "server/storage/store.h"
#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/util/result.h"

namespace rapport::server {

struct MemberTokenRequest {
  std::int64_t member_id = 0;
  card::CardNumber number;
  std::vector<std::uint8_t> uid;  // the chip's UID to bind to; empty for a QR card
  std::chrono::sys_days issued;
};

struct IssuedMemberToken {
  std::uint8_t key_id = 0;
  std::vector<std::uint8_t> bytes;  // card::member_token_text() for the QR form
};

// Errors: TokenErrc::kNotMembersCard (no such member, or the card is not theirs),
// kCardBlocked, kNoSigningKey (make one: rapportctl card-keys new), kBadClaims (member id
// over 2^32-1, UID not 4, 7 or 10 bytes); the Store's errors. Throws std::runtime_error when
// the key folder cannot be read (CardTokenKeys::active_key).
[[nodiscard]] Result<IssuedMemberToken> issue_member_token(Store& store,
                                                           const card::CardKey& card_key,
                                                           const CardTokenKeys& keys,
                                                           const MemberTokenRequest& request);

}  // namespace rapport::server
