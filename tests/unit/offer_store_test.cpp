// tests/unit/offer_store_test.cpp
//
// The offers' storage on both backends (a real SQLite file, SQLite migration 10, and a database
// of the run's PostgreSQL cluster, PostgreSQL migration 5; tests/support/pg_cluster.h): a
// member's facts come from the events terminals send (top categories from purchases, dislikes
// and wishes from notes), consent is kept per member, and outcomes recorded are read back as
// history and as uplift observations counting the purchases in the window after each offer.
// Each test runs on both with the same expected answers ("... on sqlite: X" and its twin
// "... on postgresql: X").

#include "server/storage/offer_store.h"

#include <catch2/catch.hpp>

#include "server/storage/store_url.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"

namespace {

using rapport::rewards::OfferOutcome;
using rapport::server::OfferRecord;

enum class Backend { kSqlite, kPostgresql };

// The chain's Store and the OfferStore are two connections to one database, as in
// rapport-server.
struct Chain {
  explicit Chain(Backend backend)
      : url(backend == Backend::kSqlite ? "sqlite://" + (dir / "rapport.db").string()
                                        : rapport::testing::PgCluster::shared().fresh_database()) {
    REQUIRE(store->add_store("S1", "High Street"));
  }
  rapport::testing::TempDir dir;
  std::string url;
  std::unique_ptr<rapport::server::Store> store = rapport::server::open_store(url).value();
  std::unique_ptr<rapport::server::OfferStore> offers =
      rapport::server::OfferStore::open(url).value();
  std::int64_t add(const std::string& name, const std::string& token) {
    const auto id = store->add_member({name, "S1", std::nullopt}).value();
    REQUIRE(store->add_card(id, {token, "0000", rapport::domain::CardStatus::kActive}));
    return id;
  }
};

rapport::domain::Event note(const std::string& token, rapport::protocol::NoteTopic topic,
                            const std::string& text) {
  return rapport::testing::make_event(
      rapport::domain::EventKind::kNote, token,
      rapport::protocol::encode_payload(rapport::protocol::NotePayload{topic, text}));
}

void facts_from_purchases_notes_and_consent(Backend backend) {
  using rapport::testing::sale;
  Chain chain(backend);
  const std::string token(64, 'a');
  const auto ada = chain.add("Ada", token);
  REQUIRE(chain.store->record_events(std::vector<rapport::domain::Event>{
      sale(token, 900, "pastry"), sale(token, 1500, "coffee"), sale(token, 200, "tea"),
      sale(token, 100, "cards"),
      note(token, rapport::protocol::NoteTopic::kPreference, "Doesn't like the cinema"),
      note(token, rapport::protocol::NoteTopic::kPreference, "usual: flat white"),
      note(token, rapport::protocol::NoteTopic::kComplaint, "the coffee was cold")}));
  const auto facts = chain.offers->member_facts(ada).value().value();
  CHECK(facts.top_categories == std::vector<std::string>{"coffee", "pastry", "tea"});
  CHECK(facts.dislikes == std::vector<std::string>{"Doesn't like the cinema"});
  // Preferences that are not dislikes are wishes; a complaint is neither.
  CHECK(facts.wishes == std::vector<std::string>{"usual: flat white"});
  CHECK(facts.personalisation_consent);
  CHECK(facts.tier == rapport::value::ValueTier::kLmc);  // before any value refresh

  CHECK(chain.offers->set_personalisation_consent(ada, false).value());
  CHECK_FALSE(chain.offers->member_facts(ada).value().value().personalisation_consent);
  CHECK_FALSE(chain.offers->set_personalisation_consent(ada + 100, false).value());
  CHECK_FALSE(chain.offers->member_facts(ada + 100).value().has_value());
}

void recorded_offers_come_back(Backend backend) {
  using rapport::testing::sale;
  Chain chain(backend);
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  const auto ada = chain.add("Ada", a);
  const auto bob = chain.add("Bob", b);
  REQUIRE(chain.offers->record(
      {ada, "five-off", OfferOutcome::kShown, "2026-10-01T10:00:00.000Z", "S1"}));
  REQUIRE(chain.offers->record(
      {ada, "five-off", OfferOutcome::kDeclined, "2026-10-01T10:01:00.000Z", "S1"}));
  REQUIRE(chain.offers->record(
      {bob, "five-off", OfferOutcome::kHeldOut, "2026-10-01T10:00:00.000Z", std::nullopt}));
  // Ada buys twice on one day and once more inside the window, once after it; Bob once in it.
  REQUIRE(chain.store->record_events(
      std::vector<rapport::domain::Event>{sale(a, 500, "coffee", "2026-10-01T11:00:00.000Z"),
                                          sale(a, 700, "coffee", "2026-10-05T09:00:00.000Z"),
                                          sale(a, 300, "coffee", "2026-10-05T15:00:00.000Z"),
                                          sale(a, 400, "coffee", "2026-10-20T09:00:00.000Z"),
                                          sale(a, 900, "coffee", "2026-11-20T09:00:00.000Z"),
                                          sale(b, 250, "coffee", "2026-10-10T09:00:00.000Z")}));

  const auto history = chain.offers->history(ada).value();
  REQUIRE(history.size() == 2);
  CHECK(history[1].outcome == OfferOutcome::kDeclined);
  CHECK(history[1].day == std::chrono::sys_days{std::chrono::year{2026} / 10 / 1});

  // The window (30 days) has not ended on 2026-10-30: nothing to measure yet.
  CHECK(chain.offers->uplift_observations(30, "2026-10-30").value().empty());
  const auto observed = chain.offers->uplift_observations(30, "2026-11-26").value();
  REQUIRE(observed.count("five-off") == 1);
  const auto& five = observed.at("five-off");
  REQUIRE(five.size() == 2);
  // Ordered by member: Ada (shown), then Bob (held out). The offer's own day is not counted.
  CHECK(five[0].treated);
  CHECK(five[0].visits == 2);
  CHECK(five[0].spend_cents == 1400);
  CHECK_FALSE(five[1].treated);
  CHECK(five[1].visits == 1);
  CHECK(five[1].spend_cents == 250);
}

}  // namespace

#define BOTH_BACKENDS(title, body)                                                   \
  TEST_CASE("offer store on sqlite: " title, "[offers][storage][sqlite]") {          \
    body(Backend::kSqlite);                                                          \
  }                                                                                  \
  TEST_CASE("offer store on postgresql: " title, "[offers][storage][postgresql]") {  \
    body(Backend::kPostgresql);                                                      \
  }

BOTH_BACKENDS("a member's offer facts come from their purchases, notes and consent",
              facts_from_purchases_notes_and_consent)
BOTH_BACKENDS("offers recorded come back as history and as uplift observations",
              recorded_offers_come_back)
