// server/sync_handler.h
//
// The terminal sync endpoint as a pure function of the request and the store: no sockets,
// no threads. The HTTPS session (shared/net) only moves bytes to and from here.
// Protocol: docs/protocol.md.

#pragma once

#include "server/member_token_handler.h"
#include "server/server_config.h"
#include "server/storage/store.h"
#include "server/terminal_offers.h"
#include "shared/net/https.h"

namespace rapport::server {

// Answers one /sync/v1/ request from the terminal named by the client certificate:
//   POST /sync/v1/events             store the batch once, then acknowledge every id (200)
//   GET  /sync/v1/changes?since=C    members the store needs changed after cursor C (200)
//   GET  /sync/v1/cards/TOKEN        the member holding a card (200) or 404
//   GET  /sync/v1/members/ID/balance the member's points balance now (200) or 404
//   GET  /sync/v1/health             {"status":"ok"} (200)
//   GET  /sync/v1/token-keys         the public token keyring (member_token_handler.h)
//   POST /sync/v1/member-tokens      a signed token for a blank chip (member_token_handler.h)
// 400 for a malformed message, 403 for an unknown or revoked terminal or a superseded
// certificate, 404/405 for the wrong path or method, 503 when storage failed (nothing
// acknowledged: send again later). Without `tokens` the two member-token paths answer 404.
// With `offers` (a server with rewards rules) every member sent carries its current offers
// for the terminal's store and each changes page the chain's counter limits.
// With `tokens` (its card key) a member with a phone carries its keyed digest (phone_digest,
// docs/cards.md "Phone digests"); the number itself is never sent.
[[nodiscard]] net::HttpResponse handle_sync_request(Store& store, const SyncPolicy& policy,
                                                    const net::HttpRequest& request,
                                                    const MemberTokenService* tokens = nullptr,
                                                    TerminalOffers* offers = nullptr);

}  // namespace rapport::server
