// server/sync_handler.cpp
#include "server/sync_handler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "shared/card/phone_number.h"
#include "shared/protocol/card_messages.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

net::HttpResponse error_response(unsigned status, std::string_view message) {
  return {status, "application/json", protocol::encode_error(message)};
}

net::HttpResponse push_events(Store& store, const TerminalRecord& terminal,
                              const net::HttpRequest& request) {
  auto decoded = protocol::decode_push_events_request(request.body);
  if (!decoded) {
    spdlog::warn("terminal {}: refused a batch: {}", terminal.id, decoded.error().message());
    return error_response(400, decoded.error().message());
  }
  // Who sent it is what the certificate says, whatever the body claims.
  for (auto& event : decoded->events) {
    event.terminal_id = terminal.id;
    event.store_id = terminal.store_id;
  }
  const auto stored = store.record_events(decoded->events);
  if (!stored) {
    spdlog::error("terminal {}: could not store {} events: {}", terminal.id, decoded->events.size(),
                  stored.error().message());
    return error_response(503, "could not store the events; send them again later");
  }
  protocol::PushEventsResponse response;
  response.acknowledged.reserve(decoded->events.size());
  for (const auto& event : decoded->events) response.acknowledged.push_back(event.id);
  spdlog::info("terminal {}: stored {} new of {} events", terminal.id, *stored,
               decoded->events.size());
  return {200, "application/json", protocol::encode(response)};
}

// The value of `name` in the query string of `target`, or nullopt.
std::optional<std::string_view> query_value(std::string_view target, std::string_view name) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// The member's offers for the terminal's store; without them when they cannot be chosen
// (logged): recognition matters more than offers.
void add_offers(TerminalOffers* offers, const TerminalRecord& terminal, domain::Member& member,
                std::chrono::system_clock::time_point now) {
  if (offers == nullptr) return;
  auto chosen = offers->for_member(member.id, terminal.store_id, now);
  if (!chosen) {
    spdlog::error("terminal {}: could not choose offers for member {}: {}", terminal.id,
                  member.id, chosen.error().message());
    return;
  }
  member.offers = std::move(*chosen);
}

// The member's phone as terminals receive it: its keyed digest (docs/cards.md, "Phone
// digests"), with the chain's card key; the number itself never leaves the server. No digest
// without the key (tokens), or for a phone that does not normalise.
void digest_phone(const MemberTokenService* tokens, const SyncPolicy& policy,
                  domain::Member& member) {
  if (tokens != nullptr && member.phone) {
    if (const auto normalised = card::normalise_phone(*member.phone, policy.phone_country_code)) {
      member.phone_digest = tokens->card_key.phone_digest(*normalised);
    }
  }
  member.phone.reset();
}

net::HttpResponse changes(Store& store, const SyncPolicy& policy, const TerminalRecord& terminal,
                          const net::HttpRequest& request, TerminalOffers* offers,
                          const MemberTokenService* tokens) {
  // Cursors are digits and one dot: nothing in them needs percent-decoding.
  const auto cursor = protocol::decode_cursor(query_value(request.target, "since").value_or(""));
  if (!cursor) return error_response(400, cursor.error().message());
  const auto now = std::chrono::system_clock::now();
  const ChangeScope scope{terminal.store_id, to_iso8601(now - policy.seen_in_store),
                          to_iso8601(now - policy.seen_in_chain)};
  auto page = store.member_changes(scope, cursor->sequence, cursor->member_id,
                                   protocol::kMaxMembersPerPage);
  if (!page) {
    spdlog::error("terminal {}: could not read changes: {}", terminal.id, page.error().message());
    return error_response(503, "could not read changes; try again later");
  }
  for (auto& member : page->members) {
    add_offers(offers, terminal, member, now);
    digest_phone(tokens, policy, member);
  }
  protocol::ChangesPage answer{terminal.store_id, std::move(page->members),
                               protocol::encode_cursor({page->last_sequence, page->last_member_id}),
                               page->more};
  answer.removed = std::move(page->removed);  // erased members (docs/members-rights.md)
  if (offers != nullptr) {
    answer.limits = protocol::CounterLimits{offers->rules().offline_redemption_points_per_day,
                                            offers->rules().gesture_points_per_cashier_per_day};
  }
  return {200, "application/json", protocol::encode(answer)};
}

net::HttpResponse card_lookup(Store& store, const SyncPolicy& policy,
                              const TerminalRecord& terminal, std::string_view token,
                              TerminalOffers* offers, const MemberTokenService* tokens) {
  if (token.size() != 64 || !std::all_of(token.begin(), token.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return error_response(400, "card token is not 64 hex digits");
  }
  auto member = store.find_member_by_card(std::string(token));
  if (!member) {
    spdlog::error("terminal {}: card lookup failed: {}", terminal.id, member.error().message());
    return error_response(503, "could not look the card up; try again later");
  }
  if (!*member) return error_response(404, "no member holds this card");
  add_offers(offers, terminal, **member, std::chrono::system_clock::now());
  digest_phone(tokens, policy, **member);
  return {200, "application/json", protocol::encode(**member)};
}

// GET /sync/v1/members/ID/balance: what a redemption at the counter is checked against.
net::HttpResponse member_balance(Store& store, const TerminalRecord& terminal,
                                 std::string_view rest) {
  const auto slash = rest.find('/');
  const std::string_view id_text = rest.substr(0, slash);
  if (slash == std::string_view::npos || rest.substr(slash) != protocol::kBalanceSuffix) {
    return error_response(404, "no such endpoint");
  }
  std::int64_t member_id = 0;
  const auto [end, ec] =
      std::from_chars(id_text.data(), id_text.data() + id_text.size(), member_id);
  if (id_text.empty() || ec != std::errc{} || end != id_text.data() + id_text.size() ||
      member_id <= 0) {
    return error_response(400, "member id is not a positive number");
  }
  const auto balance = store.points_balance(member_id);
  if (!balance) {
    spdlog::error("terminal {}: balance of member {} unreadable: {}", terminal.id, member_id,
                  balance.error().message());
    return error_response(503, "could not read the balance; try again later");
  }
  if (!*balance) return error_response(404, "no such member");
  return {200, "application/json", protocol::encode(protocol::BalanceAnswer{member_id, **balance})};
}

}  // namespace

net::HttpResponse handle_sync_request(Store& store, const SyncPolicy& policy,
                                      const net::HttpRequest& request,
                                      const MemberTokenService* tokens, TerminalOffers* offers) {
  const std::string_view path =
      std::string_view(request.target)
          .substr(0, std::min(request.target.size(), request.target.find('?')));
  if (path == "/sync/v1/health") {
    if (request.method != "GET") return error_response(405, "use GET");
    return {200, "application/json", R"({"status":"ok"})"};
  }
  const bool is_events = path == protocol::kPushEventsPath;
  const bool is_changes = path == protocol::kChangesPath;
  const bool is_card = path.starts_with(protocol::kCardsPath);
  const bool is_member = path.starts_with(protocol::kMembersPath);
  const bool is_token_keys = tokens != nullptr && path == protocol::kTokenKeysPath;
  const bool is_member_token = tokens != nullptr && path == protocol::kMemberTokensPath;
  if (!is_events && !is_changes && !is_card && !is_member && !is_token_keys && !is_member_token) {
    return error_response(404, "no such endpoint");
  }

  auto terminal = store.find_terminal(request.peer_common_name);
  if (!terminal) return error_response(503, "could not check the terminal; try again later");
  if (!*terminal || (*terminal)->revoked) {
    spdlog::warn("refused {} from {}: terminal '{}' is not registered or revoked", path,
                 request.remote_address, request.peer_common_name);
    return error_response(403, "terminal is not registered or has been revoked");
  }
  // Issuing a terminal again replaces its certificate: the old one (a stolen or retired
  // machine) is shut out even though the CA signed it.
  if ((*terminal)->certificate_serial != request.peer_certificate_serial) {
    spdlog::warn("refused {} from {}: terminal '{}' presented certificate {}, current is {}", path,
                 request.remote_address, request.peer_common_name, request.peer_certificate_serial,
                 (*terminal)->certificate_serial);
    return error_response(403,
                          "this terminal certificate has been replaced; install the "
                          "current bundle from `rapportctl terminal issue`");
  }
  if (is_events) {
    if (request.method != "POST") return error_response(405, "use POST");
    return push_events(store, **terminal, request);
  }
  if (is_member_token) {
    if (request.method != "POST") return error_response(405, "use POST");
    return issue_token_response(store, *tokens, **terminal, request,
                                std::chrono::system_clock::now());
  }
  if (request.method != "GET") return error_response(405, "use GET");
  if (is_token_keys) return token_keys_response(*tokens);
  if (is_card) {
    return card_lookup(store, policy, **terminal, path.substr(protocol::kCardsPath.size()), offers,
                       tokens);
  }
  if (is_member) return member_balance(store, **terminal, path.substr(protocol::kMembersPath.size()));
  return changes(store, policy, **terminal, request, offers, tokens);
}

}  // namespace rapport::server
