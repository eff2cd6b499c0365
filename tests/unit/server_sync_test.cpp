// tests/unit/server_sync_test.cpp
//
// What each event kind does on the server, once; the incremental pull of changed members;
// and the lookup of a card a terminal does not know.

#include "server/storage/sqlite_schema.h"
#include "shared/card/card_key.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include <set>

#include "tests/unit/server_fixture.h"

using namespace rapport;
using rapport::testing::ServerFixture;
using K = domain::EventKind;

namespace {

const std::string kGraceToken(64, 'c');
const std::string kNewToken(64, 'd');

std::string enrollment(const std::string& name, const std::string& last4) {
  return protocol::encode_payload(protocol::EnrollmentPayload{name, "1906-12-09", last4, {}, {}});
}

protocol::ChangesPage pull(ServerFixture& f, const std::string& cursor, std::string cn = "T1") {
  const auto response = f.get("/sync/v1/changes?since=" + cursor, std::move(cn));
  REQUIRE(response.status == 200);
  return protocol::decode_changes_page(response.body).value();
}

std::vector<std::string> names_of(const protocol::ChangesPage& page) {
  std::vector<std::string> names;
  for (const auto& m : page.members) names.push_back(m.name);
  return names;
}

}  // namespace

TEST_CASE_METHOD(ServerFixture, "an enrollment creates the member and card once, and claims the "
                 "visit recorded before it", "[server][sync]") {
  const auto first_visit = visit(kGraceToken);  // an unknown card at the counter
  const auto enrolled = event(K::kEnrollment, kGraceToken, enrollment("Grace Hopper", "7902"));
  const std::vector<domain::Event> batch{first_visit, enrolled};
  REQUIRE(post(batch).status == 200);
  REQUIRE(post(batch).status == 200);  // the acknowledgement was lost: sent again
  const auto grace = store->find_member_by_card(kGraceToken).value();
  REQUIRE(grace);
  CHECK(grace->name == "Grace Hopper");
  CHECK(grace->home_store == "S1");
  CHECK(grace->birth_date == "1906-12-09");
  CHECK(grace->visit_count == 1);
  REQUIRE(grace->cards.size() == 1);
  CHECK(grace->cards[0].last4 == "7902");
  CHECK(store->list_members(std::nullopt).value().size() == 2);
  const auto events = store->list_events(10).value();
  REQUIRE(events.size() == 2);
  CHECK(events[0].event.member_id == grace->id);
  CHECK(events[1].event.member_id == grace->id);
  // The name went to the members table, not into the event.
  CHECK(events[1].event.payload.find("Grace") == std::string::npos);
}

TEST_CASE_METHOD(ServerFixture, "enrolling a card someone already holds keeps the event and adds "
                 "no member", "[server][sync]") {
  REQUIRE(post({event(K::kEnrollment, ada_token, enrollment("Impostor", "7894"))}).status == 200);
  CHECK(store->list_members(std::nullopt).value().size() == 1);
  CHECK(store->list_events(10).value().size() == 1);
}

TEST_CASE_METHOD(ServerFixture, "a replacement card keeps the history and blocks the lost one",
                 "[server][sync]") {
  REQUIRE(post({visit(kNewToken)}).status == 200);  // the new card was used before linking
  const auto link = event(K::kCardLinked, ada_token,
                          protocol::encode_payload(protocol::CardLinkedPayload{kNewToken, "1111",
                                                                               true}));
  REQUIRE(post({link}).status == 200);
  const auto by_new = store->find_member_by_card(kNewToken).value();
  REQUIRE(by_new);
  CHECK(by_new->id == ada);
  CHECK(by_new->visit_count == 1);
  REQUIRE(by_new->cards.size() == 2);
  CHECK(by_new->cards[0].status == domain::CardStatus::kBlocked);
  CHECK(by_new->cards[1].status == domain::CardStatus::kActive);
}

TEST_CASE_METHOD(ServerFixture, "a blocked card is blocked and the other kinds are kept as told",
                 "[server][sync]") {
  protocol::PurchasePayload sale;
  sale.lines = {{"Tea", "drinks", 1, 250, {}}};
  sale.total_cents = 250;
  const auto purchase = event(K::kPurchase, ada_token, protocol::encode_payload(sale));
  REQUIRE(post({purchase,
                event(K::kNote, ada_token,
                      protocol::encode_payload(
                          protocol::NotePayload{protocol::NoteTopic::kFeedback, "too sweet"})),
                event(K::kCardBlocked, ada_token,
                      protocol::encode_payload(protocol::CardBlockedPayload{"lost"}))})
              .status == 200);
  const auto events = store->list_events(10).value();
  REQUIRE(events.size() == 3);
  // What the customer said is in the notes table, which erasure clears, not in the event.
  CHECK(events[1].event.payload == R"({"topic":"feedback"})");
  auto db = storage::Database::open(dir / "rapport.db", server::kSqliteMigrations).value();
  auto note = db.prepare("SELECT member_id, topic, text FROM notes").value();
  REQUIRE(note.step().value());
  CHECK(note.column_int64(0) == ada);
  CHECK(note.column_text(1) == "feedback");
  CHECK(note.column_text(2) == "too sweet");
  CHECK(events[0].event.kind == K::kPurchase);
  CHECK(protocol::decode_purchase(events[0].event.payload).value().total_cents == 250);
  CHECK(events[0].event.member_id == ada);
  CHECK(store->find_member_by_card(ada_token).value()->cards[0].status ==
        domain::CardStatus::kBlocked);
}

TEST_CASE_METHOD(ServerFixture, "the pull sends each change once, in order, from a cursor",
                 "[server][sync]") {
  auto first = pull(*this, "");
  CHECK(names_of(first) == std::vector<std::string>{"Ada Lovelace"});
  CHECK_FALSE(first.more);
  // Nothing changed: an empty page with the same cursor.
  auto idle = pull(*this, first.cursor);
  CHECK(idle.members.empty());
  CHECK(idle.cursor == first.cursor);
  // A visit changes Ada: she comes again, with her new count.
  REQUIRE(post({visit(ada_token)}).status == 200);
  auto after_visit = pull(*this, first.cursor);
  REQUIRE(after_visit.members.size() == 1);
  CHECK(after_visit.members[0].visit_count == 1);
  CHECK(pull(*this, after_visit.cursor).members.empty());
}

TEST_CASE_METHOD(ServerFixture, "a long pull comes in pages that lose nothing", "[server][sync]") {
  // Members created in one transaction share a change sequence: the cursor must also carry
  // the member id or a page boundary inside that group would skip members.
  const server::ChangeScope scope{"S1", "2000-01-01T00:00:00.000Z", "2000-01-01T00:00:00.000Z"};
  std::vector<domain::Event> enrollments;
  for (int i = 0; i < 25; ++i) {
    const std::string token = std::string(63, 'e') + "0123456789abcdef"[i % 16];
    std::string t = token;
    t[0] = "0123456789"[i / 16];
    enrollments.push_back(event(K::kEnrollment, t, enrollment("M" + std::to_string(i), "0000")));
  }
  REQUIRE(store->record_events(enrollments).value() == 25);
  std::int64_t seq = 0;
  std::int64_t id = 0;
  std::set<std::int64_t> seen;
  int pages = 0;
  for (;;) {
    const auto page = store->member_changes(scope, seq, id, 7).value();
    ++pages;
    for (const auto& m : page.members) CHECK(seen.insert(m.id).second);
    seq = page.last_sequence;
    id = page.last_member_id;
    if (!page.more) break;
  }
  CHECK(seen.size() == 26);
  CHECK(pages == 4);
}

TEST_CASE_METHOD(ServerFixture, "a store gets its own members and the ones seen there or recently",
                 "[server][sync]") {
  // Grace belongs to S2; terminal T2 of S2 enrolled her.
  REQUIRE(store->register_terminal({"T2", "S2", "01", false}));
  REQUIRE(post({event(K::kEnrollment, kGraceToken, enrollment("Grace Hopper", "7902"), "S2")},
               "T2")
              .status == 200);
  policy.seen_in_chain = std::chrono::hours(0);
  CHECK(names_of(pull(*this, "")) == std::vector<std::string>{"Ada Lovelace"});
  CHECK(names_of(pull(*this, "", "T2")) == std::vector<std::string>{"Grace Hopper"});
  // Grace visits S1: S1's terminals now keep her too.
  REQUIRE(post({visit(kGraceToken)}).status == 200);
  CHECK(names_of(pull(*this, "")) == std::vector<std::string>{"Ada Lovelace", "Grace Hopper"});
  // Seen anywhere in the chain recently counts as well: "recently" is before the server's
  // clock, so the visit happens now (a fixed day passed out of the window two days later).
  policy.seen_in_chain = std::chrono::hours(48);
  auto recent = visit(ada_token);
  recent.occurred_at = now_iso8601();
  REQUIRE(post({recent}, "T1").status == 200);
  CHECK(names_of(pull(*this, "", "T2")) == std::vector<std::string>{"Grace Hopper", "Ada Lovelace"});
}

TEST_CASE_METHOD(ServerFixture, "a bad cursor is refused", "[server][sync]") {
  const auto response = get("/sync/v1/changes?since=12");
  CHECK(response.status == 400);
  CHECK_THAT(response.body, Catch::Contains("cursor"));
}

TEST_CASE_METHOD(ServerFixture, "a card is looked up by token", "[server][sync]") {
  const auto found = get("/sync/v1/cards/" + ada_token);
  REQUIRE(found.status == 200);
  CHECK(protocol::decode_member(found.body).value().name == "Ada Lovelace");
  CHECK(get("/sync/v1/cards/" + kGraceToken).status == 404);
  CHECK(get("/sync/v1/cards/xyz").status == 400);
  CHECK(get("/sync/v1/cards/" + ada_token, "T9").status == 403);
}

namespace {

struct MemberTotals {
  std::int64_t purchase_days = 0;
  std::string first_day;
  std::string last_day;
  std::int64_t revenue = 0;
  std::int64_t margin = 0;
};

MemberTotals totals_of(const std::filesystem::path& file, std::int64_t member) {
  auto db = storage::Database::open(file, server::kSqliteMigrations).value();
  auto row = db.prepare("SELECT purchase_days, coalesce(first_purchase_day, ''), "
                        "coalesce(last_purchase_day, ''), revenue_cents, margin_cents "
                        "FROM members WHERE id = ?1")
                 .value();
  row.bind(1, member);
  REQUIRE(row.step().value());
  return {row.column_int64(0), row.column_text(1), row.column_text(2), row.column_int64(3),
          row.column_int64(4)};
}

std::int64_t category_spend(const std::filesystem::path& file, std::int64_t member,
                            const std::string& category) {
  auto db = storage::Database::open(file, server::kSqliteMigrations).value();
  auto row = db.prepare("SELECT spend_cents FROM member_categories WHERE member_id = ?1 AND "
                        "category = ?2")
                 .value();
  row.bind(1, member).bind(2, category);
  return row.step().value() ? row.column_int64(0) : 0;
}

domain::Event sale(const std::string& token, const std::string& day, std::int64_t cents,
                   std::optional<std::int64_t> margin = std::nullopt) {
  protocol::PurchasePayload p;
  p.lines = {{"Tea", "drinks", 1, cents, margin}};
  p.total_cents = cents;
  auto e = ServerFixture::event(K::kPurchase, token, protocol::encode_payload(p));
  e.occurred_at = day + "T10:00:00.000Z";
  return e;
}

}  // namespace

TEST_CASE_METHOD(ServerFixture, "purchases add up per member: days, revenue, margin, categories",
                 "[server][sync][value]") {
  const auto morning = sale(ada_token, "2026-11-01", 500, 200);
  const std::vector<domain::Event> batch{morning, sale(ada_token, "2026-11-01", 300, 100),
                                         sale(ada_token, "2026-11-20", 1000)};
  REQUIRE(post(batch).status == 200);
  REQUIRE(post(batch).status == 200);  // sent twice: counted once
  auto t = totals_of(dir / "rapport.db", ada);
  CHECK(t.purchase_days == 2);  // two purchases on one day are one purchase day
  CHECK(t.first_day == "2026-11-01");
  CHECK(t.last_day == "2026-11-20");
  CHECK(t.revenue == 1800);
  CHECK(t.margin == 300);
  CHECK(category_spend(dir / "rapport.db", ada, "drinks") == 1800);

  // A refund takes back its amount (and margin in proportion), once however often it is sent.
  const auto refund = event(K::kRefund, ada_token,
                            protocol::encode_payload(protocol::RefundPayload{morning.id, 250}));
  REQUIRE(post({refund}).status == 200);
  REQUIRE(post({refund}).status == 200);
  t = totals_of(dir / "rapport.db", ada);
  CHECK(t.revenue == 1550);
  CHECK(t.margin == 200);
  // A void takes back what is left of the purchase, and never more.
  REQUIRE(post({event(K::kVoid, ada_token,
                      protocol::encode_payload(protocol::VoidPayload{morning.id}))})
              .status == 200);
  CHECK(totals_of(dir / "rapport.db", ada).revenue == 1300);
}

TEST_CASE_METHOD(ServerFixture, "a refund that arrives before its purchase applies when it does",
                 "[server][sync][value]") {
  const auto purchase = sale(ada_token, "2026-11-02", 900);
  REQUIRE(post({event(K::kRefund, ada_token,
                      protocol::encode_payload(protocol::RefundPayload{purchase.id, 400}))})
              .status == 200);
  REQUIRE(post({purchase}).status == 200);
  const auto t = totals_of(dir / "rapport.db", ada);
  CHECK(t.revenue == 500);
  CHECK(t.purchase_days == 1);
}

TEST_CASE_METHOD(ServerFixture, "purchases on a card enrolled later become the member's",
                 "[server][sync][value]") {
  REQUIRE(post({sale(kGraceToken, "2026-11-03", 700)}).status == 200);
  REQUIRE(post({event(K::kEnrollment, kGraceToken, enrollment("Grace Hopper", "7902"))}).status ==
          200);
  const auto grace = store->find_member_by_card(kGraceToken).value().value();
  const auto t = totals_of(dir / "rapport.db", grace.id);
  CHECK(t.revenue == 700);
  CHECK(t.purchase_days == 1);
  CHECK(category_spend(dir / "rapport.db", grace.id, "drinks") == 700);
}

TEST_CASE_METHOD(ServerFixture, "a card read at two stores minutes apart is flagged for review",
                 "[server][sync][velocity]") {
  REQUIRE(store->register_terminal({"T2", "S2", "01", false}));
  auto at = [&](std::string store_id, std::string time) {
    auto e = visit(ada_token);
    e.store_id = std::move(store_id);
    e.occurred_at = std::move(time);
    return e;
  };
  REQUIRE(store->record_events(std::vector{at("S1", "2026-11-25T10:00:00.000Z")}));
  REQUIRE(store->record_events(std::vector{at("S1", "2026-11-25T10:20:00.000Z")}));  // same store
  REQUIRE(store->record_events(std::vector{at("S2", "2026-11-25T14:00:00.000Z")}));  // hours later
  CHECK(store->list_card_alerts(10).value().empty());
  const auto clone = at("S1", "2026-11-25T14:10:00.000Z");  // back at S1 ten minutes later
  REQUIRE(store->record_events(std::vector{clone}));
  REQUIRE(store->record_events(std::vector{clone}));  // sent twice: flagged once
  const auto alerts = store->list_card_alerts(10).value();
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].first_store == "S2");
  CHECK(alerts[0].second_store == "S1");
  CHECK(alerts[0].member_id == ada);
  CHECK(alerts[0].last4 == "7894");
  CHECK(alerts[0].event_id == clone.id);
  // The visit itself is kept and counted: the alert is for a person to look at.
  CHECK(store->find_member_by_card(ada_token).value()->visit_count == 4);
  // Switched off, nothing more is flagged.
  store->set_card_velocity_window(std::chrono::minutes(0));
  REQUIRE(store->record_events(std::vector{at("S2", "2026-11-25T14:15:00.000Z")}));
  CHECK(store->list_card_alerts(10).value().size() == 1);
}

TEST_CASE_METHOD(ServerFixture, "a member's phone reaches terminals only as its keyed digest",
                 "[server][sync][phone]") {
  auto grace = protocol::EnrollmentPayload{"Grace Hopper", "1906-12-09", "7902", {}, {}};
  grace.phone = "07700 900-123";
  REQUIRE(post({event(K::kEnrollment, kGraceToken, protocol::encode_payload(grace))}).status ==
          200);
  const auto card_key = card::CardKey::generate();
  const server::MemberTokenService tokens{card_key, server::CardTokenKeys(dir.path()), "627599"};
  const auto get_with_key = [&](const std::string& target) {
    net::HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.peer_common_name = "T1";
    request.peer_certificate_serial = "01";
    return server::handle_sync_request(*store, policy, request, &tokens);
  };
  const auto answer = get_with_key("/sync/v1/changes?since=");
  REQUIRE(answer.status == 200);
  CHECK(answer.body.find("7700") == std::string::npos);  // never the number
  const auto page = protocol::decode_changes_page(answer.body).value();
  REQUIRE(page.members.size() == 2);
  const auto& sent_ada = page.members[0].name == "Ada Lovelace" ? page.members[0] : page.members[1];
  const auto& sent_grace = page.members[0].name == "Ada Lovelace" ? page.members[1] : page.members[0];
  CHECK_FALSE(sent_ada.phone_digest);  // no phone, no digest
  CHECK(sent_grace.phone_digest == card_key.phone_digest("+447700900123"));
  CHECK_FALSE(sent_grace.phone);
  // The same in a card lookup; another chain code gives another digest.
  const auto looked_up = get_with_key("/sync/v1/cards/" + kGraceToken);
  REQUIRE(looked_up.status == 200);
  CHECK(protocol::decode_member(looked_up.body).value().phone_digest ==
        card_key.phone_digest("+447700900123"));
  policy.phone_country_code = "33";
  CHECK(protocol::decode_member(get_with_key("/sync/v1/cards/" + kGraceToken).body)
            .value()
            .phone_digest == card_key.phone_digest("+337700900123"));
  // Without the card key nothing about the phone is sent.
  CHECK(get("/sync/v1/changes?since=").body.find("phone") == std::string::npos);
}
