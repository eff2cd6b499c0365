// tests/unit/points_ledger_test.cpp
//
// The points ledger through the real event recorder, on a real SQLite file and on a real
// PostgreSQL database (tests/support/pg_cluster.h): earning, reversal of refunds and voids
// once, give-back of rewards redeemed on a sale taken back, redemptions the balance cannot
// cover, bonuses, expiry with a given "now", reward tiers with their grace period, manual
// adjustments (all or nothing), and immutable entries. A test named "points ledger on
// sqlite: X" has a twin "points ledger on postgresql: X".

#include <catch2/catch.hpp>
#include <chrono>

#include "server/rewards/earning.h"
#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "shared/protocol/sync_messages.h"
#include "shared/storage/database.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"

namespace {

using rapport::domain::Event;
using rapport::domain::EventKind;
using namespace rapport::testing;
using rapport::server::PointsAdjustment;

enum class Backend { kSqlite, kPostgresql };

struct Chain {
  Backend backend;
  TempDir dir;
  std::string url;
  std::unique_ptr<rapport::server::Store> store;
  std::int64_t ada = 0;
  std::int64_t bob = 0;
  std::string ada_card = std::string(64, 'a');
  std::string bob_card = std::string(64, 'b');

  Chain(Backend b, std::shared_ptr<const rapport::rewards::RewardsRules> rules)
      : backend(b),
        url(b == Backend::kSqlite ? "sqlite://" + (dir / "rapport.db").string()
                                        : PgCluster::shared().fresh_database()),
        store(rapport::server::open_store(url).value()) {
    REQUIRE(store->add_store("S1", "High Street"));
    ada = store->add_member({"Ada Lovelace", "S1", "1815-12-10"}).value();
    REQUIRE(store->add_card(ada, {ada_card, "7894", rapport::domain::CardStatus::kActive}));
    bob = store->add_member({"Bob", "S1", std::nullopt}).value();
    REQUIRE(store->add_card(bob, {bob_card, "1111", rapport::domain::CardStatus::kActive}));
    store->set_rewards_rules(std::move(rules));
  }

  void send(const std::vector<Event>& events) { REQUIRE(store->record_events(events)); }
  // Runs `sql` on the store's database behind its back: true when the database took it.
  bool execute(const std::string& sql) {
    if (backend == Backend::kPostgresql) {
      auto db = rapport::server::pg::Connection::open(url).value();
      return db.exec(sql).has_value();
    }
    auto db =
        rapport::storage::Database::open(dir / "rapport.db", rapport::server::kSqliteMigrations)
            .value();
    return db.execute(sql).has_value();
  }
  std::int64_t balance(std::int64_t member) {
    return store->points_balance(member).value().value();
  }
  void check_books() {
    const auto totals = store->points_liability().value();
    CHECK(totals.member_balances == balance(ada) + balance(bob));
    CHECK(totals.chain_accounts == -totals.member_balances);
  }
};

}  // namespace

// One test body, run on each backend.
#define LEDGER_CASE_IMPL(title, fn)                                                   \
  static void fn(Backend backend);                                                    \
  TEST_CASE("points ledger on sqlite: " title, "[rewards][sqlite]") {                 \
    fn(Backend::kSqlite);                                                             \
  }                                                                                   \
  TEST_CASE("points ledger on postgresql: " title, "[rewards][postgresql]") {         \
    fn(Backend::kPostgresql);                                                         \
  }                                                                                   \
  static void fn(Backend backend)
#define LEDGER_CASE_NAME(line) ledger_case_##line
#define LEDGER_CASE_LINE(title, line) LEDGER_CASE_IMPL(title, LEDGER_CASE_NAME(line))
#define LEDGER_CASE(title) LEDGER_CASE_LINE(title, __LINE__)

LEDGER_CASE("a sale earns by the rules once however often it is sent") {
  Chain chain(backend, rules_with("points_per_unit = 2\n[earning.categories]\ncoffee = 1.5\n"));
  const auto coffee = sale(chain.ada_card, 1000, "coffee");  // 10.00 x 2 x 1.5 = 30
  chain.send({coffee});
  chain.send({coffee, coffee});
  CHECK(chain.balance(chain.ada) == 30);
  chain.send({sale(chain.ada_card, 999)});  // 9.99 x 2 = 19.98: 19
  CHECK(chain.balance(chain.ada) == 49);
  chain.check_books();
}

LEDGER_CASE("refunds reverse the points a sale earned in proportion and never twice") {
  Chain chain(backend, rules_with("points_per_unit = 1\n"));
  const auto big = sale(chain.ada_card, 10'000);  // 100 points
  chain.send({big});
  const auto part = refund(chain.ada_card, big.id, 2'500);
  chain.send({part});
  chain.send({part});
  CHECK(chain.balance(chain.ada) == 75);
  chain.send({cancel(chain.ada_card, big.id)});
  CHECK(chain.balance(chain.ada) == 0);
  chain.send({refund(chain.ada_card, big.id, 5'000)});  // nothing left to take back
  CHECK(chain.balance(chain.ada) == 0);
  chain.check_books();
}

LEDGER_CASE("a refund that arrives before its sale is applied when the sale arrives") {
  Chain chain(backend, rules_with("points_per_unit = 1\n"));
  const auto s = sale(chain.ada_card, 4'000);
  chain.send({refund(chain.ada_card, s.id, 4'000)});
  CHECK(chain.balance(chain.ada) == 0);
  chain.send({s});
  CHECK(chain.balance(chain.ada) == 0);
  chain.check_books();
}

LEDGER_CASE("a reward redeemed on a sale that is voided gives its points back once") {
  Chain chain(backend, rules_with("points_per_unit = 1\n"));
  chain.send({sale(chain.ada_card, 50'000)});  // 500 points
  const auto s = sale(chain.ada_card, 1'000);  // 10 points
  chain.send({s, redeem(chain.ada_card, 150, s.id)});
  CHECK(chain.balance(chain.ada) == 360);
  const auto v = cancel(chain.ada_card, s.id);
  chain.send({v});
  chain.send({v});
  CHECK(chain.balance(chain.ada) == 500);  // the 10 earned taken back, the 150 given back
  chain.check_books();
}

LEDGER_CASE("without rules, a sale voided before it arrived gives back a reward redeemed on it") {
  Chain chain(backend, nullptr);
  const auto s = sale(chain.ada_card, 1'000);
  chain.send({redeem(chain.ada_card, 150, s.id)});  // the sale is still on its way
  chain.send({cancel(chain.ada_card, s.id)});
  CHECK(chain.balance(chain.ada) == -150);
  chain.send({s});
  CHECK(chain.balance(chain.ada) == 0);
  chain.send({sale(chain.ada_card, 2'000)});  // earns nothing without rules
  CHECK(chain.balance(chain.ada) == 0);
  chain.check_books();
}

LEDGER_CASE("a redemption beyond the balance is recorded in full and flagged") {
  Chain chain(backend, rules_with("points_per_unit = 1\n"));
  chain.send({sale(chain.ada_card, 20'000)});  // 200
  const auto first = redeem(chain.ada_card, 150, std::nullopt, "T1");
  const auto second = redeem(chain.ada_card, 150, std::nullopt, "T2");  // offline elsewhere
  chain.send({first});
  chain.send({second, first});
  CHECK(chain.balance(chain.ada) == -100);
  const auto reviews = chain.store->list_points_reviews(10).value();
  REQUIRE(reviews.size() == 1);
  CHECK(reviews[0].event_id == second.id);
  CHECK(reviews[0].terminal_id == "T2");
  CHECK(reviews[0].balance_before == 50);
  chain.check_books();
}

LEDGER_CASE("sign-up, referral, visit and birthday bonuses are given once") {
  Chain chain(backend,
      rules_with("points_per_unit = 1\nsignup_points = 100\nreferral_points = 250\n"
                 "every_nth_visit = 2\nnth_visit_points = 50\nbirthday_points = 200\n"));
  const std::string carol_card(64, 'c');
  rapport::protocol::EnrollmentPayload join{"Carol", "1990-11-02", "2222", std::nullopt,
                                            chain.ada_card};
  chain.send(
      {make_event(EventKind::kEnrollment, carol_card, rapport::protocol::encode_payload(join))});
  const auto carol = chain.store->find_member_by_card(carol_card).value().value().id;
  CHECK(chain.balance(carol) == 100);
  // Carol's first purchase (in November, her birthday month) rewards Ada; the second does not.
  chain.send({sale(carol_card, 1'000), sale(carol_card, 1'000)});
  CHECK(chain.balance(chain.ada) == 250);
  CHECK(chain.balance(carol) == 100 + 10 + 10 + 200);
  const auto visit = [&] { return make_event(EventKind::kVisit, carol_card, "{}"); };
  chain.send({visit()});
  CHECK(chain.balance(carol) == 320);
  chain.send({visit()});
  CHECK(chain.balance(carol) == 370);  // the second visit
  chain.send({visit(), visit()});
  CHECK(chain.balance(carol) == 420);  // the fourth
}

LEDGER_CASE("points expire after inactivity, with the job's own now, once") {
  Chain chain(backend, rules_with("points_per_unit = 1\nexpire_after_days = 30\n"));
  chain.send({sale(chain.ada_card, 5'000, "general", "2020-01-10T10:00:00.000Z")});
  chain.send({sale(chain.bob_card, 5'000, "general", "2020-02-01T10:00:00.000Z")});
  const auto at = [](const char* iso) { return rapport::from_iso8601(iso).value(); };
  CHECK(chain.store->expire_points(at("2020-02-08T00:00:00Z")).value() == 0);
  CHECK(chain.store->expire_points(at("2020-02-10T00:00:00Z")).value() == 1);
  CHECK(chain.balance(chain.ada) == 0);
  CHECK(chain.balance(chain.bob) == 50);
  CHECK(chain.store->expire_points(at("2020-02-10T00:00:00Z")).value() == 0);
  CHECK(chain.store->expire_points(at("2020-03-05T00:00:00Z")).value() == 1);
  CHECK(chain.balance(chain.bob) == 0);
  chain.check_books();
}

LEDGER_CASE("a reward tier is earned on points in the period and kept through its grace") {
  Chain chain(backend, rules_with("points_per_unit = 1\n",
                         "[[reward_tiers.tier]]\nname = \"Member\"\nthreshold = 0\n"
                         "[[reward_tiers.tier]]\nname = \"Gold\"\nthreshold = 100\n"
                         "multiplier = 2.0\n",
                         "measure = \"points\"\nqualifying_days = 30\ngrace_days = 10\n"));
  chain.send({sale(chain.ada_card, 10'000, "general", "2020-01-01T10:00:00.000Z")});
  CHECK(chain.store->reward_tier(chain.ada).value() == "Gold");
  // Gold earns double; redeeming (the balance falls) does not cost the tier.
  chain.send({sale(chain.ada_card, 1'000, "general", "2020-01-02T10:00:00.000Z"),
              redeem(chain.ada_card, 20)});
  CHECK(chain.balance(chain.ada) == 100);  // 100 + 2 x 10 - 20
  const auto at = [](const char* iso) { return rapport::from_iso8601(iso).value(); };
  // The daily job: on Jan 30 the window (Jan 1-30) still holds 120 points, so Gold is held
  // until Feb 9; the January points then leave the window, but grace keeps Gold until then.
  REQUIRE(chain.store->expire_points(at("2020-01-30T00:00:00Z")));
  CHECK(chain.store->reward_tier(chain.ada).value() == "Gold");
  REQUIRE(chain.store->expire_points(at("2020-02-05T00:00:00Z")));
  CHECK(chain.store->reward_tier(chain.ada).value() == "Gold");
  REQUIRE(chain.store->expire_points(at("2020-02-20T00:00:00Z")));
  CHECK(chain.store->reward_tier(chain.ada).value() == "Member");
}

LEDGER_CASE("adjustments need a reason and staff, and a batch applies all or nothing") {
  Chain chain(backend, nullptr);  // no rules: nothing earned, adjustments still post
  chain.send({sale(chain.ada_card, 10'000)});
  CHECK(chain.balance(chain.ada) == 0);
  const std::vector<PointsAdjustment> good{{chain.ada, 40, "goodwill", "sam", "import:x:1"},
                                           {chain.bob, -5, "correction", "sam", "import:x:2"}};
  REQUIRE(chain.store->adjust_points(good));
  CHECK(chain.balance(chain.ada) == 40);
  CHECK(chain.balance(chain.bob) == -5);
  // The same lines again, or a line for a member who does not exist: nothing applied.
  CHECK_FALSE(chain.store->adjust_points(good));
  const std::vector<PointsAdjustment> bad{{chain.ada, 10, "goodwill", "sam", "import:y:1"},
                                          {9999, 10, "goodwill", "sam", "import:y:2"}};
  CHECK_FALSE(chain.store->adjust_points(bad));
  const std::vector<PointsAdjustment> anonymous{{chain.ada, 10, "goodwill", "", "manual:1"}};
  CHECK_FALSE(chain.store->adjust_points(anonymous));
  CHECK(chain.balance(chain.ada) == 40);
  REQUIRE(chain.store->transfer_points(chain.ada, chain.bob, 15, "household", "sam"));
  CHECK(chain.balance(chain.ada) == 25);
  CHECK(chain.balance(chain.bob) == 10);
  CHECK_FALSE(chain.store->points_balance(9999).value().has_value());
  chain.check_books();
}

LEDGER_CASE("ledger entries cannot be changed or deleted") {
  Chain chain(backend, rules_with("points_per_unit = 1\n"));
  chain.send({sale(chain.ada_card, 10'000)});
  for (const char* sql : {"UPDATE points_entries SET points = 1000", "DELETE FROM points_entries",
                          "UPDATE points_postings SET cause = 'x'", "DELETE FROM points_postings"}) {
    INFO(sql);
    CHECK_FALSE(chain.execute(sql));
  }
  CHECK(chain.balance(chain.ada) == 100);
}

TEST_CASE("earning arithmetic: lines, multipliers, proportional reversal", "[rewards]") {
  rapport::rewards::EarningRules rules;
  rules.points_per_unit = 1;
  rules.category_multipliers.emplace("coffee", 1.1);
  rapport::protocol::PurchasePayload p;
  p.lines.push_back({"Flat white", "coffee", 1, 300, std::nullopt});  // 3.3
  p.lines.push_back({"Flat white", "coffee", 1, 300, std::nullopt});  // 3.3
  p.total_cents = 600;
  CHECK(rapport::rewards::purchase_points(rules, p, 1.0) == 6);  // 6.6, rounded once
  CHECK(rapport::rewards::purchase_points(rules, p, 1.5) == 9);
  CHECK(rapport::rewards::reversed_points(100, 1'000, 333, false) == 33);
  CHECK(rapport::rewards::reversed_points(100, 1'000, 1'000, false) == 100);
  CHECK(rapport::rewards::reversed_points(100, 1'000, 0, true) == 100);
  CHECK(rapport::rewards::reversed_points(0, 1'000, 500, false) == 0);
}

LEDGER_CASE("a member's balance and reward tier travel to terminals with the member") {
  Chain chain(backend, rules_with("points_per_unit = 1\n",
                         "[[reward_tiers.tier]]\nname = \"Member\"\nthreshold = 0\n"
                         "[[reward_tiers.tier]]\nname = \"Silver\"\nthreshold = 50\n"));
  rapport::server::ChangeScope scope{"S1", "", ""};
  const auto before = chain.store->member_changes(scope, 0, 0, 100).value();
  chain.send({sale(chain.ada_card, 7'500)});
  // The earning moved Ada to the end of the change order: a terminal pulling from the old
  // cursor gets her again, with her balance and tier.
  const auto after =
      chain.store->member_changes(scope, before.last_sequence, before.last_member_id, 100).value();
  REQUIRE(after.members.size() == 1);
  const auto& ada = after.members.front();
  CHECK(ada.id == chain.ada);
  CHECK(ada.points_balance == 75);
  CHECK(ada.reward_tier == "Silver");
  rapport::protocol::ChangesPage page;
  page.members = after.members;
  page.cursor = "1.1";
  const auto decoded =
      rapport::protocol::decode_changes_page(rapport::protocol::encode(page)).value();
  CHECK(decoded.members.front().points_balance == 75);
  CHECK(decoded.members.front().reward_tier == "Silver");
}
