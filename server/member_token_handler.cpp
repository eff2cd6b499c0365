// server/member_token_handler.cpp
#include "server/member_token_handler.h"

#include <spdlog/spdlog.h>

#include "server/member_tokens.h"
#include "shared/card/card_number.h"
#include "shared/card/token_errc.h"
#include "shared/protocol/card_messages.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/clock.h"
#include "shared/util/hex.h"

namespace rapport::server {
namespace {

net::HttpResponse error_response(unsigned status, std::string_view message) {
  return {status, "application/json", protocol::encode_error(message)};
}

}  // namespace

net::HttpResponse token_keys_response(const MemberTokenService& service) {
  protocol::TokenKeysAnswer answer;
  try {
    answer.keyring = service.keys.public_keyring_text();
    for (const auto& key : service.keys.list()) {
      if (key.status == TokenKeyStatus::kRetired) answer.retired.push_back(key.id);
    }
  } catch (const std::exception& e) {
    spdlog::error("cannot read the token keys: {}", e.what());
    return error_response(503, "could not read the token keys; try again later");
  }
  return {200, "application/json", protocol::encode(answer)};
}

net::HttpResponse issue_token_response(Store& store, const MemberTokenService& service,
                                       const TerminalRecord& terminal,
                                       const net::HttpRequest& request,
                                       std::chrono::system_clock::time_point now) {
  if (request.body.size() > protocol::kMaxMemberTokenRequestBytes) {
    return error_response(413, "member token request too large");
  }
  const auto message = protocol::decode_member_token_request(request.body);
  if (!message) return error_response(400, message.error().message());
  const auto number = card::CardNumber::parse(message->card_number, service.issuer_prefix);
  if (!number) {
    spdlog::warn("terminal {} (store {}) asked for a token for a bad card number: {}", terminal.id,
                 terminal.store_id, number.error().message());
    return error_response(400, "not a card number of this chain: " + number.error().message());
  }
  const auto uid = from_hex(message->uid);
  if (!uid || (uid->size() != 4 && uid->size() != 7 && uid->size() != 10)) {
    return error_response(400, "the chip UID must be 4, 7 or 10 bytes in hex");
  }
  const auto member = store.find_member_by_card(service.card_key.token_for(*number));
  if (!member) {
    spdlog::error("terminal {}: card lookup for a token failed: {}", terminal.id,
                  member.error().message());
    return error_response(503, "could not look the card up; try again later");
  }
  if (!*member) {
    spdlog::warn("terminal {} (store {}) asked for a token for card ending {}: no member holds it",
                 terminal.id, terminal.store_id, number->last4());
    return error_response(404, "no member holds this card; enroll the member first");
  }
  MemberTokenRequest claims{(*member)->id, *number, *uid,
                            std::chrono::floor<std::chrono::days>(now)};
  Result<IssuedMemberToken> issued = card::TokenErrc::kNoSigningKey;
  try {
    issued = issue_member_token(store, service.card_key, service.keys, claims);
  } catch (const std::exception& e) {
    spdlog::error("cannot read the token keys: {}", e.what());
    return error_response(503, "could not read the token keys; try again later");
  }
  if (!issued) {
    spdlog::warn("terminal {} (store {}) asked for a token for card ending {} of member {}: {}",
                 terminal.id, terminal.store_id, number->last4(), (*member)->id,
                 issued.error().message());
    if (issued.error() == card::TokenErrc::kCardBlocked) {
      return error_response(409, "this card is blocked (lost or replaced); use the member's "
                                 "current card");
    }
    if (issued.error() == card::TokenErrc::kNotMembersCard) {
      return error_response(404, "no member holds this card; enroll the member first");
    }
    if (issued.error() == card::TokenErrc::kBadClaims) {
      return error_response(400, issued.error().message());
    }
    if (issued.error() == card::TokenErrc::kNoSigningKey) {
      return error_response(503, "the server has no token signing key yet (rapportctl card-keys "
                                 "new)");
    }
    return error_response(503, "could not sign the token now; try again later");
  }
  // The record of who asked: which terminal and store, for which card and chip, which key.
  // No record, no token: a token handed out must be accounted for.
  const MemberTokenIssue record{service.card_key.token_for(*number), (*member)->id,
                                to_hex(*uid),                       issued->key_id,
                                terminal.id,                        terminal.store_id,
                                to_iso8601(now)};
  if (auto recorded = store.record_member_token_issue(record); !recorded) {
    spdlog::error("terminal {}: cannot record a member token: {}", terminal.id,
                  recorded.error().message());
    return error_response(503, "could not record the token now; try again later");
  }
  spdlog::info("member token issued to terminal {} (store {}) for card ending {} of member {}, "
               "chip {}, key {}",
               terminal.id, terminal.store_id, number->last4(), (*member)->id, record.chip_uid,
               int{issued->key_id});
  const protocol::MemberTokenAnswer answer{to_hex(issued->bytes), (*member)->id, issued->key_id};
  return {200, "application/json", protocol::encode(answer)};
}

}  // namespace rapport::server
