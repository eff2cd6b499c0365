// tests/unit/offers_test.cpp
//
// The offers engine with contrasting members (issue 8's acceptance): an MVC's offers cost
// more than a low-value member's; a noted dislike excludes an offer; a declined offer is not
// repeated within the cool-down; a slipping valuable member gets a win-back offer; an
// opted-out member gets standard offers only. On the example config/rewards.toml.

#include "server/rewards/offers.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>

#include "server/rewards/rewards_config.h"

namespace {

using rapport::rewards::choose_offers;
using rapport::rewards::ChosenOffer;
using rapport::rewards::MemberOfferFacts;
using rapport::rewards::OfferChoice;
using rapport::rewards::OfferHistoryEntry;
using rapport::rewards::OfferKind;
using rapport::rewards::OfferOutcome;
using rapport::rewards::Personalisation;
using rapport::value::ValueTier;
using std::chrono::days;
using std::chrono::sys_days;

const rapport::rewards::RewardsRules& rules() {
  static const auto loaded = [] {
    std::ifstream in(std::string(RAPPORT_SOURCE_DIR) + "/config/rewards.toml");
    std::stringstream text;
    text << in.rdbuf();
    return rapport::rewards::parse_rewards_rules(text.str(), "rewards.toml");
  }();
  return loaded;
}

const sys_days kToday = sys_days{std::chrono::year{2026} / 11 / 26};

// A healthy coffee regular of `tier`.
MemberOfferFacts member(ValueTier tier, std::int64_t id = 17) {
  MemberOfferFacts m;
  m.member_id = id;
  m.tier = tier;
  m.p_alive = 0.9;
  m.rhythm_days = 6;
  m.top_categories = {"coffee", "pastry"};
  return m;
}

std::int64_t cost(const OfferChoice& choice) {
  std::int64_t total = 0;
  for (const auto& c : choice.offers) total += c.item->cost_cents;
  return total;
}

bool offered(const OfferChoice& choice, const std::string& id) {
  for (const auto& c : choice.offers) {
    if (c.item->id == id) return true;
  }
  return false;
}

std::string excluded_reason(const OfferChoice& choice, const std::string& id) {
  for (const auto& e : choice.excluded) {
    if (e.item->id == id) return e.reason;
  }
  return "";
}

bool has_reason(const ChosenOffer& c, const std::string& text) {
  for (const auto& r : c.reasons) {
    if (r.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("an MVC's offers cost more than a low-value member's, within each tier's budget",
          "[offers]") {
  const auto mvc = choose_offers(member(ValueTier::kMvc), rules(), {}, kToday);
  const auto lmc = choose_offers(member(ValueTier::kLmc), rules(), {}, kToday);
  const auto bz = choose_offers(member(ValueTier::kBz), rules(), {}, kToday);
  INFO("MVC " << cost(mvc) << ", LMC " << cost(lmc));
  REQUIRE(mvc.offers.size() == 3);
  REQUIRE_FALSE(lmc.offers.empty());
  CHECK(cost(mvc) > cost(lmc));
  CHECK(offered(mvc, "roastery-tour"));  // an experience: not an LMC's kind of offer
  CHECK_FALSE(offered(lmc, "roastery-tour"));
  CHECK(excluded_reason(lmc, "roastery-tour") == "the LMC treatment offers no experience");
  CHECK(cost(lmc) <= rules().treatment(ValueTier::kLmc).budget_cents_per_member);
  // The business builds no costly relationship with a member who costs more than they bring.
  CHECK(bz.offers.empty());
}

TEST_CASE("accepted offers use up the tier's yearly budget", "[offers]") {
  // The LMC budget is 8.00: a 5.00 discount accepted this year leaves 3.00.
  const std::vector<OfferHistoryEntry> history{
      {"five-off", OfferOutcome::kAccepted, kToday - days{100}}};
  const auto choice = choose_offers(member(ValueTier::kLmc), rules(), history, kToday);
  CHECK(choice.budget_left_cents == 300);
  CHECK(cost(choice) <= 300);
  CHECK_FALSE(offered(choice, "five-off"));
  CHECK(excluded_reason(choice, "five-off").find("more than the budget left") != std::string::npos);
  // A year later the budget is whole again.
  CHECK(choose_offers(member(ValueTier::kLmc), rules(), history, kToday + days{300})
            .budget_left_cents == 800);
}

TEST_CASE("no offer, anywhere, goes beyond its tier's kinds and budget", "[offers]") {
  std::mt19937 random(8);
  for (int i = 0; i < 400; ++i) {
    auto m = member(static_cast<ValueTier>(1 + random() % 4), i);
    m.p_alive = static_cast<double>(random() % 100) / 100;
    m.at_risk = random() % 3 == 0;
    m.personalisation_consent = random() % 4 != 0;
    m.rhythm_days = 1 + random() % 40;
    std::vector<OfferHistoryEntry> history;
    for (std::size_t h = random() % 4; h > 0; --h) {
      const auto& item = rules().catalogue[random() % rules().catalogue.size()];
      history.push_back(
          {item.id, static_cast<OfferOutcome>(1 + random() % 4), kToday - days{random() % 400}});
    }
    const auto choice = choose_offers(m, rules(), history, kToday);
    const auto& treatment = rules().treatment(m.tier);
    CHECK(cost(choice) <= choice.budget_left_cents);
    CHECK(choice.budget_left_cents <= treatment.budget_cents_per_member);
    CHECK(static_cast<std::int64_t>(choice.offers.size()) <= rules().offers.max_offers);
    for (const auto& c : choice.offers) {
      CHECK(treatment.allows(c.item->kind));
      if (!m.personalisation_consent) CHECK(c.item->standard);
    }
    CHECK(choice.offers.size() + choice.excluded.size() == rules().catalogue.size());
  }
}

TEST_CASE("a noted dislike excludes the offers it names", "[offers]") {
  auto m = member(ValueTier::kMvc);
  REQUIRE(offered(choose_offers(m, rules(), {}, kToday), "roastery-tour"));
  m.dislikes = {"Doesn't like tours, too crowded"};
  const auto choice = choose_offers(m, rules(), {}, kToday);
  CHECK_FALSE(offered(choice, "roastery-tour"));
  CHECK(excluded_reason(choice, "roastery-tour") ==
        "the member told us: \"Doesn't like tours, too crowded\"");
  CHECK(choice.offers.size() == 3);  // another offer takes its place

  m.dislikes = {"allergic to coffee"};
  const auto no_coffee = choose_offers(m, rules(), {}, kToday);
  for (const auto& c : no_coffee.offers)
    CHECK(c.item->category != std::optional<std::string>("coffee"));
  CHECK_FALSE(offered(no_coffee, "free-coffee"));
}

TEST_CASE("what a member told us they come for moves the offers it names up", "[offers]") {
  // A new member (no purchases yet), as the cashier screen enrolls them: the answer to
  // "What do you usually come in for?" is a preference note.
  MemberOfferFacts m;
  m.member_id = 18;
  m.tier = ValueTier::kLmc;
  const auto before = choose_offers(m, rules(), {}, kToday);
  REQUIRE_FALSE(before.offers.empty());
  CHECK(before.offers.front().item->id == "five-off");  // the costlier, all else equal

  m.wishes = {"Usually comes in for: coffee"};
  const auto after = choose_offers(m, rules(), {}, kToday);
  REQUIRE_FALSE(after.offers.empty());
  CHECK(after.offers.front().item->id == "free-coffee");
  CHECK(has_reason(after.offers.front(), "the member told us: \"Usually comes in for: coffee\""));
  CHECK(after.offers.front().score > before.offers.front().score);

  // Opted out of personalisation: what they said is not used.
  m.personalisation_consent = false;
  const auto opted_out = choose_offers(m, rules(), {}, kToday);
  for (const auto& c : opted_out.offers) CHECK_FALSE(has_reason(c, "the member told us"));
}

TEST_CASE("which notes are dislikes", "[offers]") {
  CHECK(rapport::rewards::is_dislike_note("Doesn't like the cinema"));
  CHECK(rapport::rewards::is_dislike_note("no more partner offers please"));
  CHECK(rapport::rewards::is_dislike_note("Hates oat milk"));
  CHECK_FALSE(rapport::rewards::is_dislike_note("Loves the cinema"));
  CHECK_FALSE(rapport::rewards::is_dislike_note("usual: flat white"));
}

TEST_CASE("a declined offer is not offered again within the cool-down", "[offers]") {
  const auto m = member(ValueTier::kMvc);
  REQUIRE(rules().offers.decline_cooldown_days == 60);
  const std::vector<OfferHistoryEntry> recent{
      {"roastery-tour", OfferOutcome::kDeclined, kToday - days{10}}};
  const auto choice = choose_offers(m, rules(), recent, kToday);
  CHECK_FALSE(offered(choice, "roastery-tour"));
  CHECK(excluded_reason(choice, "roastery-tour") ==
        "declined on 2026-11-16; not again before 2027-01-15");
  // The day before the cool-down ends it is still held back; on that day it may come back.
  CHECK_FALSE(offered(choose_offers(m, rules(), recent, kToday + days{49}), "roastery-tour"));
  CHECK(offered(choose_offers(m, rules(), recent, kToday + days{50}), "roastery-tour"));
  // Shown or accepted is no reason to hold an offer back.
  const std::vector<OfferHistoryEntry> shown{
      {"roastery-tour", OfferOutcome::kShown, kToday - days{40}}};
  CHECK(offered(choose_offers(m, rules(), shown, kToday), "roastery-tour"));
}

TEST_CASE("a slipping valuable member gets a win-back offer first", "[offers]") {
  auto slipping = member(ValueTier::kMgc);
  slipping.p_alive = 0.3;
  const auto choice = choose_offers(slipping, rules(), {}, kToday);
  REQUIRE_FALSE(choice.offers.empty());
  CHECK(choice.offers.front().item->win_back);
  CHECK(has_reason(choice.offers.front(), "win-back offer"));
  CHECK(choice.notes.back().find("win-back") != std::string::npos);

  // At risk by rhythm with a fair probability alive: win-back too.
  auto late = member(ValueTier::kMvc);
  late.at_risk = true;
  CHECK(has_reason(choose_offers(late, rules(), {}, kToday).offers.front(), "win-back offer"));

  // The same member while healthy, and a slipping low-value member: no win-back.
  for (const auto& m : {member(ValueTier::kMgc), [] {
                          auto lmc = member(ValueTier::kLmc);
                          lmc.p_alive = 0.1;
                          lmc.at_risk = true;
                          return lmc;
                        }()}) {
    for (const auto& c : choose_offers(m, rules(), {}, kToday).offers) {
      CHECK_FALSE(has_reason(c, "win-back"));
    }
  }
}

TEST_CASE("a member who opted out of personalisation gets the standard offers only", "[offers]") {
  auto m = member(ValueTier::kMvc);
  m.personalisation_consent = false;
  m.p_alive = 0.2;  // slipping, but their data is not used to tailor
  const auto choice = choose_offers(m, rules(), {}, kToday);
  CHECK(choice.level == Personalisation::kNone);
  REQUIRE(choice.offers.size() == 2);  // the example has two standard offers
  for (const auto& c : choice.offers) {
    CHECK(c.item->standard);
    CHECK(c.reasons.front() == "a standard offer");
  }
  CHECK(excluded_reason(choice, "roastery-tour") == "not a standard offer");
  CHECK(choice.notes.front() == "opted out of personalisation: standard offers only");
}

TEST_CASE("thank-you gestures sell nothing and go to regulars", "[offers]") {
  auto regular = member(ValueTier::kMgc);  // full personalisation: rhythm counts
  const auto choice = choose_offers(regular, rules(), {}, kToday);
  const ChosenOffer* gesture = nullptr;
  for (const auto& c : choice.offers) {
    if (c.item->kind == OfferKind::kGesture) gesture = &c;
  }
  REQUIRE(gesture != nullptr);
  CHECK(gesture->item->points == 0);
  CHECK(has_reason(*gesture, "a regular (every ~6 days): a thank-you"));
}

TEST_CASE("the contact limit of the tier holds offers back", "[offers]") {
  // LMC: one contact a month.
  const std::vector<OfferHistoryEntry> history{
      {"free-coffee", OfferOutcome::kShown, kToday - days{3}}};
  const auto choice = choose_offers(member(ValueTier::kLmc), rules(), history, kToday);
  CHECK(choice.offers.empty());
  CHECK(excluded_reason(choice, "five-off") == "contact limit reached");
  CHECK_FALSE(
      choose_offers(member(ValueTier::kLmc), rules(), history, kToday + days{30}).offers.empty());
}

TEST_CASE("the hold-out flag follows the member and offer, not the call", "[offers]") {
  std::size_t held = 0;
  std::size_t chosen = 0;
  for (std::int64_t id = 1; id <= 2000; ++id) {
    const auto first = choose_offers(member(ValueTier::kMvc, id), rules(), {}, kToday);
    const auto again = choose_offers(member(ValueTier::kMvc, id), rules(), {}, kToday);
    REQUIRE(first.offers.size() == again.offers.size());
    for (std::size_t i = 0; i < first.offers.size(); ++i) {
      CHECK(first.offers[i].held_out == again.offers[i].held_out);
      held += first.offers[i].held_out ? 1U : 0U;
      ++chosen;
    }
  }
  const double share = static_cast<double>(held) / static_cast<double>(chosen);
  CHECK(share > 0.08);
  CHECK(share < 0.12);
}
