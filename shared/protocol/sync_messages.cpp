// shared/protocol/sync_messages.cpp
//
// JSON encoding of the sync messages with Boost.JSON. Decoders never throw: every missing
// field or wrong type becomes a ProtocolErrc (docs/protocol.md lists the fields).

#include "shared/protocol/sync_messages.h"

#include <boost/json.hpp>

#include "shared/domain/event_id.h"
#include "shared/protocol/protocol_errc.h"
#include "shared/util/clock.h"
#include "shared/util/hex.h"

namespace rapport::protocol {
namespace json = boost::json;
namespace {

// Parse limits: a message deeper than this is not one of ours.
constexpr std::size_t kMaxDepth = 16;

Result<json::value> parse(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec) return ProtocolErrc::kNotJson;
  return value;
}

const json::object* as_object(const json::value& v) { return v.if_object(); }

Result<std::string> string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return ProtocolErrc::kWrongShape;
  return std::string(v->get_string());
}

Result<std::optional<std::string>> optional_string_field(const json::object& o,
                                                         std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return ProtocolErrc::kWrongShape;
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::int64_t> int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return ProtocolErrc::kWrongShape;
  return v->get_int64();
}

Result<const json::array*> array_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return ProtocolErrc::kWrongShape;
  return &v->get_array();
}

bool is_card_token(std::string_view token) {
  return token.size() == 64 && from_hex(token).has_value();
}

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
  return event;
}

std::string_view card_status_name(domain::CardStatus status) {
  return status == domain::CardStatus::kBlocked ? "blocked" : "active";
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
  return m;
}

}  // namespace

std::string encode(const PushEventsRequest& request) {
  json::array events;
  events.reserve(request.events.size());
  for (const auto& e : request.events) events.emplace_back(event_to_json(e));
  return json::serialize(json::object{{"events", std::move(events)}});
}

Result<PushEventsRequest> decode_push_events_request(std::string_view text) {
  RAPPORT_TRY(auto value, parse(text));
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
  RAPPORT_TRY(auto value, parse(text));
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

std::string encode(const MembersSnapshot& snapshot) {
  json::array members;
  members.reserve(snapshot.members.size());
  for (const auto& m : snapshot.members) {
    json::array cards;
    for (const auto& c : m.cards) {
      cards.emplace_back(json::object{
          {"token", c.token}, {"last4", c.last4}, {"status", card_status_name(c.status)}});
    }
    members.emplace_back(json::object{{"id", m.id},
                                      {"name", m.name},
                                      {"home_store", m.home_store},
                                      {"birth_date", optional_value(m.birth_date)},
                                      {"visit_count", m.visit_count},
                                      {"last_visit", optional_value(m.last_visit)},
                                      {"cards", std::move(cards)}});
  }
  return json::serialize(
      json::object{{"store", snapshot.store_id}, {"members", std::move(members)}});
}

Result<MembersSnapshot> decode_members_snapshot(std::string_view text) {
  RAPPORT_TRY(auto value, parse(text));
  const auto* o = as_object(value);
  if (o == nullptr) return ProtocolErrc::kWrongShape;
  MembersSnapshot snapshot;
  RAPPORT_TRY(snapshot.store_id, string_field(*o, "store"));
  RAPPORT_TRY(const json::array* members, array_field(*o, "members"));
  snapshot.members.reserve(members->size());
  for (const auto& v : *members) {
    RAPPORT_TRY(auto member, member_from_json(v));
    snapshot.members.push_back(std::move(member));
  }
  return snapshot;
}

std::string encode_error(std::string_view message) {
  return json::serialize(json::object{{"error", message}});
}

}  // namespace rapport::protocol
