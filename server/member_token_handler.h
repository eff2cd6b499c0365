// server/member_token_handler.h
//
// The sync endpoints for signed member tokens (docs/protocol.md, "Member tokens"), as pure
// functions of the request, the store and the chain's token keys: no sockets. They run behind
// handle_sync_request(), which has already checked the terminal's certificate (registered,
// not revoked, current serial), so every call knows which terminal and store is asking.
//
// Thread-safety: as the Store (one thread at a time); CardTokenKeys only reads files here.

#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "server/card_token_keys.h"
#include "server/storage/store.h"
#include "shared/card/card_key.h"
#include "shared/net/https.h"

namespace rapport::server {

// What the sync listener needs to hand out keyrings and sign tokens; loaded at start-up.
struct MemberTokenService {
  card::CardKey card_key;     // to find the card's member by its token
  CardTokenKeys keys;         // <data>/token-keys: read afresh on every request, so a key
                              // made or retired by rapportctl is served without a restart
  std::string issuer_prefix;  // the chain's card prefix
};

// GET /sync/v1/token-keys: 200 {keyring, retired} — the public keys of the valid keys (never a
// private key) and the ids of retired ones. 503 when the key folder cannot be read.
[[nodiscard]] net::HttpResponse token_keys_response(const MemberTokenService& service);

// POST /sync/v1/member-tokens {card_number, uid}: signs a token for a blank chip at the
// counter of `terminal`. 200 {token, member_id, key_id}; 400 malformed body, a card number
// that is not this chain's or fails its check digit, a UID that is not 4, 7 or 10 bytes of
// hex; 404 no member holds the card (enroll the member first); 409 the card is blocked;
// 503 no signing key yet or storage failed. Every token handed out is recorded first
// (Store::record_member_token_issue: terminal, store, card, member, chip, key, time) and
// every refusal logged with the terminal, store and card's last four digits.
[[nodiscard]] net::HttpResponse issue_token_response(Store& store,
                                                     const MemberTokenService& service,
                                                     const TerminalRecord& terminal,
                                                     const net::HttpRequest& request,
                                                     std::chrono::system_clock::time_point now);

}  // namespace rapport::server
