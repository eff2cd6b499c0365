// tests/unit/store_contract_test.cpp
//
// One behaviour, two backends: every contract below runs against a SQLite file and against
// a PostgreSQL database on a throwaway cluster (tests/support/pg_cluster.h), through the
// Store interface only. A test named "store contract on sqlite: X" has a twin "store
// contract on postgresql: X".

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/rewards/rewards_config.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_errc.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/protocol/sync_messages.h"
#include "shared/storage/database.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"
#include "tests/unit/store_rows.h"

using namespace rapport;
using domain::EventKind;
using rapport::testing::PgCluster;
using rapport::testing::TempDir;

namespace {

enum class Backend { kSqlite, kPostgresql };

// A fresh store on `backend` holding S1 and S2, Ada (home S1) with ada_token, and
// terminal T1 of S1, as tests/unit/server_fixture.h.
struct Contract {
  explicit Contract(Backend b) : backend(b) {
    url = backend == Backend::kSqlite ? "sqlite://" + (dir / "rapport.db").string()
                                      : PgCluster::shared().fresh_database();
    store = server::open_store(url).value();
    REQUIRE(store->add_store("S1", "High Street"));
    REQUIRE(store->add_store("S2", "Station"));
    ada = store->add_member({"Ada Lovelace", "S1", "1815-12-10"}).value();
    REQUIRE(store->add_card(ada, {ada_token, "7894", domain::CardStatus::kActive}));
    REQUIRE(store->register_terminal({"T1", "S1", "01", false}));
  }

  static domain::Event event(EventKind kind, const std::string& token, std::string payload = "{}",
                             std::string store_id = "S1",
                             std::string at = "2026-11-25T10:00:00.000Z") {
    domain::Event e;
    e.id = domain::new_event_id();
    e.kind = kind;
    e.card_token = token;
    e.occurred_at = std::move(at);
    e.terminal_id = store_id == "S1" ? "T1" : "T2";
    e.store_id = std::move(store_id);
    e.payload = std::move(payload);
    return e;
  }
  static domain::Event visit(const std::string& token, std::string store_id = "S1",
                             std::string at = "2026-11-25T10:00:00.000Z") {
    return event(EventKind::kVisit, token, "{}", std::move(store_id), std::move(at));
  }

  domain::Member member(std::int64_t id) {
    for (auto& m : store->list_members(std::nullopt).value()) {
      if (m.id == id) return m;
    }
    FAIL("no member " << id);
    return {};
  }

  // Rows of `sql` (the same text on both backends) as tab-separated text, NULL as "-".
  std::vector<std::string> rows(const std::string& sql) { return testing::store_rows(url, sql); }

  Backend backend;
  TempDir dir;
  std::string url;
  std::unique_ptr<server::Store> store;
  std::int64_t ada = 0;
  std::string ada_token = std::string(64, 'a');
};

const server::ChangeScope kScopeS1{"S1", "2026-01-01T00:00:00.000Z", "2099-01-01T00:00:00.000Z"};

// --- The contracts ---

void exactly_once(Contract& c) {
  const std::vector<domain::Event> batch{c.visit(c.ada_token), c.visit(c.ada_token)};
  CHECK(c.store->record_events(batch).value() == 2);
  CHECK(c.store->record_events(batch).value() == 0);  // resent after a lost acknowledgement
  const std::vector<domain::Event> overlap{batch[1], c.visit(c.ada_token)};
  CHECK(c.store->record_events(overlap).value() == 1);
  const auto twice = c.visit(c.ada_token);
  const std::vector<domain::Event> doubled{twice, twice};  // one id twice in one batch
  CHECK(c.store->record_events(doubled).value() == 1);
  const auto events = c.store->list_events(100).value();
  REQUIRE(events.size() == 4);
  CHECK(events[0].event.id == batch[0].id);
  CHECK(events[0].sequence < events[1].sequence);
  CHECK(c.member(c.ada).visit_count == 4);  // effects applied once per new event
  CHECK(c.store->last_event_sequence().value() == events.back().sequence);
}

void server_resolves_members(Contract& c) {
  const std::string stranger(64, 'f');
  auto claimed = c.visit(c.ada_token);
  claimed.member_id = 999;  // the terminal's claim is not what the server stores
  const std::vector<domain::Event> first{c.visit(stranger), claimed};
  REQUIRE(c.store->record_events(first));
  auto events = c.store->list_events(10).value();
  REQUIRE(events.size() == 2);
  CHECK_FALSE(events[0].event.member_id);
  CHECK(events[1].event.member_id == c.ada);
  // The stranger enrolls (and visits again) in one batch: the earlier visit becomes theirs.
  protocol::EnrollmentPayload enrollment;
  enrollment.name = "Grace Hopper";
  enrollment.last4 = "1111";
  const std::vector<domain::Event> second{
      c.event(EventKind::kEnrollment, stranger, protocol::encode_payload(enrollment)),
      c.visit(stranger)};
  CHECK(c.store->record_events(second).value() == 2);
  const auto grace = c.store->find_member_by_card(stranger).value();
  REQUIRE(grace);
  CHECK(grace->name == "Grace Hopper");
  CHECK(grace->home_store == "S1");
  CHECK(grace->visit_count == 2);
  events = c.store->list_events(10).value();
  CHECK(events[0].event.member_id == grace->id);
  // Personal data stays out of the stored event.
  CHECK(events[2].event.payload.find("Grace") == std::string::npos);
}

void constraints(Contract& c) {
  CHECK(c.store->add_store("S1", "Again").error() == storage::StorageErrc::kConstraint);
  CHECK(c.store->add_member({"Nobody", "S9", std::nullopt}).error() ==
        storage::StorageErrc::kConstraint);
  CHECK(c.store->add_card(c.ada, {c.ada_token, "7894", domain::CardStatus::kActive}).error() ==
        storage::StorageErrc::kConstraint);
  CHECK_FALSE(c.store->enroll_member({"Eve", "S1", std::nullopt},
                                     {c.ada_token, "7894", domain::CardStatus::kActive}));
  CHECK(c.store->list_members(std::nullopt).value().size() == 1);  // no half-enrolled Eve
  REQUIRE(c.store->enroll_member({"Eve", "S2", std::nullopt},
                                 {std::string(64, 'e'), "1111", domain::CardStatus::kActive}));
  CHECK(c.store->list_members(std::string("S1")).value().size() == 1);
  CHECK(c.store->list_members(std::nullopt).value().size() == 2);
  CHECK(c.store->list_stores().value() == std::vector<std::string>{"S1", "S2"});
  CHECK(c.store->set_store_region("S1", std::string("North")).value());
  CHECK_FALSE(c.store->set_store_region("S9", std::string("North")).value());
}

void member_changes_paging(Contract& c) {
  const auto bob = c.store->add_member({"Bob", "S1", std::nullopt}).value();
  const auto cy = c.store->add_member({"Cy", "S1", std::nullopt}).value();
  const auto dee = c.store->add_member({"Dee", "S2", std::nullopt}).value();  // not S1's
  std::vector<std::int64_t> seen;
  std::int64_t sequence = 0;
  std::int64_t member_id = 0;
  for (int page = 0; page < 10; ++page) {
    const auto changes = c.store->member_changes(kScopeS1, sequence, member_id, 2).value();
    for (const auto& m : changes.members) seen.push_back(m.id);
    sequence = changes.last_sequence;
    member_id = changes.last_member_id;
    if (!changes.more) break;
  }
  CHECK(seen == std::vector<std::int64_t>{c.ada, bob, cy});
  // Nothing new: an empty page keeps the cursor.
  auto none = c.store->member_changes(kScopeS1, sequence, member_id, 2).value();
  CHECK(none.members.empty());
  CHECK_FALSE(none.more);
  CHECK(none.last_sequence == sequence);
  // A visit moves Ada to the end; Dee seen at S1 joins S1's scope.
  const std::string dee_token(64, 'd');
  REQUIRE(c.store->add_card(dee, {dee_token, "4444", domain::CardStatus::kActive}));
  const std::vector<domain::Event> visits{c.visit(c.ada_token), c.visit(dee_token)};
  REQUIRE(c.store->record_events(visits));
  const auto after = c.store->member_changes(kScopeS1, sequence, member_id, 10).value();
  std::vector<std::int64_t> moved;
  for (const auto& m : after.members) moved.push_back(m.id);
  std::sort(moved.begin(), moved.end());
  CHECK(moved == std::vector<std::int64_t>{c.ada, dee});
  CHECK_FALSE(after.more);
  REQUIRE_FALSE(after.members.empty());
  CHECK_FALSE(after.members[0].cards.empty());
}

void card_lookup(Contract& c) {
  CHECK_FALSE(c.store->find_member_by_card(std::string(64, '0')).value());
  protocol::NotePayload note;
  note.topic = protocol::NoteTopic::kPreference;
  note.text = "oat milk";
  protocol::CardLinkedPayload linked;
  linked.new_card_token = std::string(64, 'b');
  linked.last4 = "2222";
  linked.replaces_card = true;  // Ada's card is lost: the new one joins, the old is blocked
  const std::vector<domain::Event> batch{
      c.event(EventKind::kNote, c.ada_token, protocol::encode_payload(note)),
      c.event(EventKind::kCardLinked, c.ada_token, protocol::encode_payload(linked)),
      c.visit(linked.new_card_token)};
  CHECK(c.store->record_events(batch).value() == 3);
  for (const auto& token : {c.ada_token, linked.new_card_token}) {
    const auto ada = c.store->find_member_by_card(token).value();
    REQUIRE(ada);
    CHECK(ada->id == c.ada);
    REQUIRE(ada->cards.size() == 2);
    CHECK(ada->cards[0].token == c.ada_token);
    CHECK(ada->cards[0].status == domain::CardStatus::kBlocked);
    CHECK(ada->cards[1].status == domain::CardStatus::kActive);
    REQUIRE(ada->notes.size() == 1);
    CHECK(ada->notes[0].text == "oat milk");
    CHECK(ada->visit_count == 1);
  }
}

void terminals_and_revocation(Contract& c) {
  CHECK_FALSE(c.store->find_terminal("T9").value());
  const auto t1 = c.store->find_terminal("T1").value();
  REQUIRE(t1);
  CHECK(t1->store_id == "S1");
  CHECK_FALSE(t1->revoked);
  CHECK(c.store->revoke_terminal("T1").value());
  CHECK_FALSE(c.store->revoke_terminal("T1").value());  // already
  CHECK_FALSE(c.store->revoke_terminal("T9").value());  // no such terminal
  CHECK(c.store->find_terminal("T1").value()->revoked);
  REQUIRE(c.store->register_terminal({"T1", "S2", "02", false}));  // issued again
  const auto again = c.store->find_terminal("T1").value();
  CHECK_FALSE(again->revoked);
  CHECK(again->store_id == "S2");
  CHECK(again->certificate_serial == "02");
}

void velocity_alerts(Contract& c) {
  c.store->set_card_velocity_window(std::chrono::minutes(60));
  const std::vector<domain::Event> batch{c.visit(c.ada_token, "S1", "2026-11-25T10:00:00.000Z"),
                                         c.visit(c.ada_token, "S2", "2026-11-25T10:10:00.000Z"),
                                         c.visit(c.ada_token, "S2", "2026-11-25T13:00:00.000Z")};
  REQUIRE(c.store->record_events(batch));
  const auto alerts = c.store->list_card_alerts(10).value();
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].first_store == "S1");
  CHECK(alerts[0].second_store == "S2");
  CHECK(alerts[0].event_id == batch[1].id);
  CHECK(alerts[0].last4 == "7894");
  CHECK(alerts[0].member_id == c.ada);
}

void schema_too_new(Contract& c) {
  c.store.reset();
  if (c.backend == Backend::kSqlite) {
    // A newer Rapport ran migration 999 on the file.
    const storage::Migration newer[] = {{999, "CREATE TABLE from_the_future(x)"}};
    REQUIRE(storage::Database::open(c.dir / "rapport.db", newer));
  } else {
    auto db = server::pg::Connection::open(c.url).value();
    REQUIRE(db.exec("INSERT INTO schema_version(version, applied_at) VALUES (999, 'later')"));
  }
  CHECK(server::open_store(c.url).error() == storage::StorageErrc::kSchemaTooNew);
}

void token_issues(Contract& c) {
  REQUIRE(c.store->record_member_token_issue(
      {c.ada_token, c.ada, "04a1b2", 1, "T1", "S1", "2026-11-25T10:00:00.000Z"}));
  const auto issues = c.store->list_member_token_issues(10).value();
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].chip_uid == "04a1b2");
  CHECK(issues[0].member_id == c.ada);
  CHECK(c.store->points_balance(c.ada).value() == 0);
  CHECK_FALSE(c.store->points_balance(424242).value());
}

// The member entry of the changes feed carries the member's recent purchases at any till
// (docs/protocol.md, "Recent purchases"), so another terminal can refund them; a refund
// never takes back more than is left, whichever till sends it.
void recent_purchases(Contract& c) {
  protocol::PurchasePayload purchase;
  purchase.lines = {{"Flat white", "coffee", 2, 700, std::nullopt},
                    {"Croissant", "bakery", 1, 300, std::nullopt}};
  purchase.total_cents = 1000;
  const auto bought =
      c.event(EventKind::kPurchase, c.ada_token, protocol::encode_payload(purchase), "S2",
              now_iso8601());
  const auto record = [&](std::vector<domain::Event> batch) {
    return c.store->record_events(batch);
  };
  const auto start = c.store->member_changes(kScopeS1, 0, 0, 100).value();
  const auto recorded = record({bought});
  const auto changes_after = [&](const server::MemberChanges& before) {
    return c.store->member_changes(kScopeS1, before.last_sequence, before.last_member_id, 100)
        .value();
  };
  REQUIRE(recorded);
  // The purchase marked Ada changed: the feed after the earlier cursor carries her with it.
  const auto bought_page = changes_after(start);
  REQUIRE(bought_page.members.size() == 1);
  const auto& sent = bought_page.members[0].recent_purchases;
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].event_id == bought.id);
  CHECK(sent[0].occurred_at == bought.occurred_at);
  CHECK(sent[0].store_id == "S2");
  CHECK(sent[0].summary == "2 x Flat white, Croissant");
  CHECK(sent[0].total_cents == 1000);
  CHECK(sent[0].refundable_cents == 1000);

  // Refunded in part at one till, then in full at two tills (each saw 600 left): taken back
  // at most in full, and every refund marks her changed again.
  const auto refund = [&](std::int64_t cents, const std::string& store_id) {
    return c.event(EventKind::kRefund, c.ada_token,
                   protocol::encode_payload(protocol::RefundPayload{bought.id, cents}), store_id,
                   now_iso8601());
  };
  REQUIRE(record({refund(400, "S1")}));
  const auto part_page = changes_after(bought_page);
  REQUIRE(part_page.members.size() == 1);
  REQUIRE(part_page.members[0].recent_purchases.size() == 1);
  CHECK(part_page.members[0].recent_purchases[0].refundable_cents == 600);
  REQUIRE(record({refund(600, "S1"), refund(600, "S2")}));
  const auto full_page = changes_after(part_page);
  REQUIRE(full_page.members.size() == 1);
  REQUIRE(full_page.members[0].recent_purchases.size() == 1);
  CHECK(full_page.members[0].recent_purchases[0].refundable_cents == 0);

  // Bounded: nothing older than kRecentPurchaseDays, at most kMaxPurchasesPerMember, newest
  // first.
  REQUIRE(record({c.event(EventKind::kPurchase, c.ada_token,
                                          protocol::encode_payload(purchase), "S1",
                                          "2020-01-02T10:00:00.000Z")}));
  std::vector<domain::Event> more;
  const auto now = std::chrono::system_clock::now();
  for (int i = 1; i <= 11; ++i) {
    more.push_back(c.event(EventKind::kPurchase, c.ada_token, protocol::encode_payload(purchase),
                           "S1", to_iso8601(now - std::chrono::hours(24 * i))));
  }
  REQUIRE(c.store->record_events(more));
  const auto bounded = c.store->member_changes(kScopeS1, 0, 0, 100).value();
  REQUIRE(bounded.members.size() == 1);
  const auto& latest = bounded.members[0].recent_purchases;
  REQUIRE(latest.size() == protocol::kMaxPurchasesPerMember);
  CHECK(latest[0].event_id == bought.id);
  CHECK(latest[1].event_id == more[0].id);
  CHECK(latest.back().event_id == more[8].id);
  // And the card lookup sends them likewise.
  const auto looked_up = c.store->find_member_by_card(c.ada_token).value();
  REQUIRE(looked_up);
  CHECK(looked_up->recent_purchases.size() == protocol::kMaxPurchasesPerMember);
}

// Purchases keep each member's purchase days, first and last day, revenue and margin net of
// refunds and spend by category (what the value engine reads), on either backend: a refund
// that arrives before its purchase applies when the purchase does, one in the same batch
// applies once, a void takes back what is left, and a card's purchases follow it to the
// member who enrolls it.
void purchase_totals(Contract& c) {
  const auto sale = [&](const std::string& token, std::int64_t cents, std::string category,
                        std::string at, std::optional<std::int64_t> margin) {
    protocol::PurchasePayload p;
    p.lines = {{"Item", std::move(category), 1, cents, margin}};
    p.total_cents = cents;
    return c.event(EventKind::kPurchase, token, protocol::encode_payload(p), "S1", std::move(at));
  };
  const auto refund = [&](const domain::Event& purchase, std::int64_t cents) {
    return c.event(EventKind::kRefund, c.ada_token,
                   protocol::encode_payload(protocol::RefundPayload{purchase.id, cents}), "S2");
  };
  const auto totals = [&](std::int64_t member) {
    return c.rows("SELECT purchase_days, first_purchase_day, last_purchase_day, revenue_cents, "
                  "margin_cents FROM members WHERE id = " + std::to_string(member));
  };
  const auto categories = [&](std::int64_t member) {
    return c.rows("SELECT category, spend_cents, lines FROM member_categories WHERE member_id = " +
                  std::to_string(member) + " ORDER BY category");
  };
  const auto coffee = sale(c.ada_token, 1000, "coffee", "2026-11-20T09:00:00.000Z", 400);
  const auto cake = sale(c.ada_token, 500, "bakery", "2026-11-20T15:00:00.000Z", 100);
  const auto beans = sale(c.ada_token, 2000, "coffee", "2026-11-22T10:00:00.000Z", std::nullopt);
  // A refund of the beans reaches the server before the beans themselves (another till).
  REQUIRE(c.store->record_events(std::vector<domain::Event>{refund(beans, 500)}).value() == 1);
  // Coffee and cake, then a refund of half the cake in the same batch.
  REQUIRE(c.store->record_events(std::vector<domain::Event>{coffee, cake, refund(cake, 250)})
              .value() == 3);
  CHECK((totals(c.ada) == std::vector<std::string>{"1\t2026-11-20\t2026-11-20\t1250\t450"}));
  // Two purchases with an "Item": it is her usual order.
  const auto usual = [&](std::int64_t member) {
    return c.rows("SELECT usual_order FROM members WHERE id = " + std::to_string(member));
  };
  CHECK((usual(c.ada) == std::vector<std::string>{"Item"}));
  CHECK((categories(c.ada) ==
         std::vector<std::string>{"bakery\t500\t1", "coffee\t1000\t1"}));
  // The beans arrive: the early refund applies now, once.
  REQUIRE(c.store->record_events(std::vector<domain::Event>{beans}).value() == 1);
  CHECK((totals(c.ada) == std::vector<std::string>{"2\t2026-11-20\t2026-11-22\t2750\t450"}));
  // Resent, nothing changes; a void takes back what is left of the beans, and a refund of
  // more than is left of the coffee takes back only what is left.
  REQUIRE(c.store->record_events(std::vector<domain::Event>{beans}).value() == 0);
  const auto voided = c.event(EventKind::kVoid, c.ada_token,
                              protocol::encode_payload(protocol::VoidPayload{beans.id}));
  REQUIRE(c.store->record_events(std::vector<domain::Event>{voided, refund(coffee, 5000)}));
  CHECK((c.rows("SELECT event_id, refunded_cents FROM purchases ORDER BY amount_cents") ==
         std::vector<std::string>{cake.id + "\t250", coffee.id + "\t1000",
                                  beans.id + "\t2000"}));
  // Only the half-refunded cake is left of her purchases: no usual order any more.
  CHECK((usual(c.ada) == std::vector<std::string>{"-"}));
  // Margin is taken back in proportion: the cake's 100 less half.
  CHECK((totals(c.ada) == std::vector<std::string>{"2\t2026-11-20\t2026-11-22\t250\t50"}));

  // A card nobody holds buys, then enrolls: the purchase and its categories become theirs.
  const std::string stranger(64, '9');
  REQUIRE(c.store->record_events(
      std::vector<domain::Event>{sale(stranger, 700, "tea", "2026-11-23T08:00:00.000Z", 300)}));
  protocol::EnrollmentPayload enrollment;
  enrollment.name = "Grace Hopper";
  enrollment.last4 = "9999";
  REQUIRE(c.store->record_events(std::vector<domain::Event>{
      c.event(EventKind::kEnrollment, stranger, protocol::encode_payload(enrollment))}));
  const auto grace = c.store->find_member_by_card(stranger).value();
  REQUIRE(grace);
  CHECK((totals(grace->id) == std::vector<std::string>{"1\t2026-11-23\t2026-11-23\t700\t300"}));
  CHECK((categories(grace->id) == std::vector<std::string>{"tea\t700\t1"}));
}

// Every rule of the ledger at once: earning with a category multiplier, a Gold tier that
// doubles, sign-up, referral, every second visit and birthday bonuses, expiry, a reward with
// a cost, and a cashier's daily goodwill limit.
const std::string kLedgerRules = R"(
[earning]
points_per_unit = 1
signup_points = 100
referral_points = 250
every_nth_visit = 2
nth_visit_points = 50
birthday_points = 200
expire_after_days = 30
[earning.categories]
coffee = 2.0
[reward_tiers]
measure = "points"
qualifying_days = 30
grace_days = 10
[[reward_tiers.tier]]
name = "Member"
threshold = 0
[[reward_tiers.tier]]
name = "Gold"
threshold = 100
multiplier = 2.0
[treatment.MVC]
budget_cents_per_member = 0
offer_kinds = []
personalisation = "none"
max_contacts_per_month = 0
[treatment.MGC]
budget_cents_per_member = 0
offer_kinds = []
personalisation = "none"
max_contacts_per_month = 0
[treatment.LMC]
budget_cents_per_member = 0
offer_kinds = []
personalisation = "none"
max_contacts_per_month = 0
[treatment.BZ]
budget_cents_per_member = 0
offer_kinds = []
personalisation = "none"
max_contacts_per_month = 0
[[catalogue]]
id = "free-coffee"
name = "A free coffee"
kind = "free_item"
product = "Coffee"
standard = true
points = 150
cost_cents = 90
[offers]
holdout_share = 0.0
[offline]
redemption_points_per_member_per_day = 100
[gestures]
cashier_points_per_day = 50
)";

// What the ledger holds, as text: every posting with its entries (but times, and reasons
// that quote a time), reviews, reward tiers, offer outcomes, reward costs and balances.
struct LedgerFigures {
  std::vector<std::string> postings, reviews, tiers, offers, costs, balances;
  server::PointsLiability liability;
};

LedgerFigures ledger_figures(Contract& c) {
  LedgerFigures f;
  f.postings = c.rows(
      "SELECT p.kind, p.cause, p.event_id, p.purchase_id, p.staff_user, e.account, e.member_id, "
      "e.points FROM points_postings p JOIN points_entries e ON e.posting_id = p.id "
      "ORDER BY p.cause, e.account, e.member_id");
  f.reviews = c.rows("SELECT event_id, member_id, terminal_id, points, balance_before, problem "
                     "FROM points_reviews ORDER BY event_id");
  f.tiers = c.rows("SELECT member_id, tier, held_until FROM member_reward_tiers ORDER BY 1");
  f.offers = c.rows("SELECT member_id, offer_id, outcome, at, store_id FROM offer_events "
                    "ORDER BY id");
  f.costs = c.rows("SELECT event_id, member_id, store_id, reward, reward_kind, cost_cents, "
                   "occurred_at FROM reward_costs ORDER BY event_id");
  for (const auto& m : c.store->list_members(std::nullopt).value()) {
    f.balances.push_back(std::to_string(m.id) + " " + std::to_string(m.points_balance.value_or(0)) + " " +
                         m.reward_tier.value_or("-") + " " +
                         std::to_string(c.store->points_balance(m.id).value().value()));
  }
  f.liability = c.store->points_liability().value();
  return f;
}

// The same batches, made up of every kind the ledger applies and mixed within each batch,
// sent to a store on `c`'s backend; the figures before and after the expiry job.
std::pair<LedgerFigures, LedgerFigures> ledger_scenario(Contract& c,
                                                        const std::vector<domain::Event>& ids) {
  c.store->set_rewards_rules(std::make_shared<const rewards::RewardsRules>(
      rewards::parse_rewards_rules(kLedgerRules, "ledger-contract.toml")));
  const std::string bob_token(64, 'b');
  const auto bob = c.store->add_member({"Bob", "S1", std::nullopt}).value();
  REQUIRE(c.store->add_card(bob, {bob_token, "1111", domain::CardStatus::kActive}));
  // Events made once by the caller (`ids` holds them), so both backends get the same ids.
  const auto send = [&](std::size_t from, std::size_t to) {
    const std::vector<domain::Event> batch(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                           ids.begin() + static_cast<std::ptrdiff_t>(to));
    REQUIRE(c.store->record_events(batch));
  };
  send(0, 5);
  send(5, 11);
  send(5, 11);  // again: nothing changes
  send(11, 12);
  send(12, 17);
  send(17, 18);
  send(18, 19);
  const std::vector<server::PointsAdjustment> goodwill{{1, 40, "goodwill", "sam", "import:t:1"}};
  REQUIRE(c.store->adjust_points(goodwill));
  auto before = ledger_figures(c);
  const auto expired = c.store->expire_points(from_iso8601("2027-03-01T00:00:00Z").value());
  CHECK(expired.value() == 3);
  return {std::move(before), ledger_figures(c)};
}

// The scenario's events (Ada is member 1 with ada_token, Bob 2, Carol 3, the stranger 4).
std::vector<domain::Event> ledger_events(const std::string& ada_token) {
  using namespace rapport::testing;
  const std::string bob_token(64, 'b');
  const std::string carol_token(64, 'c');
  const std::string stranger(64, '9');
  const auto at = [](int day) {
    return "2026-12-0" + std::to_string(day) + "T10:00:00.000Z";
  };
  const auto visit = [&](const std::string& token, int day) {
    return make_event(EventKind::kVisit, token, "{}", at(day));
  };
  const auto gesture = [&](const std::string& token, std::int64_t points) {
    return make_event(EventKind::kGesture, token,
                      protocol::encode_payload(protocol::GesturePayload{points, "spilt", "sam"}),
                      at(2));
  };
  const auto coffee = sale(ada_token, 5'000, "coffee", at(1));  // 100: Gold
  const auto second = sale(ada_token, 4'000, "general", at(2));  // Gold doubles: 80
  const auto bobs = sale(bob_token, 3'000, "general", at(1));
  protocol::EnrollmentPayload carol{"Carol", "1990-12-05", "2222", std::nullopt, ada_token};
  protocol::EnrollmentPayload late{"Dora", std::nullopt, "9999", std::nullopt, std::nullopt};
  return {
      // 0-4: two visits (the birthday month, the second visit's bonus), a sale, a refund of
      // a sale not arrived yet, Bob's sale.
      visit(ada_token, 1), visit(ada_token, 1), coffee, refund(ada_token, second.id, 1'000),
      bobs,
      // 5-10: the sale arrives (the early refund applies), a reward redeemed on it, goodwill
      // within and beyond the cashier's limit, an offer accepted.
      second, redeem(ada_token, 150, second.id), visit(bob_token, 2), gesture(bob_token, 30),
      gesture(ada_token, 30),
      make_event(EventKind::kOfferResponse, ada_token,
                 protocol::encode_payload(
                     protocol::OfferResponsePayload{"free-coffee", protocol::OfferResponse::kAccepted}),
                 at(2)),
      // 11: Carol joins, referred by Ada.
      make_event(EventKind::kEnrollment, carol_token, protocol::encode_payload(carol), at(3)),
      // 12-16: her first sale (Ada's referral), the second sale voided (its reward given
      // back), part of Bob's refunded, Bob redeeming beyond his balance, a card nobody holds.
      sale(carol_token, 2'000, "general", at(3)), cancel(ada_token, second.id),
      refund(bob_token, bobs.id, 500), redeem(bob_token, 1'000),
      redeem(std::string(64, 'e'), 10),
      // 17-18: a card nobody holds buys, then is enrolled: the sale earns then.
      sale(stranger, 3'000, "general", at(4)),
      make_event(EventKind::kEnrollment, stranger, protocol::encode_payload(late), at(4)),
  };
}

}  // namespace

#define STORE_CONTRACT(title, body)                                          \
  TEST_CASE("store contract on sqlite: " title, "[store][sqlite]") {         \
    Contract c(Backend::kSqlite);                                            \
    body(c);                                                                 \
  }                                                                          \
  TEST_CASE("store contract on postgresql: " title, "[store][postgresql]") { \
    Contract c(Backend::kPostgresql);                                        \
    body(c);                                                                 \
  }

STORE_CONTRACT("a batch sent twice is stored once", exactly_once)
STORE_CONTRACT("the server resolves members from its own cards", server_resolves_members)
STORE_CONTRACT("constraints refuse rows with kConstraint", constraints)
STORE_CONTRACT("member changes page by sequence and id", member_changes_paging)
STORE_CONTRACT("card lookup finds linked and blocked cards with notes", card_lookup)
STORE_CONTRACT("terminals register then revoke then register again", terminals_and_revocation)
STORE_CONTRACT("a card read at two stores within the window is flagged", velocity_alerts)
STORE_CONTRACT("a schema newer than the program is refused", schema_too_new)
STORE_CONTRACT("member token issues are kept", token_issues)
STORE_CONTRACT("the changes feed sends a member's recent purchases with what is left to refund",
               recent_purchases)
STORE_CONTRACT("purchases keep a member's totals and categories through early, same-batch and "
               "excess refunds, voids and a card enrolled later",
               purchase_totals)

TEST_CASE("the points ledger holds the same postings, reviews, tiers and costs on both backends",
          "[store][rewards][postgresql]") {
  Contract sqlite(Backend::kSqlite);
  Contract pg(Backend::kPostgresql);
  const auto events = ledger_events(sqlite.ada_token);
  const auto [sqlite_before, sqlite_after] = ledger_scenario(sqlite, events);
  const auto [pg_before, pg_after] = ledger_scenario(pg, events);
  // Worked out by hand from docs/rewards.md: Ada 200 birthday + 50 second visit + 100 coffee
  // + 80 (Gold) - 20 early refund - 150 redeemed + 250 referral - 60 void + 150 given back
  // + 40 goodwill; Bob 30 + 30 goodwill - 5 refund - 1000 redeemed; Carol 100 + 20 + 200;
  // the late card 100 + 30.
  CHECK((sqlite_before.balances ==
         std::vector<std::string>{"1 640 Gold 640", "2 -945 Member -945", "3 320 Member 320",
                                  "4 130 Member 130"}));
  CHECK(sqlite_before.liability.member_balances == 145);
  CHECK(sqlite_before.liability.chain_accounts == -145);
  CHECK(sqlite_before.reviews.size() == 3);
  CHECK(sqlite_before.costs.size() == 4);
  CHECK(sqlite_before.offers.size() == 1);
  for (const auto* figures : {&sqlite_before, &sqlite_after}) {
    const auto& other = figures == &sqlite_before ? pg_before : pg_after;
    CHECK(figures->postings == other.postings);
    CHECK(figures->reviews == other.reviews);
    CHECK(figures->tiers == other.tiers);
    CHECK(figures->offers == other.offers);
    CHECK(figures->costs == other.costs);
    CHECK(figures->balances == other.balances);
    CHECK(figures->liability.member_balances == other.liability.member_balances);
    CHECK(figures->liability.chain_accounts == other.liability.chain_accounts);
    CHECK(figures->liability.members_with_points == other.liability.members_with_points);
  }
  CHECK((pg_after.balances == std::vector<std::string>{"1 0 Member 0", "2 -945 Member -945",
                                                       "3 0 Member 0", "4 0 Member 0"}));
}

TEST_CASE("two instances posting for the same members at once lose nothing and do not fail",
          "[store][rewards][postgresql]") {
  Contract c(Backend::kPostgresql);
  const std::string bob_token(64, 'b');
  const auto bob = c.store->add_member({"Bob", "S1", std::nullopt}).value();
  REQUIRE(c.store->add_card(bob, {bob_token, "1111", domain::CardStatus::kActive}));
  const auto rules = testing::rules_with("points_per_unit = 1\nevery_nth_visit = 3\n"
                                         "nth_visit_points = 7\n");
  constexpr int kBatches = 25;
  // Each instance: sales, visits and a redemption for both members, in opposite orders.
  const auto work = [&](bool bob_first, std::vector<std::string>& failures) {
    auto store = server::open_store(c.url).value();
    store->set_rewards_rules(rules);
    for (int i = 0; i < kBatches; ++i) {
      std::vector<domain::Event> batch;
      const std::string* bob_card = &bob_token;
      const std::string* ada_card = &c.ada_token;
      for (const auto* token : bob_first ? std::vector{bob_card, ada_card}
                                         : std::vector{ada_card, bob_card}) {
        batch.push_back(testing::sale(*token, 1'000));
        batch.push_back(testing::make_event(EventKind::kVisit, *token, "{}"));
        batch.push_back(testing::redeem(*token, 1));
      }
      const auto stored = store->record_events(batch);
      if (!stored) {
        failures.push_back(stored.error().message());
      } else if (*stored != batch.size()) {
        failures.push_back("stored " + std::to_string(*stored));
      }
    }
  };
  std::vector<std::string> first_failures, second_failures;
  std::thread first(work, false, std::ref(first_failures));
  std::thread second(work, true, std::ref(second_failures));
  first.join();
  second.join();
  CHECK(first_failures.empty());
  CHECK(second_failures.empty());
  // 50 sales of 10 points, 50 redemptions of 1, and a bonus of 7 on every third of 50 visits.
  for (const auto id : {c.ada, bob}) {
    CHECK(c.store->points_balance(id).value() == 50 * 10 - 50 + 16 * 7);
    CHECK(c.member(id).visit_count == 50);
  }
  CHECK(c.rows("SELECT count(*) FROM points_postings") ==
        std::vector<std::string>{std::to_string(2 * (50 + 50 + 16))});
}

TEST_CASE("postgresql re-establishes a lost connection outside a transaction",
          "[store][postgresql]") {
  Contract c(Backend::kPostgresql);
  auto admin = server::pg::Connection::open(c.url).value();
  // The store's server process goes away (a restart, a failover, an operator's kill).
  const char* others =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
      "pid <> pg_backend_pid() AND backend_type = 'client backend'";
  REQUIRE(admin.exec(others).value().int64(0, 0) == 1);
  REQUIRE(admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                     "current_database() AND pid <> pg_backend_pid() AND "
                     "backend_type = 'client backend'"));
  for (int i = 0; i < 500 && admin.exec(others).value().int64(0, 0) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto noticed = c.store->list_stores();  // the break is noticed here
  if (!noticed) CHECK(noticed.error() == server::pg::PgErrc::kConnectionLost);
  CHECK(c.store->list_stores().value().size() == 2);  // and mended before the next call
  CHECK(c.store->record_events(std::vector{c.visit(c.ada_token)}).value() == 1);
}

TEST_CASE("storage URLs choose the backend", "[store]") {
  using server::StoreUrl;
  CHECK(server::parse_store_url("/var/lib/rapport/rapport.db")->backend ==
        StoreUrl::Backend::kSqlite);
  CHECK(server::parse_store_url("data/rapport.db")->location == "data/rapport.db");
  const auto sqlite = server::parse_store_url("sqlite:///var/lib/rapport/rapport.db").value();
  CHECK(sqlite.backend == StoreUrl::Backend::kSqlite);
  CHECK(sqlite.location == "/var/lib/rapport/rapport.db");
  const auto pg = server::parse_store_url("postgresql://rapport@db1:5432/chain").value();
  CHECK(pg.backend == StoreUrl::Backend::kPostgresql);
  CHECK(pg.location == "postgresql://rapport@db1:5432/chain");
  CHECK(server::parse_store_url("mysql://db/chain").error() == server::pg::PgErrc::kUnknownScheme);
  CHECK(server::parse_store_url("sqlite://").error() == server::pg::PgErrc::kUnknownScheme);
  CHECK(server::parse_store_url("").error() == server::pg::PgErrc::kUnknownScheme);
  CHECK(server::open_store("mysql://db/chain").error() == server::pg::PgErrc::kUnknownScheme);
}
