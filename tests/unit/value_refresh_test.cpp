// tests/unit/value_refresh_test.cpp
//
// Refreshes through the real SQLite store: the incremental refresh after a small sync (only
// the changed members, on the kept fit), a full one after a large sync, and the forecasts a
// full refresh keeps compared with what a seeded chain's members then did.

#include <cmath>
#include <cstdio>

#include "server/seed_chain.h"
#include "server/storage/store.h"
#include "server/value/synthetic_chain.h"
#include "server/value_refresh.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);

server::SeedTarget target(const std::filesystem::path& file) {
  return {file, card::CardKey::from_hex(std::string(64, 'b')).value(), "627599"};
}

domain::Event purchase(const std::string& token, std::int64_t cents, std::chrono::sys_days day) {
  domain::Event e;
  e.id = domain::new_event_id();
  e.kind = domain::EventKind::kPurchase;
  e.terminal_id = "T1";
  e.store_id = "S1";
  e.card_token = token;
  e.occurred_at = to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(day) +
                             std::chrono::hours(12));
  protocol::PurchasePayload sale;
  sale.lines = {{"Keep cup", "retail", 1, cents, cents / 2}};
  sale.total_cents = cents;
  e.payload = protocol::encode_payload(sale);
  return e;
}

}  // namespace

TEST_CASE("after a small sync only the changed members are valued again, on the kept fit",
          "[value][refresh]") {
  testing::TempDir dir;
  const auto t = target(dir / "rapport.db");
  value::ChainSpec spec;
  spec.members = 400;
  spec.seed = 11;
  REQUIRE(server::seed_chain(t, spec, kEnd, server::SeedPath::kBulk));
  auto store = server::open_sqlite_store(t.database).value();

  // Before any full refresh there is nothing to build on: the first is full.
  const auto first = server::refresh_changed_values(*store, {}, kEnd, 50).value();
  CHECK(first.kind == server::RefreshKind::kFull);
  CHECK(first.members == 400);
  const auto nothing = server::refresh_changed_values(*store, {}, kEnd, 50).value();
  CHECK(nothing.kind == server::RefreshKind::kNothing);

  // Three members buy again: they (and whoever referred them) are valued again, no one else.
  const auto untouched_before = store->value_snapshot(200).value().value();
  std::vector<domain::Event> sync;
  for (const std::size_t index : {std::size_t{4}, std::size_t{40}, std::size_t{140}}) {
    sync.push_back(purchase(server::seeded_card_token(t, index), 90'000, kEnd - std::chrono::days(1)));
  }
  REQUIRE(store->record_events(sync));
  const auto small = server::refresh_changed_values(*store, {}, kEnd, 50).value();
  CHECK(small.kind == server::RefreshKind::kIncremental);
  CHECK(small.members >= 3);
  CHECK(small.members <= 6);
  for (const std::int64_t id : {5, 41, 141}) {
    const std::int64_t ids[] = {id};
    const auto in = store->value_inputs_of(ids).value().at(0);
    const auto snap = store->value_snapshot(id).value().value();
    CHECK(snap.historic_revenue_cents == in.revenue_cents);  // the new purchase is in
    CHECK(snap.top_categories.find("retail:") == 0);         // 900.00 of retail tops them
    CHECK(snap.tier == value::ValueTier::kMvc);              // on the kept MVC floor
  }
  const auto untouched_after = store->value_snapshot(200).value().value();
  CHECK(untouched_after.total_value_cents == untouched_before.total_value_cents);
  CHECK(untouched_after.expected_visits == untouched_before.expected_visits);

  // A large sync (more members than the threshold) makes it a full refresh.
  sync.clear();
  for (std::size_t index = 0; index < 60; ++index) {
    sync.push_back(purchase(server::seeded_card_token(t, 300 + index), 500, kEnd - std::chrono::days(2)));
  }
  REQUIRE(store->record_events(sync));
  const auto large = server::refresh_changed_values(*store, {}, kEnd, 50).value();
  CHECK(large.kind == server::RefreshKind::kFull);
  CHECK(large.members == 400);
}

TEST_CASE("forecasts kept by a full refresh are compared with what the seeded members did",
          "[value][accuracy]") {
  testing::TempDir dir;
  auto store = server::open_sqlite_store(dir / "rapport.db").value();
  REQUIRE(store->add_store("S1", "High Street"));
  value::ChainSpec spec;
  spec.members = 2500;
  spec.months = 24;
  spec.seed = 21;
  // Calibration up to `cut`, then half a year of the same members' purchases (the
  // generator's truth), recorded after the refresh as terminals would send them.
  const auto cut = kEnd - std::chrono::days(26 * 7);
  std::vector<domain::Event> before, after;
  value::generate_chain(spec, kEnd, [&](const value::SyntheticMember& m) {
    char token[65];
    std::snprintf(token, sizeof token, "%064zx", m.index + 1);
    auto& first = m.purchases.front().day < cut ? before : after;
    domain::Event enrollment;
    enrollment.id = domain::new_event_id();
    enrollment.kind = domain::EventKind::kEnrollment;
    enrollment.terminal_id = "T1";
    enrollment.store_id = "S1";
    enrollment.card_token = token;
    enrollment.occurred_at = to_iso8601(
        std::chrono::sys_time<std::chrono::milliseconds>(m.purchases.front().day));
    enrollment.payload =
        protocol::encode_payload(protocol::EnrollmentPayload{m.name, {}, "0000", {}, {}});
    first.push_back(std::move(enrollment));
    for (const auto& p : m.purchases) {
      if (p.day == cut) continue;  // the refresh's own day counts on neither side
      auto e = purchase(token, p.sale.total_cents, p.day);
      e.payload = protocol::encode_payload(p.sale);
      (p.day < cut ? before : after).push_back(std::move(e));
    }
  });
  REQUIRE(store->record_events(before));
  REQUIRE(server::refresh_values(*store, {}, cut));
  REQUIRE(store->record_events(after));

  const auto checks = store->check_forecasts(52, kEnd).value();
  REQUIRE(checks.size() == 1);
  const auto& check = checks[0];
  CHECK(check.window_start == to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(cut)).substr(0, 10));
  CHECK(check.elapsed_weeks == Approx(26));
  const auto& all = check.bins.at(0);
  REQUIRE(all.bin == "all");
  const double visit_error =
      (all.expected_visits - static_cast<double>(all.actual_visits)) /
      static_cast<double>(all.actual_visits);
  const double spend_error =
      static_cast<double>(all.expected_spend_cents - all.actual_spend_cents) /
      static_cast<double>(all.actual_spend_cents);
  std::printf("forecast vs actual over 26 weeks, %zu members: purchase days %.0f expected, "
              "%lld actual (%+.1f %%); spend %+.1f %%\n",
              all.members, all.expected_visits, static_cast<long long>(all.actual_visits),
              100 * visit_error, 100 * spend_error);
  CHECK(all.actual_visits > 1000);
  // BG/NBD is the generator's own process: the chain-wide forecast holds within 15 %.
  CHECK(std::abs(visit_error) < 0.15);
  CHECK(std::abs(spend_error) < 0.20);
  // Bins are ordered: members expected to come more did come more.
  double previous = -1;
  for (std::size_t b = 1; b < check.bins.size(); ++b) {
    const auto& bin = check.bins[b];
    if (bin.members < 30) continue;
    const double per_member = static_cast<double>(bin.actual_visits) / static_cast<double>(bin.members);
    CHECK(per_member > previous);
    previous = per_member;
  }
  // The comparison is kept.
  CHECK(store->check_forecasts(52, kEnd).value().size() == 1);
}
