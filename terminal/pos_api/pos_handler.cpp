// terminal/pos_api/pos_handler.cpp
#include "terminal/pos_api/pos_handler.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>
#include <span>

#include "shared/crypto/digest.h"
#include "shared/protocol/protocol_errc.h"
#include "shared/util/clock.h"
#include "terminal/pos_api/pos_request.h"
#include "terminal/pos_api/pos_routes.h"

namespace rapport::terminal::pos {
namespace json = boost::json;
namespace {

std::array<std::uint8_t, 32> digest_of(std::string_view text) {
  return crypto::sha256(
      std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

net::HttpResponse answer(unsigned status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

net::HttpResponse refuse(unsigned status, std::string error, std::string message,
                         std::string what_to_do) {
  return answer(status, error_json({status, std::move(error), std::move(message),
                                    std::move(what_to_do)}));
}

net::HttpResponse refuse(const ApiError& e) { return answer(e.status, error_json(e)); }

// A card read the counter would not accept: what scan() said, as an API error.
net::HttpResponse refuse_scan(const ScanResult& r) {
  switch (r.outcome) {
    case ScanOutcome::kBlockedCard:
      return refuse(409, "card_blocked", r.message,
                    "do not accept this card; ask for the member's current card");
    case ScanOutcome::kBadRead:
      return refuse(422, "bad_card_read", r.message,
                    "read the card again, or send the number printed on it");
    case ScanOutcome::kRefusedToken:
      return refuse(422, "card_refused", r.message,
                    "do not accept this card; ask for the member's current card");
    default:
      return refuse(503, "not_recorded", r.message,
                    "nothing was recorded: retry with the same Idempotency-Key");
  }
}

json::object member_json(const CardHolder& h) {
  json::object m;
  m["id"] = h.member.id;
  m["name"] = h.member.name;
  m["card_last4"] = h.card.last4;
  m["visit_count"] = h.member.visit_count;
  if (h.member.reward_tier) m["reward_tier"] = *h.member.reward_tier;
  if (h.member.points_balance) m["points_balance"] = *h.member.points_balance;
  return m;
}

std::string identify_json(const ScanResult& r) {
  json::object o;
  o["outcome"] = r.outcome == ScanOutcome::kMember ? "member" : "unknown_card";
  o["message"] = r.message;
  if (r.event_id) o["event_id"] = *r.event_id;
  if (r.holder && r.outcome == ScanOutcome::kMember) {
    o["member"] = member_json(*r.holder);
    o["visit_number"] = r.visit_number;
    if (r.last_visit) o["last_visit"] = *r.last_visit;
  } else {
    o["member"] = nullptr;
  }
  return json::serialize(o);
}

std::string sale_json(const RecordedSale& s) {
  json::object o;
  o["event_id"] = s.event_id;
  o["kind"] = std::string(domain::to_string(s.kind));
  o["member_id"] = s.holder.member.id;
  o["card_last4"] = s.holder.card.last4;
  o["occurred_at"] = s.occurred_at;
  boost::system::error_code ec;
  auto payload = json::parse(s.payload, ec);
  if (!ec) o["payload"] = std::move(payload);
  return json::serialize(o);
}

net::HttpResponse refuse_sale(const ErrorCode& e) {
  if (e.category() == sales_category()) {
    switch (static_cast<SalesErrc>(e.value())) {
      case SalesErrc::kNoCustomer:
        return refuse(400, "missing_customer", e.message(), "send card_read or member_id");
      case SalesErrc::kUnknownCard:
        return refuse(404, "unknown_card", e.message(),
                      "enroll the card on the cashier screen, then send the sale again");
      case SalesErrc::kUnknownMember:
        return refuse(404, "unknown_member", e.message(),
                      "identify the member's card first and use the member_id it answers");
      case SalesErrc::kBlockedCard:
        return refuse(409, "card_blocked", e.message(),
                      "do not accept this card; ask for the member's current card");
      case SalesErrc::kNoActiveCard:
        return refuse(409, "no_active_card", e.message(),
                      "link a new card to the member on the cashier screen");
    }
  }
  if (e == protocol::ProtocolErrc::kBadPayload || e == protocol::ProtocolErrc::kBadAmount) {
    return refuse(422, "invalid_sale", e.message(),
                  "check the values: 1-200 lines; product and category 1-200 characters; "
                  "quantity 1-1000000; amount_cents 0-100000000000; margin_cents at most the "
                  "amount; purchase_id an event id; a refund's amount_cents above 0");
  }
  spdlog::error("pos api: sale not recorded: {}", e.message());
  return refuse(503, "not_recorded", "the sale was not recorded (" + e.message() + ")",
                "nothing was recorded: retry with the same Idempotency-Key");
}

// A redemption the rewards desk refused, as an API error (terminal/redemption_errc.h).
net::HttpResponse refuse_redemption(const ErrorCode& e) {
  if (e.category() == redemption_category()) {
    switch (static_cast<RedemptionErrc>(e.value())) {
      case RedemptionErrc::kUnknownCard:
        return refuse(404, "unknown_card", e.message(),
                      "enroll the card on the cashier screen; an unknown card has no points");
      case RedemptionErrc::kBlockedCard:
        return refuse(409, "card_blocked", e.message(),
                      "do not accept this card; ask for the member's current card");
      case RedemptionErrc::kNoSuchOffer:
        return refuse(404, "unknown_offer",
                      "the offer is not one of the member's current offers (unknown, expired "
                      "or already used)",
                      "GET /pos/v1/members/{member_id} lists the member's offers; redeem one "
                      "of those");
      case RedemptionErrc::kNotEnoughPoints:
        return refuse(409, "not_enough_points", e.message(),
                      "redeem fewer points or a cheaper offer; points_balance in "
                      "GET /pos/v1/members/{member_id} is what the terminal knows");
      case RedemptionErrc::kOfflineLimit:
        return refuse(409, "offline_limit", e.message(),
                      "the server could not be asked: redeem at most the chain's offline "
                      "limit today, or retry once the terminal is online");
      case RedemptionErrc::kBadRequest:
        return refuse(422, "invalid_redemption", e.message(),
                      "send points above 0 and a reward name, or an offer_id");
      default:
        break;
    }
  }
  spdlog::error("pos api: redemption not recorded: {}", e.message());
  return refuse(503, "not_recorded", "the redemption was not recorded (" + e.message() + ")",
                "nothing was recorded: retry with the same Idempotency-Key");
}

std::string redemption_json(const RedeemReceipt& r) {
  json::object o;
  o["event_id"] = r.event_id;
  o["kind"] = r.points == 0 ? "offer_accepted" : "redemption";
  o["member_id"] = r.member_id;
  o["card_last4"] = r.card_last4;
  o["occurred_at"] = r.occurred_at;
  if (r.offer_id) {
    o["offer_id"] = *r.offer_id;
  } else {
    o["offer_id"] = nullptr;
  }
  o["points"] = r.points;
  o["balance_after"] = r.balance_after;
  o["checked_online"] = r.checked_online;
  o["message"] = r.message;
  return json::serialize(o);
}

// `target` without its query; and whether `path` matches a route's pattern.
std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool matches(std::string_view pattern, std::string_view path, std::string_view* parameter) {
  const auto brace = pattern.find('{');
  if (brace == std::string_view::npos) return pattern == path;
  const auto prefix = pattern.substr(0, brace);
  if (!path.starts_with(prefix) || path.size() == prefix.size()) return false;
  const auto rest = path.substr(prefix.size());
  if (rest.find('/') != std::string_view::npos) return false;
  *parameter = rest;
  return true;
}

}  // namespace

PosHandler::PosHandler(std::string api_key, Counter& counter, Sales& sales,
                       RewardsDesk& rewards, storage::Database& db,
                       std::function<void()> recorded)
    : key_digest_(digest_of(api_key)),
      counter_(counter),
      sales_(sales),
      rewards_(rewards),
      answers_(db),
      local_(db),
      audit_(db),
      recorded_(std::move(recorded)) {}

bool PosHandler::authorised(const net::HttpRequest& request) const {
  const std::string_view header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer)) return false;
  // Both sides hashed first: equal lengths, and the time does not tell how much matched.
  const auto presented = digest_of(header.substr(kBearer.size()));
  return crypto::constant_time_equal(presented, key_digest_);
}

net::HttpResponse PosHandler::handle(const net::HttpRequest& request) {
  if (!authorised(request)) {
    auto r = refuse(401, "unauthorised", "missing or wrong API key",
                    "send the header 'Authorization: Bearer <key>' with the key in the file "
                    "terminal.toml [pos_api] api_key_file names");
    r.headers.push_back({"WWW-Authenticate", "Bearer"});
    return r;
  }
  const std::string_view path = path_of(request.target);
  const Route* route = nullptr;
  bool path_known = false;
  std::string_view parameter;
  for (const auto& candidate : kRoutes) {
    if (!matches(candidate.path, path, &parameter)) continue;
    path_known = true;
    if (candidate.method == request.method) route = &candidate;
  }
  if (route == nullptr) {
    if (path_known) {
      return refuse(405, "method_not_allowed", "this path does not take " + request.method,
                    "see docs/pos-api.openapi.yaml");
    }
    return refuse(404, "not_found", "no such endpoint", "see docs/pos-api.openapi.yaml");
  }
  if (request.body.size() > kMaxPosBody) {
    return refuse(413, "body_too_large",
                  "the body is " + std::to_string(request.body.size()) + " bytes; at most " +
                      std::to_string(kMaxPosBody) + " are accepted",
                  "send at most 200 sale lines with short texts");
  }
  if (route->id == RouteId::kMember) return member(parameter);

  const std::string key(request.header("idempotency-key"));
  if (!is_valid_idempotency_key(key)) {
    return refuse(400, key.empty() ? "missing_idempotency_key" : "bad_idempotency_key",
                  key.empty() ? "this request changes data and needs an Idempotency-Key header"
                              : "the Idempotency-Key must be 1 to 128 visible ASCII characters",
                  "send a new unique key (e.g. a UUID) per sale, and the same key when retrying it");
  }
  const std::string fingerprint = request_fingerprint(request.method, path, request.body);
  const auto earlier = answers_.find(key);
  if (!earlier) {
    return refuse(503, "not_recorded", "cannot read the idempotency keys (" +
                  earlier.error().message() + ")", "retry with the same Idempotency-Key");
  }
  if (*earlier) {
    if ((*earlier)->fingerprint != fingerprint) {
      return refuse(422, "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request (another body or "
                    "endpoint); nothing was recorded",
                    "use a new key for a new request; repeat a retry byte for byte");
    }
    auto replay = answer((*earlier)->status, (*earlier)->body);
    replay.headers.push_back({"Idempotent-Replayed", "true"});
    return replay;
  }
  if (route->id == RouteId::kIdentify) return identify(request, key, fingerprint);
  if (route->id == RouteId::kRedemption) return redeem(request, key, fingerprint);
  return sale(request, route->id, key, fingerprint);
}

net::HttpResponse PosHandler::identify(const net::HttpRequest& request, const std::string& key,
                                       const std::string& fingerprint) {
  auto parsed = parse_identify(request.body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return refuse(*e);
  const auto now = std::chrono::system_clock::now();
  std::string body;
  const auto result = counter_.scan(
      std::get<IdentifyRequest>(parsed).card_read, now, [&](const ScanResult& r) {
        body = identify_json(r);
        return answers_.remember(key, {fingerprint, 200, body}, *r.event_id, to_iso8601(now));
      });
  if (!result.event_id) return refuse_scan(result);
  if (recorded_) recorded_();
  return answer(200, body);
}

net::HttpResponse PosHandler::member(std::string_view id_text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc{} || end != id_text.data() + id_text.size() || id <= 0) {
    return refuse(400, "bad_field", "the member id in the path must be a positive integer",
                  "use the member.id an identify answered");
  }
  const auto holder = sales_.holder_of_member(id);
  if (!holder) return refuse_sale(holder.error());
  json::object o;
  o["member"] = member_json(*holder);
  // What POST /pos/v1/redemptions accepts as offer_id, best first.
  const auto offers = rewards_.offers(holder->card.token);
  if (!offers) return refuse_redemption(offers.error());
  json::array list;
  for (const auto& offer : *offers) {
    list.push_back(json::object{
        {"id", offer.id}, {"name", offer.name}, {"kind", offer.kind}, {"points", offer.points}});
  }
  o["offers"] = std::move(list);
  return answer(200, json::serialize(o));
}

net::HttpResponse PosHandler::sale(const net::HttpRequest& request, RouteId route,
                                   const std::string& key, const std::string& fingerprint) {
  Customer customer;
  SaleAction action;
  std::optional<std::string> staff;
  switch (route) {
    case RouteId::kPurchase: {
      auto parsed = parse_purchase(request.body);
      if (auto* e = std::get_if<ApiError>(&parsed)) return refuse(*e);
      auto& r = std::get<PurchaseRequest>(parsed);
      customer = std::move(r.customer);
      action = std::move(r.purchase);
      staff = std::move(r.staff);
      break;
    }
    case RouteId::kRefund: {
      auto parsed = parse_refund(request.body);
      if (auto* e = std::get_if<ApiError>(&parsed)) return refuse(*e);
      auto& r = std::get<RefundRequest>(parsed);
      customer = std::move(r.customer);
      action = std::move(r.refund);
      staff = std::move(r.staff);
      break;
    }
    default: {
      auto parsed = parse_void(request.body);
      if (auto* e = std::get_if<ApiError>(&parsed)) return refuse(*e);
      auto& r = std::get<VoidRequest>(parsed);
      customer = std::move(r.customer);
      action = std::move(r.void_sale);
      staff = std::move(r.staff);
      break;
    }
  }
  SaleCustomer who;
  who.member_id = customer.member_id;
  if (customer.card_read) {
    auto read = counter_.read_card(*customer.card_read);
    if (auto* refused = std::get_if<ScanResult>(&read)) return refuse_scan(*refused);
    auto& card = std::get<ReadCard>(read);
    if (!card.holder) {
      return refuse(404, "unknown_card",
                    "the card ending " + card.last4 + " is not known to this store",
                    "enroll the card on the cashier screen, then send the sale again");
    }
    who.card_token = card.token;
  }
  const auto now = std::chrono::system_clock::now();
  std::string body;
  const auto recorded =
      sales_.record(who, std::move(action), std::nullopt, now,
                    [&](const RecordedSale& s) -> Result<void> {
        body = sale_json(s);
        // The screen's refund list holds the POS's sales too, and what the POS refunded.
        RAPPORT_TRY_VOID(local_.keep(s));
        // The POS's operator, with the event, as the screen's audit names its cashier.
        if (staff) {
          RAPPORT_TRY_VOID(audit_.record_pos(*staff, domain::to_string(s.kind), s.event_id, now));
        }
        return answers_.remember(key, {fingerprint, 201, body}, s.event_id, s.occurred_at);
      });
  if (!recorded) return refuse_sale(recorded.error());
  if (recorded_) recorded_();
  return answer(201, body);
}

net::HttpResponse PosHandler::redeem(const net::HttpRequest& request, const std::string& key,
                                     const std::string& fingerprint) {
  auto parsed = parse_redemption(request.body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return refuse(*e);
  auto& r = std::get<RedemptionRequest>(parsed);
  // The card the redemption goes on: the one read, or the member's first active card.
  std::string card_token;
  if (r.customer.card_read) {
    auto read = counter_.read_card(*r.customer.card_read);
    if (auto* refused = std::get_if<ScanResult>(&read)) return refuse_scan(*refused);
    card_token = std::get<ReadCard>(read).token;
  } else {
    const auto holder = sales_.holder_of_member(*r.customer.member_id);
    if (!holder) return refuse_sale(holder.error());
    card_token = holder->card.token;
  }
  RedeemRequest what;
  what.offer_id = std::move(r.offer_id);
  what.points = r.points;
  what.reward = std::move(r.reward);
  what.purchase_id = std::move(r.purchase_id);
  std::string body;
  const auto now = std::chrono::system_clock::now();
  const auto redeemed =
      rewards_.redeem(card_token, what, now, [&](const RedeemReceipt& receipt) -> Result<void> {
        body = redemption_json(receipt);
        if (r.staff) {
          RAPPORT_TRY_VOID(audit_.record_pos(*r.staff, "redeem", receipt.event_id, now));
        }
        return answers_.remember(key, {fingerprint, 201, body}, receipt.event_id,
                                 receipt.occurred_at);
      });
  if (!redeemed) return refuse_redemption(redeemed.error());
  if (recorded_) recorded_();
  return answer(201, body);
}

}  // namespace rapport::terminal::pos
