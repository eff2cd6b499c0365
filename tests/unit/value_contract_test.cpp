// tests/unit/value_contract_test.cpp
//
// The value engine on both backends: one seeded chain, held by a SQLite file and (copied by
// `rapportctl storage migrate`'s code) by a PostgreSQL database, gets the same events and
// the same refreshes through the Store, and both must then hold the same figures: inputs,
// snapshots, members' shown value, tier history, the refresh log and forecast checks.
// Plus what only several PostgreSQL instances can get wrong: the refresh's event mark.

#include <atomic>
#include <chrono>
#include <thread>

#include "server/seed_chain.h"
#include "server/storage/chain_migration.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_value.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "server/value_refresh.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"
#include "tests/unit/store_rows.h"

using namespace rapport;
using rapport::testing::PgCluster;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);
constexpr std::size_t kMembers = 400;

std::string at(std::chrono::sys_days day, int hour = 12) {
  return to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(day) +
                    std::chrono::hours(hour));
}

// A seeded chain (members with purchases, referrals, categories) on a SQLite file, copied
// whole into a fresh PostgreSQL database before any refresh.
struct TwoBackends {
  TwoBackends() {
    value::ChainSpec spec;
    spec.members = kMembers;
    spec.seed = 11;
    REQUIRE(server::seed_chain(target, spec, kEnd, server::SeedPath::kBulk));
    server::ChainMigrationOptions copy;
    copy.from = target.database;
    copy.to = pg_url;
    copy.allow_partial = true;  // the seed's derived report tables stay behind
    const auto copied = server::migrate_chain(copy).value();
    REQUIRE(copied.verified());
    sqlite = server::open_store("sqlite://" + target.database.string()).value();
    pg = server::open_pg_store(pg_url).value();
  }

  // The same events, ids and all, recorded on both.
  void record(const std::vector<domain::Event>& events) {
    CHECK(sqlite->record_events(events).value() == events.size());
    CHECK(pg->record_events(events).value() == events.size());
  }

  std::string token(std::size_t index) const { return server::seeded_card_token(target, index); }

  testing::TempDir dir;
  server::SeedTarget target{dir / "rapport.db",
                            card::CardKey::from_hex(std::string(64, 'b')).value(), "627599"};
  std::string pg_url = PgCluster::shared().fresh_database();
  std::unique_ptr<server::Store> sqlite;
  std::unique_ptr<server::Store> pg;
};

void same_report(const server::RefreshReport& want, const server::RefreshReport& got) {
  CHECK(got.kind == want.kind);
  CHECK(got.members == want.members);
  CHECK(got.buyers == want.buyers);
  CHECK(got.migrated == want.migrated);
  CHECK(got.at_risk == want.at_risk);
  CHECK(got.tiers == want.tiers);
  REQUIRE(got.fit.has_value() == want.fit.has_value());
  if (!want.fit) return;
  CHECK(got.fit->log_likelihood == want.fit->log_likelihood);
  CHECK(got.fit->customers == want.fit->customers);
  REQUIRE(got.fit->params.size() == want.fit->params.size());
  for (std::size_t i = 0; i < want.fit->params.size(); ++i) {
    CHECK(got.fit->params[i].value == want.fit->params[i].value);
  }
}

// Every figure a member's snapshot holds, and what terminals are sent, bit for bit.
void same_values(TwoBackends& b) {
  const auto want_inputs = b.sqlite->value_inputs().value();
  const auto got_inputs = b.pg->value_inputs().value();
  REQUIRE(got_inputs.size() == want_inputs.size());
  for (std::size_t i = 0; i < want_inputs.size(); ++i) {
    const auto& w = want_inputs[i];
    const auto& g = got_inputs[i];
    INFO("member " << w.member_id);
    CHECK(g.member_id == w.member_id);
    CHECK(g.purchase_days == w.purchase_days);
    CHECK(g.first_purchase == w.first_purchase);
    CHECK(g.last_purchase == w.last_purchase);
    CHECK(g.revenue_cents == w.revenue_cents);
    CHECK(g.margin_cents == w.margin_cents);
    CHECK(g.visits == w.visits);
    CHECK(g.referred_by == w.referred_by);
    CHECK(g.advocacy_notes == w.advocacy_notes);
    CHECK(g.feedback_notes == w.feedback_notes);
    CHECK(g.top_categories == w.top_categories);
    CHECK(g.home_store == w.home_store);
  }
  std::size_t valued = 0;
  for (std::int64_t id = 1; id <= static_cast<std::int64_t>(kMembers); ++id) {
    INFO("member " << id);
    const auto want = b.sqlite->value_snapshot(id).value();
    const auto got = b.pg->value_snapshot(id).value();
    REQUIRE(got.has_value() == want.has_value());
    if (!want) continue;
    ++valued;
    CHECK(got->historic_value_cents == want->historic_value_cents);
    CHECK(got->historic_revenue_cents == want->historic_revenue_cents);
    CHECK(got->expected_visits == want->expected_visits);
    CHECK(got->expected_spend_cents == want->expected_spend_cents);
    CHECK(got->p_alive == want->p_alive);
    CHECK(got->lifetime_value_cents == want->lifetime_value_cents);
    CHECK(got->referral_value_cents == want->referral_value_cents);
    CHECK(got->advocacy_value_cents == want->advocacy_value_cents);
    CHECK(got->total_value_cents == want->total_value_cents);
    CHECK(got->tier == want->tier);
    CHECK(got->rfm == want->rfm);
    CHECK(got->segment == want->segment);
    CHECK(got->rhythm_days == want->rhythm_days);
    CHECK(got->at_risk == want->at_risk);
    CHECK(got->top_categories == want->top_categories);
  }
  CHECK(valued == kMembers);
  const auto want_members = b.sqlite->list_members(std::nullopt).value();
  const auto got_members = b.pg->list_members(std::nullopt).value();
  REQUIRE(got_members.size() == want_members.size());
  for (std::size_t i = 0; i < want_members.size(); ++i) {
    INFO("member " << want_members[i].id);
    CHECK(got_members[i].value_tier == want_members[i].value_tier);
    CHECK(got_members[i].at_risk == want_members[i].at_risk);
    CHECK(got_members[i].rhythm_days == want_members[i].rhythm_days);
  }
  // Times differ (each save stamps its own clock); the order of changes does not.
  const std::string history =
      "SELECT member_id, tier, segment FROM tier_history ORDER BY member_id, changed_at";
  CHECK(testing::store_rows(b.pg_url, history) ==
        testing::store_rows("sqlite://" + b.target.database.string(), history));
  const std::string log =
      "SELECT kind, as_of, events_seq, members FROM value_refreshes ORDER BY id";
  CHECK(testing::store_rows(b.pg_url, log) ==
        testing::store_rows("sqlite://" + b.target.database.string(), log));
}

void same_checks(const std::vector<server::ForecastCheck>& want,
                 const std::vector<server::ForecastCheck>& got) {
  REQUIRE(got.size() == want.size());
  for (std::size_t c = 0; c < want.size(); ++c) {
    CHECK(got[c].window_start == want[c].window_start);
    CHECK(got[c].window_end == want[c].window_end);
    CHECK(got[c].elapsed_weeks == want[c].elapsed_weeks);
    REQUIRE(got[c].bins.size() == want[c].bins.size());
    for (std::size_t i = 0; i < want[c].bins.size(); ++i) {
      const auto& w = want[c].bins[i];
      const auto& g = got[c].bins[i];
      INFO("bin " << w.bin);
      CHECK(g.bin == w.bin);
      CHECK(g.members == w.members);
      CHECK(g.expected_visits == w.expected_visits);
      CHECK(g.actual_visits == w.actual_visits);
      CHECK(g.expected_spend_cents == w.expected_spend_cents);
      CHECK(g.actual_spend_cents == w.actual_spend_cents);
    }
  }
}

}  // namespace

TEST_CASE(
    "value contract: full and incremental refreshes and forecast checks agree on SQLite "
    "and PostgreSQL",
    "[store][value]") {
  TwoBackends b;

  // Nothing valued yet: the first refresh is a full one on both.
  CHECK_FALSE(b.pg->last_value_refresh().value().has_value());
  const auto first_sqlite = server::refresh_changed_values(*b.sqlite, {}, kEnd, 50).value();
  const auto first_pg = server::refresh_changed_values(*b.pg, {}, kEnd, 50).value();
  CHECK(first_pg.kind == server::RefreshKind::kFull);
  CHECK(first_pg.members == kMembers);
  CHECK(first_pg.migrated == kMembers);  // every member enters tier history once
  same_report(first_sqlite, first_pg);
  same_values(b);
  const auto last = b.pg->last_value_refresh().value().value();
  CHECK(last.fit.has_value());
  CHECK(last.scales.has_value());
  CHECK(last.events_seq == b.pg->last_event_sequence().value());
  CHECK(server::refresh_changed_values(*b.pg, {}, kEnd, 50).value().kind ==
        server::RefreshKind::kNothing);

  // A small sync: three members buy big, one refunds part of it, one tells us they
  // recommended the shop. Only they (and whoever referred them) are valued again.
  const auto day = kEnd + std::chrono::days(1);
  auto coffee = testing::sale(b.token(4), 90'000, "retail", at(day));
  std::vector<domain::Event> sync{coffee, testing::sale(b.token(40), 90'000, "retail", at(day)),
                                  testing::sale(b.token(140), 45'000, "bakery", at(day))};
  protocol::NotePayload advocacy{protocol::NoteTopic::kAdvocacy, "brought her sister"};
  sync.push_back(testing::make_event(domain::EventKind::kNote, b.token(140),
                                     protocol::encode_payload(advocacy), at(day, 13)));
  b.record(sync);
  b.record({testing::refund(b.token(4), coffee.id, 30'000)});
  const std::int64_t changed_ids[] = {5, 41, 141};
  for (const auto id : changed_ids) {
    const auto since = b.pg->members_changed_since(last.events_seq, 100).value();
    CHECK(std::find(since.begin(), since.end(), id) != since.end());
  }
  {
    auto want = b.sqlite->members_changed_since(last.events_seq, 100).value();
    auto got = b.pg->members_changed_since(last.events_seq, 100).value();
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    CHECK(got == want);
    const std::int64_t referrers[] = {5, 41, 141, 1, 2, 3};
    CHECK(b.pg->referee_lifetime_values(referrers).value() ==
          b.sqlite->referee_lifetime_values(referrers).value());
  }
  const auto small_sqlite = server::refresh_changed_values(*b.sqlite, {}, day, 50).value();
  const auto small_pg = server::refresh_changed_values(*b.pg, {}, day, 50).value();
  CHECK(small_pg.kind == server::RefreshKind::kIncremental);
  CHECK(small_pg.members >= 3);
  CHECK(small_pg.members <= 8);
  same_report(small_sqlite, small_pg);
  same_values(b);
  CHECK(b.pg->value_snapshot(5).value()->historic_revenue_cents ==
        b.pg->value_inputs_of(std::span<const std::int64_t>(changed_ids, 1))
            .value()
            .at(0)
            .revenue_cents);

  // Weeks of buying later, the kept cohort is compared with what members did, and a full
  // refresh (a new fit) moves tiers again.
  std::vector<domain::Event> later;
  for (std::size_t index = 0; index < 60; ++index) {
    later.push_back(testing::sale(b.token(index * 5),
                                  1'500 + 100 * static_cast<std::int64_t>(index), "coffee",
                                  at(kEnd + std::chrono::days(2 + index % 20))));
  }
  b.record(later);
  const auto today = kEnd + std::chrono::days(30);
  const auto checks_sqlite = b.sqlite->check_forecasts(52, today).value();
  const auto checks_pg = b.pg->check_forecasts(52, today).value();
  REQUIRE(checks_pg.size() == 1);
  CHECK(checks_pg[0].bins.at(0).actual_visits > 0);
  same_checks(checks_sqlite, checks_pg);
  const std::string accuracy =
      "SELECT window_start, window_end, bin, members, expected_visits, actual_visits, "
      "expected_spend_cents, actual_spend_cents FROM value_accuracy ORDER BY bin";
  CHECK(testing::store_rows(b.pg_url, accuracy).size() == checks_pg[0].bins.size());

  const auto full_sqlite = server::refresh_values(*b.sqlite, {}, today).value();
  const auto full_pg = server::refresh_values(*b.pg, {}, today).value();
  CHECK(full_pg.kind == server::RefreshKind::kFull);
  same_report(full_sqlite, full_pg);
  same_values(b);
  const std::string cohorts = "SELECT count(*), count(DISTINCT fit_id) FROM value_forecasts";
  CHECK(testing::store_rows(b.pg_url, cohorts) ==
        testing::store_rows("sqlite://" + b.target.database.string(), cohorts));
}

// Two instances draw event sequence numbers when they insert and commit in any order: the
// refresh's mark must not pass a batch still in flight, or its members are never valued
// again. A batch in flight holds the event order lock (as record_events does); the mark
// waits for it and then counts its event.
TEST_CASE("value contract on postgresql: the refresh's event mark waits for batches in flight",
          "[store][value]") {
  const auto url = PgCluster::shared().fresh_database();
  auto store = server::open_pg_store(url).value();
  REQUIRE(store->add_store("S1", "High Street"));
  REQUIRE(store->record_events(std::vector<domain::Event>{
      testing::sale(std::string(64, 'a'), 500, "coffee", "2026-11-25T09:00:00.000Z")}));
  const auto before = store->last_event_sequence().value();
  CHECK(before > 0);

  auto other = server::pg::Connection::open(url).value();  // another instance, mid-batch
  REQUIRE(other.exec("BEGIN"));
  REQUIRE(other.exec("SELECT pg_advisory_xact_lock_shared($1::bigint)",
                     {server::pg::param(server::pg::kEventOrderLock)}));
  const auto drawn = other
                         .exec(
                             "INSERT INTO events(id, kind, terminal_id, store_id, card_token, "
                             "occurred_at, received_at, payload) VALUES ('in-flight', 'visit', "
                             "'T9', 'S1', 'x', '2026-11-25T10:00:00.000Z', "
                             "'2026-11-25T10:00:00.000Z', '{}') RETURNING seq")
                         .value()
                         .int64(0, 0);
  CHECK(drawn > before);

  std::atomic<bool> returned = false;
  std::int64_t mark = 0;
  std::thread refresh([&] {
    mark = store->last_event_sequence().value();
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(returned.load());  // max(seq) now would be `before`, passing the batch
  REQUIRE(other.exec("COMMIT"));
  refresh.join();
  CHECK(mark == drawn);
}
