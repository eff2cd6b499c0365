// tests/unit/value_test.cpp
//
// The value engine against the synthetic chain's truth (it knows every member's purchase
// rate and who churned), tier and RFM rules on hand-made members, and refreshes saved
// through the real SQLite store (tier history, what terminals are sent again).

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

#include "server/analytics/scoring.h"
#include "server/storage/store.h"
#include "server/value/synthetic_chain.h"
#include "server/value/value_model.h"
#include "server/value_refresh.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using value::ValueTier;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);

// Measured with seed 12 (precision 0.70, recall 0.62; docs/value-engine.md), held with a
// margin: the generator is deterministic, so a drop means the engine got worse.
constexpr double kAtRiskPrecisionFloor = 0.55;
constexpr double kAtRiskRecallFloor = 0.45;

struct Seeded {
  std::vector<value::MemberValueInput> inputs;
  std::vector<bool> churned;
};

// The generator's members as the store would sum them up.
Seeded seed(const value::ChainSpec& spec) {
  Seeded s;
  value::generate_chain(spec, kEnd, [&](const value::SyntheticMember& m) {
    value::MemberValueInput in;
    in.member_id = static_cast<std::int64_t>(m.index + 1);
    std::set<std::chrono::sys_days> days;
    for (const auto& p : m.purchases) {
      days.insert(p.day);
      in.revenue_cents += p.sale.total_cents;
    }
    in.purchase_days = static_cast<std::int64_t>(days.size());
    in.first_purchase = *days.begin();
    in.last_purchase = *days.rbegin();
    in.visits = static_cast<std::int64_t>(m.purchases.size());
    if (m.referred_by) in.referred_by = static_cast<std::int64_t>(*m.referred_by + 1);
    s.inputs.push_back(in);
    s.churned.push_back(m.churned);
  });
  return s;
}

double param(const value::ValueFitInfo& fit, std::string_view name) {
  for (const auto& p : fit.params) {
    if (p.name == name) return p.value;
  }
  FAIL("no parameter " << name);
  return 0;
}

}  // namespace

TEST_CASE("BG/NBD fitted on a seeded chain recovers the generator's parameters", "[value]") {
  value::ChainSpec spec;
  spec.members = 20'000;
  spec.months = 18;
  spec.seed = 11;
  const auto chain = seed(spec);
  const auto refresh = value::compute_values(chain.inputs, kEnd, {}).value();
  REQUIRE(refresh.fit);
  // Tolerance from the sample size: maximum-likelihood errors shrink as 1 / sqrt(n); with
  // 20,000 members the standard error is a few percent for r and alpha and about twice that
  // for a and b, which only the members' dropouts inform. Purchases are counted per day
  // (same-day purchases merge), a small downward bias on the rate.
  const double n_scale = std::sqrt(20'000.0 / static_cast<double>(spec.members));
  CHECK(param(*refresh.fit, "r") == Approx(spec.r).epsilon(0.12 * n_scale));
  CHECK(param(*refresh.fit, "alpha") == Approx(spec.alpha).epsilon(0.15 * n_scale));
  CHECK(param(*refresh.fit, "a") == Approx(spec.a).epsilon(0.30 * n_scale));
  CHECK(param(*refresh.fit, "b") == Approx(spec.b).epsilon(0.35 * n_scale));
}

// Bit for bit: the same doubles, NaN included.
bool same_bits(double x, double y) {
  return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
}

TEST_CASE("scoring in slices on several threads gives exactly the one-thread scores", "[value]") {
  // Distinct, repeated and odd histories (x = 0, T = t_x), more than three slices' worth.
  std::vector<analytics::CustomerSummary> customers;
  std::uint64_t state = 7;
  auto next = [&](std::uint64_t range) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>((state >> 33) % range);
  };
  for (std::size_t i = 0; i < 3 * analytics::kMinScoreSlice + 11; ++i) {
    analytics::CustomerSummary c;
    c.age = 1 + next(104);
    c.frequency = next(30);
    c.recency = c.frequency > 0 ? next(static_cast<std::uint64_t>(c.age) + 1) : 0;
    c.monetary_value = c.frequency > 0 ? 5 + next(60) : 0;
    customers.push_back(c);
  }
  const analytics::PurchaseModel model(analytics::BgNbdParams{0.9, 4.5, 0.8, 4.0});
  const analytics::GammaGammaParams spend{6.0, 4.0, 12.0};
  analytics::ClvOptions clv;
  clv.horizon = 52;
  clv.unit = analytics::TimeUnit::kWeeks;
  for (const auto& with_spend : {std::optional(spend), std::optional<analytics::GammaGammaParams>()}) {
    const auto one = analytics::score_customers(model, with_spend, customers, clv, {}, 1);
    REQUIRE(one.size() == customers.size());
    for (const std::size_t threads : {2u, 3u, 0u}) {
      const auto many = analytics::score_customers(model, with_spend, customers, clv, {}, threads);
      REQUIRE(many.size() == one.size());
      std::size_t differ = 0;
      for (std::size_t i = 0; i < one.size(); ++i) {
        differ += same_bits(one[i].p_alive, many[i].p_alive) &&
                          same_bits(one[i].expected_purchases, many[i].expected_purchases) &&
                          same_bits(one[i].expected_spend, many[i].expected_spend) &&
                          same_bits(one[i].clv, many[i].clv)
                      ? 0u
                      : 1u;
      }
      INFO("threads " << threads << ", spend model " << with_spend.has_value());
      CHECK(differ == 0);
    }
    // Not a constant: the scores do depend on the history.
    CHECK(one.front().p_alive != one[1].p_alive);
  }
}

TEST_CASE("a refresh valued on two threads equals the one-thread refresh", "[value]") {
  value::ChainSpec spec;
  spec.members = 3 * analytics::kMinScoreSlice;
  spec.months = 12;
  spec.seed = 5;
  const auto chain = seed(spec);
  value::ValueConfig one_thread;
  one_thread.score_threads = 1;
  value::ValueConfig two_threads;
  two_threads.score_threads = 2;
  const auto a = value::compute_values(chain.inputs, kEnd, one_thread).value();
  const auto b = value::compute_values(chain.inputs, kEnd, two_threads).value();
  REQUIRE(a.snapshots.size() == b.snapshots.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.snapshots.size(); ++i) {
    const auto& x = a.snapshots[i];
    const auto& y = b.snapshots[i];
    differ += x.member_id == y.member_id && same_bits(x.p_alive, y.p_alive) &&
                      same_bits(x.expected_visits, y.expected_visits) &&
                      x.expected_spend_cents == y.expected_spend_cents &&
                      x.lifetime_value_cents == y.lifetime_value_cents &&
                      x.referral_value_cents == y.referral_value_cents &&
                      x.total_value_cents == y.total_value_cents && x.tier == y.tier &&
                      x.rfm == y.rfm && x.segment == y.segment && x.at_risk == y.at_risk
                  ? 0u
                  : 1u;
  }
  CHECK(differ == 0);
  CHECK(value::to_string(*a.scales) == value::to_string(*b.scales));
}

TEST_CASE("at-risk flags find the valuable members the generator churned", "[value]") {
  value::ChainSpec spec;
  spec.members = 20'000;
  spec.months = 18;
  spec.seed = 12;
  const auto chain = seed(spec);
  const auto refresh = value::compute_values(chain.inputs, kEnd, {}).value();
  std::size_t flagged = 0, flagged_churned = 0, valuable_churned = 0;
  for (std::size_t i = 0; i < chain.inputs.size(); ++i) {
    const auto& s = refresh.snapshots[i];
    const bool valuable = s.tier == ValueTier::kMvc || s.tier == ValueTier::kMgc;
    if (s.at_risk) ++flagged;
    if (s.at_risk && chain.churned[i]) ++flagged_churned;
    if (valuable && chain.churned[i]) ++valuable_churned;
  }
  REQUIRE(flagged > 0);
  REQUIRE(valuable_churned > 0);
  const double precision = static_cast<double>(flagged_churned) / static_cast<double>(flagged);
  const double recall =
      static_cast<double>(flagged_churned) / static_cast<double>(valuable_churned);
  std::printf("at-risk on 20,000 seeded members: %zu flagged, precision %.2f, recall %.2f\n",
              flagged, precision, recall);
  CHECK(precision >= kAtRiskPrecisionFloor);
  CHECK(recall >= kAtRiskRecallFloor);
}

namespace {

value::MemberValueInput buyer(std::int64_t id, int days, int first_days_ago, int last_days_ago,
                              std::int64_t revenue_cents) {
  value::MemberValueInput in;
  in.member_id = id;
  in.purchase_days = days;
  in.first_purchase = kEnd - std::chrono::days(first_days_ago);
  in.last_purchase = kEnd - std::chrono::days(last_days_ago);
  in.revenue_cents = revenue_cents;
  in.visits = days;
  return in;
}

// A realistic population (2,000 seeded members, ids 1-2000) for a test to add members to.
std::vector<value::MemberValueInput> crowd() {
  value::ChainSpec spec;
  spec.members = 2'000;
  spec.seed = 3;
  return seed(spec).inputs;
}

}  // namespace

TEST_CASE("tiers: MVC is the top share by total value, BZ costs more than it brings",
          "[value]") {
  auto members = crowd();
  members.push_back(buyer(1000, 60, 400, 2, 900'000));  // a big spender, weekly
  value::MemberValueInput costly = buyer(1001, 3, 300, 250, 1'000);
  costly.visits = 200;  // comes all the time, buys next to nothing
  members.push_back(costly);
  value::ValueConfig config;
  config.cost_per_visit_cents = 100;
  const auto refresh = value::compute_values(members, kEnd, config).value();
  const auto& big = refresh.snapshots[2000];
  CHECK(big.tier == ValueTier::kMvc);
  CHECK(refresh.snapshots[2001].tier == ValueTier::kBz);
  CHECK(refresh.snapshots[2001].total_value_cents < 0);
  std::size_t mvc = 0;
  for (const auto& snap : refresh.snapshots) mvc += snap.tier == ValueTier::kMvc ? 1 : 0;
  CHECK(mvc == 101);  // ceil(5 % of 2002)
  // Total value is the sum of its parts.
  CHECK(big.total_value_cents == big.historic_value_cents + big.lifetime_value_cents +
                                     big.referral_value_cents + big.advocacy_value_cents -
                                     60 * config.cost_per_visit_cents);
}

TEST_CASE("tiers: MGC is a large forecast on a small history", "[value]") {
  auto members = crowd();
  members.push_back(buyer(2000, 8, 21, 1, 16'000));  // new, already every few days
  const auto refresh = value::compute_values(members, kEnd, {}).value();
  const auto& newcomer = refresh.snapshots.back();
  INFO("lifetime " << newcomer.lifetime_value_cents << " historic "
                   << newcomer.historic_value_cents);
  CHECK(newcomer.tier == ValueTier::kMgc);
  CHECK(newcomer.lifetime_value_cents >= 2 * newcomer.historic_value_cents);
}

TEST_CASE("RFM quintiles: equal values score alike, the best score 5", "[value]") {
  std::vector<value::MemberValueInput> members;
  for (int i = 0; i < 10; ++i) members.push_back(buyer(i + 1, 2 + i, 300, 10 * (i + 1), 5'000));
  const auto refresh = value::compute_values(members, kEnd, {}).value();
  // Member 1 bought most recently and least often; all spent the same (M ties: all 1).
  CHECK(refresh.snapshots[0].rfm == "R5F1M1");
  CHECK(refresh.snapshots[9].rfm == "R1F5M1");
  CHECK(refresh.snapshots[4].rfm == "R3F3M1");
  CHECK(refresh.snapshots[0].rhythm_days == Approx(290.0));  // (300 - 10) days over 1 gap
}

TEST_CASE("a valuable member gone three usual gaps is at risk", "[value]") {
  auto members = crowd();
  members.push_back(buyer(3000, 40, 300, 60, 600'000));  // weekly, big, silent for 2 months
  const auto refresh = value::compute_values(members, kEnd, {}).value();
  const auto& gone = refresh.snapshots.back();
  CHECK(gone.tier == ValueTier::kMvc);
  REQUIRE(gone.rhythm_days);
  CHECK(*gone.rhythm_days == Approx(240.0 / 39));
  CHECK(gone.at_risk);
  CHECK_FALSE(refresh.snapshots[0].at_risk);
}

TEST_CASE("members without purchases are valued at zero, not dropped", "[value]") {
  std::vector<value::MemberValueInput> members{value::MemberValueInput{}};
  members[0].member_id = 1;
  const auto refresh = value::compute_values(members, kEnd, {}).value();
  CHECK_FALSE(refresh.fit);
  REQUIRE(refresh.snapshots.size() == 1);
  CHECK(refresh.snapshots[0].segment == "no purchase yet");
  CHECK(refresh.snapshots[0].total_value_cents == 0);
}

TEST_CASE("refreshes through the store keep tier history and re-send only what changed",
          "[value]") {
  testing::TempDir dir;
  auto store = server::open_sqlite_store(dir / "rapport.db").value();
  REQUIRE(store->add_store("S1", "High Street"));
  auto token = [](int i) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", i);
    return std::string(56, '0') + hex;
  };
  auto event = [&](domain::EventKind kind, int member, std::string payload, int days_ago) {
    domain::Event e;
    e.id = domain::new_event_id();
    e.kind = kind;
    e.terminal_id = "T1";
    e.store_id = "S1";
    e.card_token = token(member);
    e.occurred_at = to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(
                        kEnd - std::chrono::days(days_ago))) ;
    e.payload = std::move(payload);
    return e;
  };
  auto sale = [](std::int64_t cents) {
    protocol::PurchasePayload p;
    p.lines = {{"Flat white", "coffee", 1, cents, {}}};
    p.total_cents = cents;
    return protocol::encode_payload(p);
  };
  std::vector<domain::Event> events;
  for (int i = 0; i < 40; ++i) {
    events.push_back(event(domain::EventKind::kEnrollment, i,
                           protocol::encode_payload(protocol::EnrollmentPayload{
                               "M" + std::to_string(i), {}, "0000", {}, {}}),
                           300));
    for (int d = 0; d < 3 + i % 5; ++d) {
      events.push_back(event(domain::EventKind::kPurchase, i, sale(500 + 10 * i), 300 - 40 * d));
    }
  }
  REQUIRE(store->record_events(events));
  const server::ChangeScope scope{"S1", "2000-01-01T00:00:00.000Z", "2000-01-01T00:00:00.000Z"};
  auto last = [&] {
    std::int64_t seq = 0, id = 0;
    for (;;) {
      const auto page = store->member_changes(scope, seq, id, 1000).value();
      seq = page.last_sequence;
      id = page.last_member_id;
      if (!page.more) return std::pair{seq, id};
    }
  };

  const auto first = server::refresh_values(*store, {}, kEnd).value();
  CHECK(first.members == 40);
  CHECK(first.migrated == 40);  // everyone's first tier is a change
  const auto cursor = last();
  const auto member = store->find_member_by_card(token(39)).value().value();
  CHECK(member.value_tier);  // terminals receive it

  // Nothing new: no migration, nothing for terminals to pull.
  const auto again = server::refresh_values(*store, {}, kEnd).value();
  CHECK(again.migrated == 0);
  CHECK(store->member_changes(scope, cursor.first, cursor.second, 1000).value().members.empty());

  // Member 0 becomes a weekly big spender: their tier moves and terminals get them again.
  std::vector<domain::Event> spree;
  for (int d = 0; d < 30; ++d) spree.push_back(event(domain::EventKind::kPurchase, 0, sale(9'000), 60 - 2 * d));
  REQUIRE(store->record_events(spree));
  const auto moved = server::refresh_values(*store, {}, kEnd).value();
  CHECK(moved.migrated >= 1);
  CHECK(store->value_snapshot(store->find_member_by_card(token(0)).value()->id).value()->tier ==
        ValueTier::kMvc);
}
