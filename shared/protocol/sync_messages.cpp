// shared/protocol/sync_messages.cpp
//
// JSON encoding of the sync messages with Boost.JSON. Decoders never throw: every missing
// field or wrong type becomes a ProtocolErrc (docs/protocol.md lists the fields).

#include "shared/protocol/sync_messages.h"

#include <charconv>

#include "shared/domain/event_id.h"
#include "shared/protocol/detail/json_fields.h"
#include "shared/protocol/detail/payload_check.h"
#include "shared/util/clock.h"

namespace rapport::protocol {
namespace {

using detail::array_field;
using detail::int_field;
using detail::is_card_token;
namespace json = boost::json;
using detail::optional_string_field;
using detail::parse_json;
using detail::string_field;

const json::object* as_object(const json::value& v) { return v.if_object(); }

json::value optional_value(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::object event_to_json(const domain::Event& e) {
  json::object o;
  o["id"] = e.id;
  o["kind"] = domain::to_string(e.kind);
  o["card_token"] = e.card_token;
  o["member_id"] = e.member_id ? json::value(*e.member_id) : json::value(nullptr);
  o["occurred_at"] = e.occurred_at;
  // A visit's empty payload is left out: what terminals of the skeleton sent stays valid.
  if (e.payload != "{}") {
    boost::system::error_code ec;
    json::value payload = json::parse(e.payload, ec);
    // An unparsable payload is sent as a string: the server refuses that event alone.
    o["payload"] = ec ? json::value(e.payload) : std::move(payload);
  }
  return o;
}

Result<domain::Event> event_from_json(const json::value& v) {
  const auto* o = as_object(v);
  if (o == nullptr) return ProtocolErrc::kWrongShape;
  domain::Event event;
  RAPPORT_TRY(auto id, string_field(*o, "id"));
  if (!domain::is_valid_event_id(id)) return ProtocolErrc::kBadEventId;
  event.id = std::move(id);
  RAPPORT_TRY(auto kind, string_field(*o, "kind"));
  const auto parsed_kind = domain::event_kind_from_string(kind);
  if (!parsed_kind) return ProtocolErrc::kUnknownEventKind;
  event.kind = *parsed_kind;
  RAPPORT_TRY(auto token, string_field(*o, "card_token"));
  if (!is_card_token(token)) return ProtocolErrc::kBadCardToken;
  event.card_token = std::move(token);
  if (const auto* m = o->if_contains("member_id"); m != nullptr && !m->is_null()) {
    if (!m->is_int64()) return ProtocolErrc::kWrongShape;
    event.member_id = m->get_int64();
  }
  RAPPORT_TRY(auto occurred, string_field(*o, "occurred_at"));
  if (!from_iso8601(occurred)) return ProtocolErrc::kBadTimestamp;
  event.occurred_at = std::move(occurred);
  static const json::object kEmpty;
  const json::object* payload = &kEmpty;
  if (const auto* p = o->if_contains("payload"); p != nullptr) {
    payload = p->if_object();
    if (payload == nullptr) return ProtocolErrc::kBadPayload;
  }
  RAPPORT_TRY_VOID(detail::check_payload_object(event.kind, *payload));
  event.payload = json::serialize(*payload);
  return event;
}

std::string_view card_status_name(domain::CardStatus status) {
  return status == domain::CardStatus::kBlocked ? "blocked" : "active";
}

json::array offers_to_json(const std::vector<domain::MemberOffer>& offers) {
  json::array out;
  for (const auto& offer : offers) {
    out.emplace_back(json::object{{"id", offer.id},
                                  {"name", offer.name},
                                  {"kind", offer.kind},
                                  {"points", offer.points}});
  }
  return out;
}

// Offers came with the terminal side of the rewards issue: absent means none.
Result<std::vector<domain::MemberOffer>> offers_from_json(const json::object& o) {
  std::vector<domain::MemberOffer> offers;
  const auto* list = o.if_contains("offers");
  if (list == nullptr || list->is_null()) return offers;
  if (!list->is_array() || list->get_array().size() > kMaxOffersPerMember) {
    return ProtocolErrc::kWrongShape;
  }
  for (const auto& v : list->get_array()) {
    const auto* item = as_object(v);
    if (item == nullptr) return ProtocolErrc::kWrongShape;
    domain::MemberOffer offer;
    RAPPORT_TRY(offer.id, string_field(*item, "id"));
    RAPPORT_TRY(offer.name, string_field(*item, "name"));
    RAPPORT_TRY(offer.kind, string_field(*item, "kind"));
    RAPPORT_TRY(offer.points, int_field(*item, "points"));
    if (offer.id.empty() || offer.points < 0) return ProtocolErrc::kWrongShape;
    offers.push_back(std::move(offer));
  }
  return offers;
}

json::array notes_to_json(const std::vector<domain::MemberNote>& notes) {
  json::array out;
  for (const auto& note : notes) {
    out.emplace_back(json::object{{"id", note.event_id},
                                  {"topic", note.topic},
                                  {"text", note.text},
                                  {"noted_at", note.noted_at},
                                  {"store", note.store_id}});
  }
  return out;
}

// Notes came with the notes-at-every-counter part of the rewards issue: absent means none.
// A few more than the server sends are accepted, so it may send more later.
constexpr std::size_t kMaxNotesDecoded = 10;
Result<std::vector<domain::MemberNote>> notes_from_json(const json::object& o) {
  std::vector<domain::MemberNote> notes;
  const auto* list = o.if_contains("notes");
  if (list == nullptr || list->is_null()) return notes;
  if (!list->is_array() || list->get_array().size() > kMaxNotesDecoded) {
    return ProtocolErrc::kWrongShape;
  }
  for (const auto& v : list->get_array()) {
    const auto* item = as_object(v);
    if (item == nullptr) return ProtocolErrc::kWrongShape;
    domain::MemberNote note;
    RAPPORT_TRY(note.event_id, string_field(*item, "id"));
    RAPPORT_TRY(note.topic, string_field(*item, "topic"));
    RAPPORT_TRY(note.text, string_field(*item, "text"));
    RAPPORT_TRY(note.noted_at, string_field(*item, "noted_at"));
    RAPPORT_TRY(note.store_id, string_field(*item, "store"));
    if (!domain::is_valid_event_id(note.event_id) || !from_iso8601(note.noted_at)) {
      return ProtocolErrc::kWrongShape;
    }
    notes.push_back(std::move(note));
  }
  return notes;
}

json::array purchases_to_json(const std::vector<domain::MemberPurchase>& purchases) {
  json::array out;
  for (const auto& p : purchases) {
    out.emplace_back(json::object{{"id", p.event_id},
                                  {"at", p.occurred_at},
                                  {"store", p.store_id},
                                  {"summary", p.summary},
                                  {"total_cents", p.total_cents},
                                  {"refundable_cents", p.refundable_cents}});
  }
  return out;
}

// Recent purchases came with issue 9's refund at any till: absent means none (an older
// server). A few more than the server sends are accepted, so it may send more later.
constexpr std::size_t kMaxPurchasesDecoded = 20;
Result<std::vector<domain::MemberPurchase>> purchases_from_json(const json::object& o) {
  std::vector<domain::MemberPurchase> purchases;
  const auto* list = o.if_contains("recent_purchases");
  if (list == nullptr || list->is_null()) return purchases;
  if (!list->is_array() || list->get_array().size() > kMaxPurchasesDecoded) {
    return ProtocolErrc::kWrongShape;
  }
  for (const auto& v : list->get_array()) {
    const auto* item = as_object(v);
    if (item == nullptr) return ProtocolErrc::kWrongShape;
    domain::MemberPurchase p;
    RAPPORT_TRY(p.event_id, string_field(*item, "id"));
    RAPPORT_TRY(p.occurred_at, string_field(*item, "at"));
    RAPPORT_TRY(p.store_id, string_field(*item, "store"));
    RAPPORT_TRY(p.summary, string_field(*item, "summary"));
    RAPPORT_TRY(p.total_cents, int_field(*item, "total_cents"));
    RAPPORT_TRY(p.refundable_cents, int_field(*item, "refundable_cents"));
    if (!domain::is_valid_event_id(p.event_id) || !from_iso8601(p.occurred_at) ||
        p.total_cents < 0 || p.refundable_cents < 0 || p.refundable_cents > p.total_cents) {
      return ProtocolErrc::kWrongShape;
    }
    purchases.push_back(std::move(p));
  }
  return purchases;
}

json::object member_fields_to_json(const domain::Member& m) {
  json::array cards;
  for (const auto& c : m.cards) {
    cards.emplace_back(json::object{
        {"token", c.token}, {"last4", c.last4}, {"status", card_status_name(c.status)}});
  }
  return json::object{{"id", m.id},
                      {"name", m.name},
                      {"home_store", m.home_store},
                      {"birth_date", optional_value(m.birth_date)},
                      {"visit_count", m.visit_count},
                      {"last_visit", optional_value(m.last_visit)},
                      {"cards", std::move(cards)},
                      {"value_tier", optional_value(m.value_tier)},
                      {"at_risk", m.at_risk},
                      {"rhythm_days", m.rhythm_days ? json::value(*m.rhythm_days)
                                                    : json::value(nullptr)},
                      {"points_balance", m.points_balance ? json::value(*m.points_balance)
                                                          : json::value(nullptr)},
                      {"reward_tier", optional_value(m.reward_tier)},
                      {"offers", offers_to_json(m.offers)},
                      {"notes", notes_to_json(m.notes)},
                      {"usual_order", optional_value(m.usual_order)},
                      {"recent_purchases", purchases_to_json(m.recent_purchases)}};
}

json::object member_to_json(const domain::Member& m) {
  json::object o = member_fields_to_json(m);
  // Sent only when the member has a phone (docs/protocol.md, "Find by phone").
  if (m.phone_digest) o["phone_digest"] = *m.phone_digest;
  return o;
}

Result<domain::Member> member_from_json(const json::value& v) {
  const auto* o = as_object(v);
  if (o == nullptr) return ProtocolErrc::kWrongShape;
  domain::Member m;
  RAPPORT_TRY(m.id, int_field(*o, "id"));
  RAPPORT_TRY(m.name, string_field(*o, "name"));
  RAPPORT_TRY(m.home_store, string_field(*o, "home_store"));
  RAPPORT_TRY(m.birth_date, optional_string_field(*o, "birth_date"));
  RAPPORT_TRY(m.visit_count, int_field(*o, "visit_count"));
  RAPPORT_TRY(m.last_visit, optional_string_field(*o, "last_visit"));
  RAPPORT_TRY(const json::array* cards, array_field(*o, "cards"));
  for (const auto& c : *cards) {
    const auto* co = as_object(c);
    if (co == nullptr) return ProtocolErrc::kWrongShape;
    domain::Card card;
    RAPPORT_TRY(card.token, string_field(*co, "token"));
    if (!is_card_token(card.token)) return ProtocolErrc::kBadCardToken;
    RAPPORT_TRY(card.last4, string_field(*co, "last4"));
    RAPPORT_TRY(auto status, string_field(*co, "status"));
    if (status == "active") {
      card.status = domain::CardStatus::kActive;
    } else if (status == "blocked") {
      card.status = domain::CardStatus::kBlocked;
    } else {
      return ProtocolErrc::kWrongShape;
    }
    m.cards.push_back(std::move(card));
  }
  // Value fields came with protocol 1's value issue: absent means not valued yet.
  RAPPORT_TRY(m.value_tier, optional_string_field(*o, "value_tier"));
  if (const auto* risk = o->if_contains("at_risk"); risk != nullptr) {
    if (!risk->is_bool()) return ProtocolErrc::kWrongShape;
    m.at_risk = risk->get_bool();
  }
  if (const auto* rhythm = o->if_contains("rhythm_days"); rhythm != nullptr && !rhythm->is_null()) {
    if (!rhythm->is_number()) return ProtocolErrc::kWrongShape;
    m.rhythm_days = rhythm->to_number<double>();
  }
  // Rewards fields came with the rewards issue: absent means a server without rewards.
  if (const auto* points = o->if_contains("points_balance");
      points != nullptr && !points->is_null()) {
    if (!points->is_int64()) return ProtocolErrc::kWrongShape;
    m.points_balance = points->get_int64();
  }
  RAPPORT_TRY(m.reward_tier, optional_string_field(*o, "reward_tier"));
  RAPPORT_TRY(m.offers, offers_from_json(*o));
  RAPPORT_TRY(m.notes, notes_from_json(*o));
  RAPPORT_TRY(m.usual_order, optional_string_field(*o, "usual_order"));
  RAPPORT_TRY(m.recent_purchases, purchases_from_json(*o));
  // Find by phone came with issue 9: absent means no phone (or an older server).
  RAPPORT_TRY(m.phone_digest, optional_string_field(*o, "phone_digest"));
  // 64 hex digits, the shape of a card token.
  if (m.phone_digest && !is_card_token(*m.phone_digest)) return ProtocolErrc::kWrongShape;
  return m;
}

bool parse_int64(std::string_view text, std::int64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out >= 0;
}

}  // namespace

std::string encode(const PushEventsRequest& request) {
  json::array events;
  events.reserve(request.events.size());
  for (const auto& e : request.events) events.emplace_back(event_to_json(e));
  return json::serialize(json::object{{"events", std::move(events)}});
}

Result<PushEventsRequest> decode_push_events_request(std::string_view text) {
  RAPPORT_TRY(auto value, parse_json(text));
  const auto* o = as_object(value);
  if (o == nullptr) return ProtocolErrc::kWrongShape;
  RAPPORT_TRY(const json::array* events, array_field(*o, "events"));
  if (events->size() > kMaxEventsPerBatch) return ProtocolErrc::kTooManyEvents;
  PushEventsRequest request;
  request.events.reserve(events->size());
  for (const auto& v : *events) {
    RAPPORT_TRY(auto event, event_from_json(v));
    request.events.push_back(std::move(event));
  }
  return request;
}

std::string encode(const PushEventsResponse& response) {
  json::array ids;
  for (const auto& id : response.acknowledged) ids.emplace_back(id);
  return json::serialize(json::object{{"acknowledged", std::move(ids)}});
}

Result<PushEventsResponse> decode_push_events_response(std::string_view text) {
  RAPPORT_TRY(auto value, parse_json(text));
  const auto* o = as_object(value);
  if (o == nullptr) return ProtocolErrc::kWrongShape;
  RAPPORT_TRY(const json::array* ids, array_field(*o, "acknowledged"));
  PushEventsResponse response;
  for (const auto& id : *ids) {
    if (!id.is_string()) return ProtocolErrc::kWrongShape;
    response.acknowledged.emplace_back(id.get_string());
  }
  return response;
}

std::string encode_cursor(const ChangesCursor& cursor) {
  return std::to_string(cursor.sequence) + "." + std::to_string(cursor.member_id);
}

Result<ChangesCursor> decode_cursor(std::string_view text) {
  if (text.empty()) return ChangesCursor{};
  const auto dot = text.find('.');
  ChangesCursor cursor;
  if (dot == std::string_view::npos || !parse_int64(text.substr(0, dot), cursor.sequence) ||
      !parse_int64(text.substr(dot + 1), cursor.member_id)) {
    return ProtocolErrc::kBadCursor;
  }
  return cursor;
}

std::string encode(const ChangesPage& page) {
  json::array members;
  members.reserve(page.members.size());
  for (const auto& m : page.members) members.emplace_back(member_to_json(m));
  json::object out{{"store", page.store_id},
                   {"members", std::move(members)},
                   {"cursor", page.cursor},
                   {"more", page.more}};
  // Only when there are removals, so a page without any reads as it always did.
  if (!page.removed.empty()) {
    json::array removed;
    for (const auto id : page.removed) removed.emplace_back(id);
    out["removed"] = std::move(removed);
  }
  if (page.limits) {
    out["limits"] = json::object{
        {"offline_redeem_points_per_member_per_day",
         page.limits->offline_redeem_points_per_member_per_day},
        {"gesture_points_per_cashier_per_day", page.limits->gesture_points_per_cashier_per_day}};
  }
  return json::serialize(out);
}

Result<ChangesPage> decode_changes_page(std::string_view text) {
  RAPPORT_TRY(auto value, parse_json(text));
  const auto* o = as_object(value);
  if (o == nullptr) return ProtocolErrc::kWrongShape;
  ChangesPage page;
  RAPPORT_TRY(page.store_id, string_field(*o, "store"));
  RAPPORT_TRY(const json::array* members, array_field(*o, "members"));
  page.members.reserve(members->size());
  for (const auto& v : *members) {
    RAPPORT_TRY(auto member, member_from_json(v));
    page.members.push_back(std::move(member));
  }
  if (const auto* removed = o->if_contains("removed"); removed != nullptr) {
    if (!removed->is_array() || removed->as_array().size() > kMaxMembersPerPage) {
      return ProtocolErrc::kWrongShape;
    }
    for (const auto& id : removed->as_array()) {
      if (!id.is_int64() || id.get_int64() <= 0) return ProtocolErrc::kWrongShape;
      page.removed.push_back(id.get_int64());
    }
  }
  RAPPORT_TRY(page.cursor, string_field(*o, "cursor"));
  RAPPORT_TRY_VOID(decode_cursor(page.cursor));
  const auto* more = o->if_contains("more");
  if (more == nullptr || !more->is_bool()) return ProtocolErrc::kWrongShape;
  page.more = more->get_bool();
  if (const auto* limits = o->if_contains("limits"); limits != nullptr && !limits->is_null()) {
    const auto* l = as_object(*limits);
    if (l == nullptr) return ProtocolErrc::kWrongShape;
    CounterLimits counter;
    RAPPORT_TRY(counter.offline_redeem_points_per_member_per_day,
                int_field(*l, "offline_redeem_points_per_member_per_day"));
    RAPPORT_TRY(counter.gesture_points_per_cashier_per_day,
                int_field(*l, "gesture_points_per_cashier_per_day"));
    if (counter.offline_redeem_points_per_member_per_day < 0 ||
        counter.gesture_points_per_cashier_per_day < 0) {
      return ProtocolErrc::kWrongShape;
    }
    page.limits = counter;
  }
  return page;
}

std::string encode(const BalanceAnswer& answer) {
  return json::serialize(
      json::object{{"member_id", answer.member_id}, {"points_balance", answer.points_balance}});
}

Result<BalanceAnswer> decode_balance_answer(std::string_view text) {
  RAPPORT_TRY(auto value, parse_json(text));
  const auto* o = as_object(value);
  if (o == nullptr) return ProtocolErrc::kWrongShape;
  BalanceAnswer answer;
  RAPPORT_TRY(answer.member_id, int_field(*o, "member_id"));
  RAPPORT_TRY(answer.points_balance, int_field(*o, "points_balance"));
  return answer;
}

std::string encode(const domain::Member& member) {
  return json::serialize(member_to_json(member));
}

Result<domain::Member> decode_member(std::string_view text) {
  RAPPORT_TRY(auto value, parse_json(text));
  return member_from_json(value);
}

std::string encode_error(std::string_view message) {
  return json::serialize(json::object{{"error", message}});
}

}  // namespace rapport::protocol
