// tests/unit/event_payloads_test.cpp
//
// Every event kind's payload: what each accepts, what it refuses, and that a batch carrying
// one bad payload is refused whole (nothing from it is stored).

#include <catch2/catch.hpp>

#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/protocol/protocol_errc.h"
#include "shared/protocol/sync_messages.h"
#include "tests/support/catch_result.h"

using namespace rapport;
using protocol::ProtocolErrc;

namespace {

const std::string kToken(64, 'b');

domain::Event event_of(domain::EventKind kind, std::string payload) {
  domain::Event e;
  e.id = domain::new_event_id();
  e.kind = kind;
  e.card_token = std::string(64, 'a');
  e.occurred_at = "2026-11-25T10:00:00.000Z";
  e.payload = std::move(payload);
  return e;
}

// One valid payload per kind, written with the encoders terminals use.
std::vector<domain::Event> one_of_each() {
  using K = domain::EventKind;
  const std::string purchase_id = domain::new_event_id();
  protocol::PurchasePayload purchase;
  purchase.lines = {{"Flat white", "coffee", 2, 700, 420}, {"Croissant", "bakery", 1, 320, {}}};
  purchase.total_cents = 1020;
  purchase.receipt = "R-1001";
  return {
      event_of(K::kVisit, "{}"),
      event_of(K::kPurchase, protocol::encode_payload(purchase)),
      event_of(K::kRefund, protocol::encode_payload(protocol::RefundPayload{purchase_id, 320})),
      event_of(K::kVoid, protocol::encode_payload(protocol::VoidPayload{purchase_id})),
      event_of(K::kEnrollment,
               protocol::encode_payload(protocol::EnrollmentPayload{
                   "Grace Hopper", "1906-12-09", "7902", "friend", kToken})),
      event_of(K::kRedemption,
               protocol::encode_payload(protocol::RedemptionPayload{"Free coffee", 100, {}})),
      event_of(K::kNote, protocol::encode_payload(protocol::NotePayload{
                             protocol::NoteTopic::kPreference, "oat milk, not too sweet"})),
      event_of(K::kReferral, protocol::encode_payload(protocol::ReferralPayload{kToken})),
      event_of(K::kCardLinked,
               protocol::encode_payload(protocol::CardLinkedPayload{kToken, "1234", true})),
      event_of(K::kCardBlocked, protocol::encode_payload(protocol::CardBlockedPayload{"lost"})),
      event_of(K::kOfferResponse, protocol::encode_payload(protocol::OfferResponsePayload{
                                      "free-coffee", protocol::OfferResponse::kDeclined})),
      event_of(K::kGesture, protocol::encode_payload(
                                protocol::GesturePayload{50, "long wait at the till", "ana"})),
  };
}

ErrorCode refusal_of(domain::EventKind kind, const std::string& payload) {
  // The payload goes on the wire as JSON; a check of the text alone must agree.
  const auto checked = protocol::check_payload(kind, payload);
  const std::string body = R"({"events":[{"id":")" + domain::new_event_id() + R"(","kind":")" +
                           std::string(domain::to_string(kind)) + R"(","card_token":")" +
                           std::string(64, 'a') +
                           R"(","member_id":null,"occurred_at":"2026-11-25T10:00:00.000Z",)"
                           R"("payload":)" +
                           payload + "}]}";
  const auto decoded = protocol::decode_push_events_request(body);
  CHECK(checked.has_value() == decoded.has_value());
  if (decoded) return {};
  if (!checked) CHECK(checked.error() == decoded.error());
  return decoded.error();
}

}  // namespace

TEST_CASE("an event of every kind round-trips with its payload", "[protocol]") {
  const auto events = one_of_each();
  REQUIRE(events.size() == domain::all_event_kinds().size());
  const auto decoded =
      protocol::decode_push_events_request(protocol::encode(protocol::PushEventsRequest{events}));
  REQUIRE(decoded);
  REQUIRE(decoded->events.size() == events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO(domain::to_string(events[i].kind));
    CHECK(decoded->events[i].kind == events[i].kind);
    CHECK(decoded->events[i].payload == events[i].payload);
    CHECK(domain::event_kind_from_string(domain::to_string(events[i].kind)) == events[i].kind);
  }
  const auto purchase = protocol::decode_purchase(decoded->events[1].payload);
  REQUIRE(purchase);
  CHECK(purchase->lines[1].product == "Croissant");
  CHECK(purchase->total_cents == 1020);
  CHECK(purchase->lines[0].margin_cents == 420);
  CHECK_FALSE(purchase->lines[1].margin_cents);
}

TEST_CASE("a visit from a skeleton terminal, without a payload, is still accepted", "[protocol]") {
  const std::string body = R"({"events":[{"id":")" + domain::new_event_id() +
                           R"(","kind":"visit","card_token":")" + std::string(64, 'a') +
                           R"(","member_id":1,"occurred_at":"2026-11-25T10:00:00.000Z"}]})";
  const auto decoded = protocol::decode_push_events_request(body);
  REQUIRE(decoded);
  CHECK(decoded->events[0].payload == "{}");
}

TEST_CASE("payloads that do not match their kind are refused with a reason", "[protocol]") {
  using K = domain::EventKind;
  const std::string id = domain::new_event_id();
  const std::string line = R"({"product":"Tea","category":"drinks","quantity":1,"amount_cents":250})";
  struct Case {
    K kind;
    std::string payload;
    ProtocolErrc why;
  };
  const std::vector<Case> cases{
      {K::kVisit, R"({"extra":1})", ProtocolErrc::kBadPayload},
      {K::kVisit, R"("{}")", ProtocolErrc::kBadPayload},
      {K::kVisit, R"([])", ProtocolErrc::kBadPayload},
      {K::kPurchase, R"({"lines":[],"total_cents":0})", ProtocolErrc::kBadPayload},
      {K::kPurchase, R"({"lines":[)" + line + R"(],"total_cents":251})", ProtocolErrc::kBadAmount},
      {K::kPurchase, R"({"lines":[)" + line + R"(],"total_cents":250,"tip":1})",
       ProtocolErrc::kBadPayload},
      {K::kPurchase,
       R"({"lines":[{"product":"Tea","category":"drinks","quantity":0,"amount_cents":250}],"total_cents":250})",
       ProtocolErrc::kBadPayload},
      {K::kPurchase,
       R"({"lines":[{"product":"Tea","category":"drinks","quantity":1,"amount_cents":-5}],"total_cents":-5})",
       ProtocolErrc::kBadAmount},
      {K::kPurchase,
       R"({"lines":[{"product":"","category":"drinks","quantity":1,"amount_cents":5}],"total_cents":5})",
       ProtocolErrc::kBadPayload},
      {K::kPurchase,
       R"({"lines":[{"product":"Tea","category":"drinks","quantity":1,"amount_cents":250.5}],"total_cents":250})",
       ProtocolErrc::kWrongShape},
      {K::kPurchase,
       R"({"lines":[{"product":"Tea","category":"drinks","quantity":1,"amount_cents":250,"margin_cents":251}],"total_cents":250})",
       ProtocolErrc::kBadAmount},
      {K::kPurchase,
       R"({"lines":[{"product":"Tea","category":"drinks","quantity":1,"amount_cents":250,"margin_cents":"1"}],"total_cents":250})",
       ProtocolErrc::kWrongShape},
      {K::kRefund, R"({"purchase_id":"nope","amount_cents":100})", ProtocolErrc::kBadPayload},
      {K::kRefund, R"({"purchase_id":")" + id + R"(","amount_cents":0})", ProtocolErrc::kBadAmount},
      {K::kVoid, R"({})", ProtocolErrc::kWrongShape},
      {K::kEnrollment, R"({"name":"Grace","last4":"79"})", ProtocolErrc::kBadPayload},
      {K::kEnrollment, R"({"name":"Grace","last4":"7902","birth_date":"1906-13-09"})",
       ProtocolErrc::kBadPayload},
      {K::kEnrollment, R"({"name":"","last4":"7902"})", ProtocolErrc::kBadPayload},
      {K::kEnrollment, R"({"name":"Grace","last4":"7902","referred_by_token":"abc"})",
       ProtocolErrc::kBadCardToken},
      {K::kEnrollment, R"({"name":")" + std::string(201, 'x') + R"(","last4":"7902"})",
       ProtocolErrc::kBadPayload},
      {K::kEnrollment, R"({"name":"Grace","last4":"7902","email":"no-at-sign"})",
       ProtocolErrc::kBadPayload},
      {K::kEnrollment, R"({"name":"Grace","last4":"7902","phone":")" + std::string(41, '1') +
                           R"("})",
       ProtocolErrc::kBadPayload},
      {K::kEnrollment, R"({"name":"Grace","last4":"7902","marketing_consent":"yes"})",
       ProtocolErrc::kBadPayload},
      {K::kRedemption, R"({"reward":"Coffee","points":0})", ProtocolErrc::kBadAmount},
      {K::kNote, R"({"topic":"gossip","text":"hi"})", ProtocolErrc::kBadPayload},
      {K::kNote, R"({"topic":"feedback","text":")" + std::string(2001, 'x') + R"("})",
       ProtocolErrc::kBadPayload},
      {K::kReferral, R"({"referred_card_token":"zz"})", ProtocolErrc::kBadCardToken},
      {K::kCardLinked, R"({"new_card_token":")" + kToken + R"(","last4":"1234","replaces_card":1})",
       ProtocolErrc::kBadPayload},
      {K::kCardBlocked, R"({})", ProtocolErrc::kWrongShape},
      {K::kRedemption, R"({"reward":"Coffee","points":5,"offer_id":""})",
       ProtocolErrc::kBadPayload},
      {K::kOfferResponse, R"({"offer_id":"free-coffee","outcome":"held_out"})",
       ProtocolErrc::kBadPayload},
      {K::kOfferResponse, R"({"offer_id":"","outcome":"shown"})", ProtocolErrc::kBadPayload},
      {K::kOfferResponse, R"({"outcome":"shown"})", ProtocolErrc::kWrongShape},
      {K::kGesture, R"({"points":0,"reason":"sorry","staff":"ana"})", ProtocolErrc::kBadAmount},
      {K::kGesture, R"({"points":10,"reason":"sorry"})", ProtocolErrc::kWrongShape},
      {K::kGesture, R"({"points":10,"reason":"sorry","staff":"ana","extra":1})",
       ProtocolErrc::kBadPayload},
  };
  for (const auto& c : cases) {
    INFO(std::string(domain::to_string(c.kind)) + " " + c.payload);
    CHECK(refusal_of(c.kind, c.payload) == c.why);
  }
}

TEST_CASE("one bad payload refuses its whole batch", "[protocol]") {
  auto events = one_of_each();
  events[3].payload = R"({"purchase_id":"not-an-id"})";
  const auto decoded =
      protocol::decode_push_events_request(protocol::encode(protocol::PushEventsRequest{events}));
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error() == ProtocolErrc::kBadPayload);
}

TEST_CASE("the server keeps an enrollment without its personal data", "[protocol]") {
  const protocol::EnrollmentPayload p{"Grace Hopper", "1906-12-09", "7902", "friend", {}};
  const std::string kept = protocol::without_personal_data(p);
  CHECK(kept.find("Grace") == std::string::npos);
  CHECK(kept.find("1906") == std::string::npos);
  CHECK(kept.find("7902") != std::string::npos);
}

TEST_CASE("an enrollment carries contact and consents only when given", "[protocol]") {
  protocol::EnrollmentPayload p{"Grace Hopper", "1906-12-09", "7902", "friend", {}};
  const std::string before = protocol::encode_payload(p);
  CHECK(before.find("phone") == std::string::npos);  // byte for byte as before this slice
  CHECK(before.find("consent") == std::string::npos);
  p.phone = "+44 20 7946 0000";
  p.email = "grace@example.org";
  p.marketing_consent = true;
  p.personalisation_consent = false;
  const auto back = protocol::decode_enrollment(protocol::encode_payload(p)).value();
  CHECK(back.phone == p.phone);
  CHECK(back.email == p.email);
  CHECK(back.marketing_consent == true);
  CHECK(back.personalisation_consent == false);
  const std::string kept = protocol::without_personal_data(p);
  CHECK(kept.find("7946") == std::string::npos);
  CHECK(kept.find("grace") == std::string::npos);
  CHECK(kept.find("\"marketing_consent\":true") != std::string::npos);
  CHECK_FALSE(protocol::decode_enrollment(kept));  // no name: not an enrollment any more
}

TEST_CASE("changes cursors are checked", "[protocol]") {
  CHECK(protocol::decode_cursor("").value().sequence == 0);
  const auto c = protocol::decode_cursor(protocol::encode_cursor({12, 34})).value();
  CHECK(c.sequence == 12);
  CHECK(c.member_id == 34);
  for (const char* bad : {"12", "12.", ".3", "a.b", "-1.2", "1.2.3", "99999999999999999999.1",
                          "1 .2"}) {
    INFO(bad);
    CHECK(protocol::decode_cursor(bad).error() == ProtocolErrc::kBadCursor);
  }
}
