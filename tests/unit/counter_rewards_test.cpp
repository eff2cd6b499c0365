// tests/unit/counter_rewards_test.cpp
//
// The terminal side of rewards (docs/offers.md, "Offers at the counter"), each side on real
// SQLite files: the server sends each member's offers (never one the member is held out of)
// and the chain's counter limits with the changes, answers a member's balance, records an
// offer shown / declined / accepted once however often its event is sent, and posts a
// cashier's goodwill points within the cashier's daily limit; the terminal's RewardsDesk
// redeems online against the server's balance and offline within the limit per member per
// day, and two offline terminals spending the same points are flagged by the server. The
// expiry job runs on its schedule.

#include <algorithm>
#include <set>
#include <thread>

#include "server/points_scheduler.h"
#include "server/rewards/rewards_config.h"
#include "server/storage/offer_store.h"
#include "server/storage/sqlite_schema.h"
#include "server/terminal_offers.h"
#include "shared/config/config_file.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include "terminal/local_database.h"
#include "terminal/redemption.h"
#include "tests/support/process.h"
#include "tests/unit/rewards_test_support.h"
#include "tests/unit/server_fixture.h"

namespace {

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ServerFixture;

std::string rules_text(double holdout_share, std::int64_t expire_days = 0) {
  std::string text = R"(
[earning]
points_per_unit = 1
expire_after_days = )" + std::to_string(expire_days) + R"(
[reward_tiers]
measure = "points"
qualifying_days = 365
[[reward_tiers.tier]]
name = "Member"
threshold = 0
)";
  for (const char* tier : {"MVC", "MGC", "LMC", "BZ"}) {
    text += std::string("\n[treatment.") + tier +
            "]\nbudget_cents_per_member = 5000\noffer_kinds = [\"free_item\", \"discount\", "
            "\"gesture\"]\npersonalisation = \"segment\"\nmax_contacts_per_month = 4\n";
  }
  text += R"(
[[catalogue]]
id = "free-coffee"
name = "A free coffee"
kind = "free_item"
product = "Coffee"
standard = true
points = 150
cost_cents = 90

[[catalogue]]
id = "five-off"
name = "5.00 off"
kind = "discount"
amount_cents = 500
standard = true
points = 400
cost_cents = 500

[[catalogue]]
id = "thank-you"
name = "A coffee on us"
kind = "gesture"
standard = true
points = 0
cost_cents = 90

[offers]
holdout_share = )" + std::to_string(holdout_share) + R"(

[offline]
redemption_points_per_member_per_day = 200

[gestures]
cashier_points_per_day = 100
)";
  return text;
}

std::shared_ptr<const rewards::RewardsRules> rules(double holdout_share = 0,
                                                   std::int64_t expire_days = 0) {
  return std::make_shared<const rewards::RewardsRules>(
      rewards::parse_rewards_rules(rules_text(holdout_share, expire_days), "rewards.toml"));
}

// The server with rules, the offers' own connection, and requests as the listener makes them.
struct RewardsServer : ServerFixture {
  std::shared_ptr<const rewards::RewardsRules> rewards_rules;
  std::unique_ptr<server::OfferStore> offer_store;
  std::unique_ptr<server::TerminalOffers> offers;

  explicit RewardsServer(double holdout_share = 0) : rewards_rules(rules(holdout_share)) {
    store->set_rewards_rules(rewards_rules);
    offer_store = server::OfferStore::open(dir / "rapport.db").value();
    offers = std::make_unique<server::TerminalOffers>(*offer_store, rewards_rules);
    REQUIRE(store->register_terminal({"T2", "S1", "01", false}));
  }

  net::HttpResponse ask(std::string method, std::string target, std::string body = "",
                        std::string cn = "T1") {
    net::HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.peer_common_name = std::move(cn);
    request.peer_certificate_serial = "01";
    return server::handle_sync_request(*store, policy, request, nullptr, offers.get());
  }
  net::HttpResponse send(const std::vector<domain::Event>& events, std::string cn = "T1") {
    return ask("POST", std::string(protocol::kPushEventsPath),
               protocol::encode(protocol::PushEventsRequest{events}), std::move(cn));
  }
  protocol::ChangesPage changes() {
    const auto response = ask("GET", std::string(protocol::kChangesPath) + "?since=");
    REQUIRE(response.status == 200);
    return protocol::decode_changes_page(response.body).value();
  }
  void give(std::int64_t member, std::int64_t points) {
    REQUIRE(store->adjust_points(std::vector<server::PointsAdjustment>{
        {member, points, "test", "tester", domain::new_event_id()}}));
  }
  std::int64_t count(const std::string& sql) {
    auto db = storage::Database::open(dir / "rapport.db", server::kSqliteMigrations).value();
    auto stmt = db.prepare(sql).value();
    REQUIRE(stmt.step().value());
    return stmt.column_int64(0);
  }
};

std::vector<std::string> ids_of(const std::vector<domain::MemberOffer>& offers) {
  std::vector<std::string> ids;
  for (const auto& o : offers) ids.push_back(o.id);
  return ids;
}

// A terminal's own SQLite file with its member cache filled from a changes page.
struct TerminalSide {
  rapport::testing::TempDir dir;
  storage::Database db = terminal::open_local_database(dir / "terminal.db").value();
  terminal::MemberCache cache{db};
  terminal::Outbox outbox{db};

  void receive(const protocol::ChangesPage& page) { REQUIRE(cache.apply(page)); }
  std::vector<domain::Event> outbox_events() { return outbox.oldest(500).value(); }
};

// What the server sends for Ada when her balance is `points` and her offers are these.
protocol::ChangesPage page_for(const std::string& token, std::int64_t points,
                               std::vector<domain::MemberOffer> offers,
                               protocol::CounterLimits limits = {200, 100}) {
  domain::Member ada;
  ada.id = 1;
  ada.name = "Ada Lovelace";
  ada.home_store = "S1";
  ada.cards = {{token, "7894", domain::CardStatus::kActive}};
  ada.points_balance = points;
  ada.offers = std::move(offers);
  return {"S1", {ada}, "1.1", false, {}, limits};
}

const domain::MemberOffer kCoffee{"free-coffee", "A free coffee", "free_item", 150};
const domain::MemberOffer kThanks{"thank-you", "A coffee on us", "gesture", 0};

// The server's balance as a terminal would hear it (the real HTTPS one is in the e2e test).
struct FixedBalance final : terminal::BalanceSource {
  std::optional<std::int64_t> answer;
  int asked = 0;
  std::optional<std::int64_t> balance(std::int64_t) override {
    ++asked;
    return answer;
  }
};

const auto kMorning = *from_iso8601("2026-11-26T09:00:00.000Z");

}  // namespace

TEST_CASE("members reach terminals with their offers and the chain's counter limits",
          "[counter_rewards][server]") {
  RewardsServer chain;
  const auto page = chain.changes();
  REQUIRE(page.members.size() == 1);
  // Best first: equal scores, the costlier first (docs/offers.md).
  CHECK(ids_of(page.members[0].offers) ==
        std::vector<std::string>{"five-off", "free-coffee", "thank-you"});
  CHECK(page.members[0].offers[1].points == 150);
  CHECK(page.members[0].offers[1].name == "A free coffee");
  CHECK(page.members[0].offers[1].kind == "free_item");
  REQUIRE(page.limits);
  CHECK(page.limits->offline_redeem_points_per_member_per_day == 200);
  CHECK(page.limits->gesture_points_per_cashier_per_day == 100);
  // A card looked up at the counter comes with them too.
  const auto card = chain.ask("GET", std::string(protocol::kCardsPath) + chain.ada_token);
  REQUIRE(card.status == 200);
  CHECK(protocol::decode_member(card.body).value().offers.size() == 3);
  // A server without rewards sends neither (and terminals of before read the page as ever).
  const auto plain = chain.get(std::string(protocol::kChangesPath) + "?since=");
  const auto plain_page = protocol::decode_changes_page(plain.body).value();
  CHECK(plain_page.members[0].offers.empty());
  CHECK_FALSE(plain_page.limits);
}

TEST_CASE("an offer a member is held out of is recorded held_out once and never sent",
          "[counter_rewards][server]") {
  RewardsServer chain(0.5);
  for (int i = 0; i < 30; ++i) {
    const auto id = chain.store->add_member({"Member " + std::to_string(i), "S1", std::nullopt}).value();
    std::string token(64, 'b');
    token.replace(0, std::to_string(i).size(), std::to_string(i));
    REQUIRE(chain.store->add_card(id, {token, "0000", domain::CardStatus::kActive}));
  }
  std::int64_t held_out_sent = 0;
  std::size_t sent = 0;
  for (int pull = 0; pull < 2; ++pull) {
    for (const auto& m : chain.changes().members) {
      sent += m.offers.size();
      for (const auto& o : m.offers) {
        held_out_sent += chain.count("SELECT count(*) FROM offer_events WHERE outcome = "
                                     "'held_out' AND member_id = " + std::to_string(m.id) +
                                     " AND offer_id = '" + o.id + "'");
      }
    }
  }
  const auto held_out = chain.count("SELECT count(*) FROM offer_events WHERE outcome = 'held_out'");
  CHECK(held_out_sent == 0);
  CHECK(held_out > 5);  // about half of 31 x 3 draws
  CHECK(sent > 20);
  // The second pull drew the same and recorded nothing more.
  CHECK(chain.count("SELECT count(*) FROM (SELECT member_id, offer_id FROM offer_events "
                    "GROUP BY member_id, offer_id HAVING count(*) > 1)") == 0);
  CHECK(static_cast<std::int64_t>(sent) / 2 + held_out == 31 * 3);
}

TEST_CASE("a member's balance is answered from the ledger", "[counter_rewards][server]") {
  RewardsServer chain;
  chain.give(chain.ada, 420);
  const auto answer = chain.ask("GET", "/sync/v1/members/" + std::to_string(chain.ada) + "/balance");
  REQUIRE(answer.status == 200);
  const auto balance = protocol::decode_balance_answer(answer.body).value();
  CHECK(balance.member_id == chain.ada);
  CHECK(balance.points_balance == 420);
  CHECK(chain.ask("GET", "/sync/v1/members/999/balance").status == 404);
  CHECK(chain.ask("GET", "/sync/v1/members/x1/balance").status == 400);
  CHECK(chain.ask("GET", "/sync/v1/members/1/points").status == 404);
  CHECK(chain.ask("POST", "/sync/v1/members/1/balance").status == 405);
  CHECK(chain.ask("GET", "/sync/v1/members/1/balance", "", "T9").status == 403);
}

TEST_CASE("offers shown, declined and accepted at a counter are recorded once however often sent",
          "[counter_rewards][server]") {
  RewardsServer chain;
  chain.give(chain.ada, 300);
  using K = domain::EventKind;
  const auto shown = chain.event(K::kOfferResponse, chain.ada_token,
                                 protocol::encode_payload(protocol::OfferResponsePayload{
                                     "free-coffee", protocol::OfferResponse::kShown}));
  const auto declined = chain.event(K::kOfferResponse, chain.ada_token,
                                    protocol::encode_payload(protocol::OfferResponsePayload{
                                        "five-off", protocol::OfferResponse::kDeclined}));
  const auto redeemed = chain.event(
      K::kRedemption, chain.ada_token,
      protocol::encode_payload(protocol::RedemptionPayload{"free-coffee", 150, {}, "free-coffee"}));
  for (int i = 0; i < 3; ++i) REQUIRE(chain.send({shown, declined, redeemed}).status == 200);
  CHECK(chain.count("SELECT count(*) FROM offer_events WHERE offer_id = 'free-coffee' AND "
                    "outcome = 'shown'") == 1);
  CHECK(chain.count("SELECT count(*) FROM offer_events WHERE offer_id = 'five-off' AND "
                    "outcome = 'declined'") == 1);
  CHECK(chain.count("SELECT count(*) FROM offer_events WHERE offer_id = 'free-coffee' AND "
                    "outcome = 'accepted' AND store_id = 'S1'") == 1);
  CHECK(chain.store->points_balance(chain.ada).value() == 150);
  // Declined: held back for the cool-down; accepted: still offered (within budget).
  const auto offers = ids_of(chain.changes().members[0].offers);
  CHECK(std::find(offers.begin(), offers.end(), "five-off") == offers.end());
}

TEST_CASE("rewards handed over are costed once, at the catalogue's cost of the day",
          "[counter_rewards][server][reward_cost]") {
  RewardsServer chain;
  chain.give(chain.ada, 1000);
  using K = domain::EventKind;
  const auto coffee = chain.event(
      K::kRedemption, chain.ada_token,
      protocol::encode_payload(protocol::RedemptionPayload{"free-coffee", 150, {}, {}}));
  const auto thanks = chain.event(K::kOfferResponse, chain.ada_token,
                                  protocol::encode_payload(protocol::OfferResponsePayload{
                                      "thank-you", protocol::OfferResponse::kAccepted}));
  const auto shown = chain.event(K::kOfferResponse, chain.ada_token,
                                 protocol::encode_payload(protocol::OfferResponsePayload{
                                     "five-off", protocol::OfferResponse::kShown}));
  // Not in the catalogue: nothing to price it by, so no cost row (the points still post).
  const auto unknown = chain.event(
      K::kRedemption, chain.ada_token,
      protocol::encode_payload(protocol::RedemptionPayload{"old-mug", 100, {}, {}}));
  for (int i = 0; i < 3; ++i) REQUIRE(chain.send({coffee, thanks, shown, unknown}).status == 200);
  CHECK(chain.count("SELECT count(*) FROM reward_costs") == 2);
  CHECK(chain.count("SELECT count(*) FROM reward_costs WHERE event_id = '" + coffee.id +
                    "' AND reward = 'free-coffee' AND reward_kind = 'free_item' AND "
                    "cost_cents = 90 AND store_id = 'S1' AND member_id = " +
                    std::to_string(chain.ada)) == 1);
  CHECK(chain.count("SELECT count(*) FROM reward_costs WHERE event_id = '" + thanks.id +
                    "' AND reward_kind = 'gesture' AND cost_cents = 90 AND store_id = 'S1'") == 1);

  // The catalogue's price of a coffee goes up: what was given before keeps its old cost.
  auto text = rules_text(0);
  const auto at = text.find("cost_cents = 90");
  REQUIRE(at != std::string::npos);
  text.replace(at, 15, "cost_cents = 120");
  chain.store->set_rewards_rules(std::make_shared<const rewards::RewardsRules>(
      rewards::parse_rewards_rules(text, "rewards.toml")));
  const auto later = chain.event(
      K::kRedemption, chain.ada_token,
      protocol::encode_payload(protocol::RedemptionPayload{"free-coffee", 150, {}, {}}));
  REQUIRE(chain.send({later, coffee}).status == 200);
  CHECK(chain.count("SELECT cost_cents FROM reward_costs WHERE event_id = '" + later.id + "'") ==
        120);
  CHECK(chain.count("SELECT cost_cents FROM reward_costs WHERE event_id = '" + coffee.id + "'") ==
        90);
  CHECK(chain.count("SELECT sum(cost_cents) FROM reward_costs") == 90 + 90 + 120);
}

TEST_CASE("an offer shown stays the member's to take though the contact limit is reached",
          "[counter_rewards][server]") {
  RewardsServer chain;
  using K = domain::EventKind;
  std::vector<domain::Event> events;
  // Four days with offers shown this month: the limit (4) leaves new offers out.
  for (const char* day : {"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"}) {
    auto e = chain.event(K::kOfferResponse, chain.ada_token,
                         protocol::encode_payload(protocol::OfferResponsePayload{
                             "thank-you", protocol::OfferResponse::kShown}));
    e.occurred_at = std::string(day) + "T10:00:00.000Z";
    events.push_back(e);
  }
  auto accepted = chain.event(K::kOfferResponse, chain.ada_token,
                              protocol::encode_payload(protocol::OfferResponsePayload{
                                  "thank-you", protocol::OfferResponse::kAccepted}));
  accepted.occurred_at = "2026-11-23T11:00:00.000Z";
  auto coffee = chain.event(K::kOfferResponse, chain.ada_token,
                            protocol::encode_payload(protocol::OfferResponsePayload{
                                "free-coffee", protocol::OfferResponse::kShown}));
  coffee.occurred_at = "2026-11-23T10:00:00.000Z";
  events.push_back(accepted);
  events.push_back(coffee);
  REQUIRE(chain.send(events).status == 200);
  const auto now = *from_iso8601("2026-11-25T10:00:00.000Z");
  const auto offers = chain.offers->for_member(chain.ada, "S1", now).value();
  CHECK(ids_of(offers) == std::vector<std::string>{"free-coffee"});
}

TEST_CASE("goodwill points post with the cashier within the daily limit and are flagged beyond",
          "[counter_rewards][server]") {
  RewardsServer chain;
  using K = domain::EventKind;
  const auto gesture = [&](std::int64_t points, const std::string& staff) {
    return chain.event(K::kGesture, chain.ada_token,
                       protocol::encode_payload(protocol::GesturePayload{points, "long wait", staff}));
  };
  const auto first = gesture(60, "ana");
  REQUIRE(chain.send({first, first, gesture(50, "ana"), gesture(40, "ana"), gesture(100, "ben")})
              .status == 200);
  CHECK(chain.store->points_balance(chain.ada).value() == 60 + 40 + 100);
  const auto reviews = chain.store->list_points_reviews(10).value();
  REQUIRE(reviews.size() == 1);
  CHECK(reviews[0].points == 50);
  CHECK(reviews[0].problem.find("limit of 100") != std::string::npos);
  CHECK(chain.count("SELECT count(*) FROM points_postings WHERE kind = 'adjustment' AND "
                    "cause LIKE 'gesture:%' AND staff_user = 'ana' AND reason = 'long wait'") == 2);
  const auto liability = chain.store->points_liability().value();
  CHECK(liability.member_balances == 200);
  CHECK(liability.chain_accounts == -200);
}

TEST_CASE("offline, redemptions stay within the limit per member per day and the cached balance",
          "[counter_rewards][terminal]") {
  const std::string token(64, 'a');
  TerminalSide t;
  t.receive(page_for(token, 300, {kCoffee, kThanks}));
  terminal::RewardsDesk desk({"T1", "S1"}, t.db, t.cache, t.outbox);
  const auto coffee = desk.redeem(token, {"free-coffee"}, kMorning);
  REQUIRE(coffee);
  CHECK_FALSE(coffee->checked_online);
  CHECK(coffee->balance_after == 150);
  CHECK(desk.offers(token).value().size() == 1);  // taken off the list here
  CHECK(desk.redeem(token, {"free-coffee"}, kMorning).error() ==
        terminal::RedemptionErrc::kNoSuchOffer);
  CHECK(desk.redeem(token, {std::nullopt, 60}, kMorning).error() ==
        terminal::RedemptionErrc::kOfflineLimit);  // 150 + 60 > 200 today
  REQUIRE(desk.redeem(token, {std::nullopt, 50}, kMorning));
  // The next day the limit starts again; the balance (100 left) still bounds it.
  const auto tomorrow = kMorning + 24h;
  CHECK(desk.redeem(token, {std::nullopt, 120}, tomorrow).error() ==
        terminal::RedemptionErrc::kNotEnoughPoints);
  REQUIRE(desk.redeem(token, {std::nullopt, 100}, tomorrow));
  // A free offer costs nothing and is accepted, online or not.
  REQUIRE(desk.redeem(token, {"thank-you"}, tomorrow));
  const auto events = t.outbox_events();
  REQUIRE(events.size() == 4);
  const auto first = protocol::decode_redemption(events[0].payload).value();
  CHECK(first.offer_id == std::optional<std::string>("free-coffee"));
  CHECK(first.points == 150);
  CHECK(events[3].kind == domain::EventKind::kOfferResponse);
  CHECK(protocol::decode_offer_response(events[3].payload).value().outcome ==
        protocol::OfferResponse::kAccepted);
  CHECK(desk.redeem(std::string(64, 'f'), {std::nullopt, 1}, kMorning).error() ==
        terminal::RedemptionErrc::kUnknownCard);
  CHECK(desk.redeem(token, {std::nullopt, 0}, kMorning).error() ==
        terminal::RedemptionErrc::kBadRequest);
}

TEST_CASE("before the server sent its limits nothing is redeemed offline",
          "[counter_rewards][terminal]") {
  const std::string token(64, 'a');
  TerminalSide t;
  auto page = page_for(token, 300, {kCoffee});
  page.limits.reset();
  t.receive(page);
  terminal::RewardsDesk desk({"T1", "S1"}, t.db, t.cache, t.outbox);
  CHECK(desk.redeem(token, {"free-coffee"}, kMorning).error() ==
        terminal::RedemptionErrc::kOfflineLimit);
  CHECK(desk.give_gesture(token, "ana", 10, "sorry", kMorning).error() ==
        terminal::RedemptionErrc::kGestureLimit);
}

TEST_CASE("online, the server's balance less what the outbox owes decides",
          "[counter_rewards][terminal]") {
  const std::string token(64, 'a');
  TerminalSide t;
  t.receive(page_for(token, 300, {kCoffee}));
  FixedBalance server;
  terminal::RewardsDesk desk({"T1", "S1"}, t.db, t.cache, t.outbox, &server);
  server.answer = 1000;  // more than the cache knows, and beyond the offline limit
  const auto big = desk.redeem(token, {std::nullopt, 700, "hamper"}, kMorning);
  REQUIRE(big);
  CHECK(big->checked_online);
  CHECK(big->balance_after == 300);
  // The 700 not yet delivered count against what the server says.
  CHECK(desk.redeem(token, {std::nullopt, 301}, kMorning).error() ==
        terminal::RedemptionErrc::kNotEnoughPoints);
  server.answer = 100;  // spent elsewhere: the cached 300 is out of date
  t.outbox.acknowledge(std::vector<std::string>{big->event_id}).value();
  CHECK(desk.redeem(token, {"free-coffee"}, kMorning).error() ==
        terminal::RedemptionErrc::kNotEnoughPoints);
  // Offline again: the cached balance, less the acknowledged 700, covers nothing.
  server.answer.reset();
  CHECK(desk.redeem(token, {std::nullopt, 10}, kMorning).error() ==
        terminal::RedemptionErrc::kNotEnoughPoints);
  CHECK(server.asked == 4);
}

TEST_CASE("offers presented are recorded shown, declined ones leave the list",
          "[counter_rewards][terminal]") {
  const std::string token(64, 'a');
  TerminalSide t;
  t.receive(page_for(token, 0, {kCoffee, kThanks}));
  terminal::RewardsDesk desk({"T1", "S1"}, t.db, t.cache, t.outbox);
  CHECK(desk.offers(token).value().size() == 2);
  CHECK(t.outbox_events().empty());  // listing records nothing
  REQUIRE(desk.present_offers(token, kMorning).value().size() == 2);
  REQUIRE(desk.decline(token, "free-coffee", kMorning));
  CHECK(desk.decline(token, "free-coffee", kMorning).error() ==
        terminal::RedemptionErrc::kNoSuchOffer);
  CHECK(ids_of(desk.offers(token).value()) == std::vector<std::string>{"thank-you"});
  std::vector<std::string> outcomes;
  for (const auto& e : t.outbox_events()) {
    const auto r = protocol::decode_offer_response(e.payload).value();
    outcomes.push_back(r.offer_id + ":" + std::string(protocol::to_string(r.outcome)));
  }
  CHECK(outcomes == std::vector<std::string>{"free-coffee:shown", "thank-you:shown",
                                             "free-coffee:declined"});
  // The server's next copy of the member replaces the list.
  t.receive(page_for(token, 0, {kCoffee}));
  CHECK(ids_of(desk.offers(token).value()) == std::vector<std::string>{"free-coffee"});
}

TEST_CASE("a cashier's goodwill points are refused at the terminal beyond the daily limit",
          "[counter_rewards][terminal]") {
  const std::string token(64, 'a');
  TerminalSide t;
  t.receive(page_for(token, 0, {}));
  terminal::RewardsDesk desk({"T1", "S1"}, t.db, t.cache, t.outbox);
  const auto given = desk.give_gesture(token, "ana", 70, "coffee was cold", kMorning);
  REQUIRE(given);
  CHECK(given->balance_after == 70);
  CHECK(desk.give_gesture(token, "ana", 31, "again", kMorning).error() ==
        terminal::RedemptionErrc::kGestureLimit);
  CHECK(desk.give_gesture(token, "ben", 100, "birthday", kMorning));
  CHECK(desk.give_gesture(token, "ana", 100, "next day", kMorning + 24h));
  CHECK(desk.give_gesture(token, "", 10, "who?", kMorning).error() ==
        terminal::RedemptionErrc::kBadRequest);
  const auto g = protocol::decode_gesture(t.outbox_events()[0].payload).value();
  CHECK(g.staff == "ana");
  CHECK(g.points == 70);
  CHECK(g.reason == "coffee was cold");
}

TEST_CASE("the same points spent offline at two terminals are flagged by the server",
          "[counter_rewards][terminal][server]") {
  RewardsServer chain;
  chain.give(chain.ada, 200);
  const auto page = chain.changes();  // both terminals hold Ada with 200 points
  TerminalSide t1;
  TerminalSide t2;
  t1.receive(page);
  t2.receive(page);
  terminal::RewardsDesk desk1({"T1", "S1"}, t1.db, t1.cache, t1.outbox);
  terminal::RewardsDesk desk2({"T2", "S1"}, t2.db, t2.cache, t2.outbox);
  REQUIRE(desk1.redeem(chain.ada_token, {"free-coffee"}, kMorning));
  REQUIRE(desk2.redeem(chain.ada_token, {"free-coffee"}, kMorning));
  REQUIRE(chain.send(t1.outbox_events(), "T1").status == 200);
  REQUIRE(chain.send(t2.outbox_events(), "T2").status == 200);
  REQUIRE(chain.send(t2.outbox_events(), "T2").status == 200);  // a resend changes nothing
  CHECK(chain.store->points_balance(chain.ada).value() == std::optional<std::int64_t>(-100));
  const auto reviews = chain.store->list_points_reviews(10).value();
  REQUIRE(reviews.size() == 1);
  CHECK(reviews[0].terminal_id == "T2");
  CHECK(reviews[0].balance_before == std::optional<std::int64_t>(50));
  CHECK(chain.count("SELECT count(*) FROM offer_events WHERE outcome = 'accepted'") == 2);
  const auto liability = chain.store->points_liability().value();
  CHECK(liability.member_balances == -100);
  CHECK(liability.chain_accounts == 100);
}

TEST_CASE("the expiry job runs at start and on its schedule", "[counter_rewards][expiry]") {
  rapport::testing::TempDir dir;
  const auto file = dir / "rapport.db";
  const auto with_expiry = rules(0, 365);
  std::int64_t ada = 0;
  {
    auto store = server::open_sqlite_store(file).value();
    store->set_rewards_rules(with_expiry);
    REQUIRE(store->add_store("S1", "High Street"));
    ada = store->add_member({"Ada", "S1", std::nullopt}).value();
    REQUIRE(store->add_card(ada, {std::string(64, 'a'), "7894", domain::CardStatus::kActive}));
    REQUIRE(store->record_events(std::vector<domain::Event>{
        rapport::testing::sale(std::string(64, 'a'), 25'000, "general", "2024-01-10T10:00:00.000Z")}));
    REQUIRE(store->points_balance(ada).value() == std::optional<std::int64_t>(250));
  }
  // One run by hand: a year before it, nothing; after, everything; again, nothing more.
  CHECK(server::run_points_expiry(file, with_expiry, *from_iso8601("2024-06-01T00:00:00.000Z"))
            .value() == 0);
  {
    const server::PointsScheduler off(file, with_expiry, 0ms);
    CHECK(off.runs() == 0);
  }
  {
    const server::PointsScheduler scheduler(file, with_expiry, 50ms);
    REQUIRE(rapport::testing::wait_until([&] { return scheduler.runs() >= 2; }, 10s));
  }
  auto store = server::open_sqlite_store(file).value();
  CHECK(store->points_balance(ada).value() == std::optional<std::int64_t>(0));
  CHECK(store->points_liability().value().member_balances == 0);
}

TEST_CASE("a mistake in [gestures] is refused naming the key and its line",
          "[counter_rewards][rules]") {
  const auto refusal = [](const std::string& gestures) -> std::string {
    auto text = rules_text(0);
    text = text.substr(0, text.find("[gestures]")) + gestures;
    try {
      (void)rewards::parse_rewards_rules(text, "rewards.toml");
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "accepted";
  };
  const auto line_of_last = [](const std::string& gestures) {
    auto text = rules_text(0);
    text = text.substr(0, text.find("[gestures]")) + gestures;
    return std::to_string(std::count(text.begin(), text.end(), '\n'));
  };
  const std::string negative = "[gestures]\ncashier_points_per_day = -5\n";
  CHECK_THAT(refusal(negative), Catch::Contains("gestures.cashier_points_per_day") &&
                                    Catch::Contains("line " + line_of_last(negative)));
  const std::string misspelt = "[gestures]\ncashier_point_per_day = 5\n";
  CHECK_THAT(refusal(misspelt), Catch::Contains("cashier_point_per_day") &&
                                    Catch::Contains("line " + line_of_last(misspelt)));
  const std::string wrong_type = "[gestures]\ncashier_points_per_day = \"lots\"\n";
  CHECK_THAT(refusal(wrong_type), Catch::Contains("gestures.cashier_points_per_day"));
  CHECK(refusal("") == "accepted");
  CHECK(rewards::parse_rewards_rules(rules_text(0), "r.toml").gesture_points_per_cashier_per_day ==
        100);
}
