// tests/unit/rewards_config_test.cpp
//
// config/rewards.toml loads, and every kind of mistake in a rules file is refused with a
// message naming the key and the line to fix.

#include "server/rewards/rewards_config.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "server/server_config.h"
#include "shared/config/config_file.h"
#include "tests/support/temp_dir.h"

namespace {

using rapport::config::ConfigError;
using rapport::rewards::OfferKind;
using rapport::rewards::parse_rewards_rules;

std::string example() {
  std::ifstream in(std::string(RAPPORT_SOURCE_DIR) + "/config/rewards.toml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The example with the first `from` replaced by `to` (which must be there).
std::string with(const std::string& from, const std::string& to, std::string text = example()) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::size_t line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<std::size_t>(
                 std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

// The rules are refused, naming `key` and the line where `marker` stands.
void refused(const std::string& text, const std::string& key, const std::string& marker) {
  try {
    (void)parse_rewards_rules(text, "rewards.toml");
    FAIL("accepted a rules file with a mistake at " << key);
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("rewards.toml") != std::string::npos);
    CHECK(message.find("'" + key + "'") != std::string::npos);
    CHECK(message.find("line " + std::to_string(line_of(text, marker))) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("the example rewards.toml loads with every section", "[rewards]") {
  const auto rules = parse_rewards_rules(example(), "rewards.toml");
  CHECK(rules.earning.points_per_unit == 1);
  CHECK(rules.earning.category_multipliers.at("coffee") == 2.0);
  CHECK(rules.earning.product_multipliers.at("Seasonal Blend 250g") == 3.0);
  CHECK(rules.earning.every_nth_visit == 10);
  CHECK(rules.earning.expire_after_days == 365);
  REQUIRE(rules.reward_tiers.tiers.size() == 3);
  CHECK(rules.reward_tiers.tiers[2].name == "Gold");
  CHECK(rules.reward_tiers.grace_days == 90);
  const auto& mvc = rules.treatment(rapport::value::ValueTier::kMvc);
  CHECK(mvc.relationship_owner_required);
  CHECK(mvc.allows(OfferKind::kExperience));
  CHECK_FALSE(rules.treatment(rapport::value::ValueTier::kBz).allows(OfferKind::kFreeItem));
  CHECK(rules.treatment(rapport::value::ValueTier::kMvc).budget_cents_per_member >
        rules.treatment(rapport::value::ValueTier::kLmc).budget_cents_per_member);
  REQUIRE(rules.catalogue.size() == 7);
  const auto* tour = rules.find_reward("roastery-tour");
  REQUIRE(tour != nullptr);
  CHECK(tour->kind == OfferKind::kExperience);
  CHECK(tour->cost_cents == 1500);
  CHECK(rules.find_reward("five-off")->discount_cents == 500);
  CHECK(rules.offline_redemption_points_per_day == 500);
  CHECK(rules.liability_cents_per_100_points == 60);
}

TEST_CASE("a reward's cost and the value of points must be whole cents, not below 0",
          "[rewards]") {
  refused(with("cost_cents = 1500", "cost_cents = -1"), "catalogue[3].cost_cents",
          "cost_cents = -1");
  refused(with("cost_cents = 1500", "cost_cents = \"15.00\""), "catalogue[3].cost_cents",
          "cost_cents = \"15.00\"");
  refused(with("cents_per_100_points = 60", "cents_per_100_points = -5"),
          "liability.cents_per_100_points", "cents_per_100_points = -5");
  refused(with("cents_per_100_points = 60", "cents_per_10_points = 6"),
          "liability.cents_per_10_points", "cents_per_10_points");
  // Without [liability] the value is not stated.
  const auto text = example();
  const auto rules = parse_rewards_rules(text.substr(0, text.find("\n[liability]")), "rewards.toml");
  CHECK_FALSE(rules.liability_cents_per_100_points.has_value());
}

TEST_CASE("a misspelt key is refused with its line", "[rewards]") {
  const auto text = with("signup_points = 100", "sign_up_points = 100");
  refused(text, "earning.sign_up_points", "sign_up_points");
}

TEST_CASE("a value of the wrong type is refused with its line", "[rewards]") {
  refused(with("points_per_unit = 1 ", "points_per_unit = \"one\" "), "earning.points_per_unit",
          "points_per_unit = \"one\"");
  refused(with("relationship_owner_required = true", "relationship_owner_required = \"yes\""),
          "treatment.MVC.relationship_owner_required", "\"yes\"");
}

TEST_CASE("a value out of range is refused with its line", "[rewards]") {
  refused(with("expire_after_days = 365", "expire_after_days = -1"), "earning.expire_after_days",
          "expire_after_days = -1");
  refused(with("coffee = 2.0", "coffee = 1000.0"), "earning.categories.coffee", "coffee = 1000");
}

TEST_CASE("a missing required key names the table it belongs in", "[rewards]") {
  refused(with("points_per_unit = 1 ", "# "), "earning.points_per_unit", "[earning]");
  refused(with("max_contacts_per_month = 0", "# none"), "treatment.BZ.max_contacts_per_month",
          "[treatment.BZ]");
  refused(with("cost_cents = 1500", ""), "catalogue[3].cost_cents",
          "[[catalogue]]\nid = \"roastery-tour\"");
}

TEST_CASE("a missing value tier treatment is refused", "[rewards]") {
  auto text = with("[treatment.MGC]", "[unused.MGC]");
  // The moved table is now an unknown top-level key; take it out of the way first.
  text = with("[unused.MGC]", "[treatment_MGC_removed]", text);
  try {
    (void)parse_rewards_rules(text, "rewards.toml");
    FAIL("accepted");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("treatment_MGC_removed") != std::string::npos);
  }
  // With the table simply gone, the error names the treatment and the [treatment] lines.
  std::string gone = example();
  const auto from = gone.find("[treatment.MGC]");
  const auto to = gone.find("[treatment.LMC]");
  gone.erase(from, to - from);
  refused(gone, "treatment.MGC", "[treatment.MVC]");
}

TEST_CASE("an unknown offer kind or personalisation level is refused", "[rewards]") {
  refused(with("offer_kinds = [\"discount\"]", "offer_kinds = [\"discount\", \"lottery\"]"),
          "treatment.BZ.offer_kinds", "\"lottery\"");
  refused(with("personalisation = \"segment\"", "personalisation = \"some\""),
          "treatment.LMC.personalisation", "\"some\"");
  refused(with("kind = \"partner\"", "kind = \"voucher\""), "catalogue[4].kind", "\"voucher\"");
  refused(with("measure = \"points\"", "measure = \"balance\""), "reward_tiers.measure",
          "\"balance\"");
}

TEST_CASE("reward tiers out of order or without a base tier are refused", "[rewards]") {
  refused(with("threshold = 5000", "threshold = 900"), "reward_tiers.tier[2].threshold",
          "threshold = 900");
  refused(with("threshold = 0 ", "threshold = 10 "), "reward_tiers.tier[0].threshold",
          "threshold = 10 ");
  refused(with("name = \"Gold\"", "name = \"Silver\""), "reward_tiers.tier[2].name",
          "name = \"Silver\"\nthreshold = 5000");
}

TEST_CASE("catalogue mistakes are refused with their line", "[rewards]") {
  refused(with("id = \"five-off\"", "id = \"free-coffee\""), "catalogue[1].id",
          "id = \"free-coffee\"\nname = \"5.00");
  refused(with("product = \"Coffee\"", "partner = \"Coffee\""), "catalogue[0].product",
          "[[catalogue]]\nid = \"free-coffee\"");
  refused(with("amount_cents = 500", "amount_cents = 500\npercent = 10"),
          "catalogue[1].amount_cents", "amount_cents = 500");
  refused(with("partner = \"Picturehouse\"", "partner = \"Picturehouse\"\ndays = 3"),
          "catalogue[4].days", "days = 3\n");
  refused(with("factor = 2.0", "factor = 0.5"), "catalogue[2].factor", "factor = 0.5");
}

TEST_CASE("broken TOML is refused with its line", "[rewards]") {
  const auto text = with("grace_days = 90", "grace_days = = 90");
  try {
    (void)parse_rewards_rules(text, "rewards.toml");
    FAIL("accepted");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("line " + std::to_string(line_of(text, "= = 90"))) !=
          std::string::npos);
  }
}

TEST_CASE("server.toml's [rewards] rules names the rules file, relative to server.toml",
          "[rewards]") {
  rapport::testing::TempDir dir;
  const auto server_toml = [&] {
    std::ifstream in(std::string(RAPPORT_SOURCE_DIR) + "/config/server.toml");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }();
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  };
  write("server.toml", server_toml);
  CHECK_FALSE(rapport::server::load_server_config(dir / "server.toml").rewards);

  write("server.toml", with("# rules = \"rewards.toml\"", "rules = \"rewards.toml\"", server_toml));
  write("rewards.toml", example());
  const auto config = rapport::server::load_server_config(dir / "server.toml");
  REQUIRE(config.rewards);
  CHECK(config.rewards->catalogue.size() == 7);

  write("rewards.toml", with("grace_days = 90", "grace_days = \"ninety\""));
  CHECK_THROWS_WITH(rapport::server::load_server_config(dir / "server.toml"),
                    Catch::Contains("rewards.toml") && Catch::Contains("reward_tiers.grace_days") &&
                        Catch::Contains("line"));
}

TEST_CASE("the example's [offers] settings and offer fields load", "[rewards][offers]") {
  const auto rules = parse_rewards_rules(example(), "rewards.toml");
  CHECK(rules.offers.decline_cooldown_days == 60);
  CHECK(rules.offers.max_offers == 3);
  CHECK(rules.offers.holdout_share == 0.10);
  CHECK(rules.offers.holdout_salt == "rapport-offers");
  CHECK(rules.offers.uplift_window_days == 30);
  const auto* gesture = rules.find_reward("thank-you-note");
  REQUIRE(gesture != nullptr);
  CHECK(gesture->kind == OfferKind::kGesture);
  CHECK(gesture->points == 0);
  CHECK(rules.find_reward("free-coffee")->standard);
  CHECK(rules.find_reward("free-coffee")->category == "coffee");
  CHECK(rules.find_reward("roastery-tour")->win_back);
  CHECK_FALSE(rules.find_reward("cinema-ticket")->standard);
  // Without [offers] the defaults apply.
  std::string text = example();
  const auto from = text.find("# The offers engine");
  const auto to = text.find("[offline]");
  text.erase(from, to - from);
  CHECK(parse_rewards_rules(text, "rewards.toml").offers.decline_cooldown_days == 60);
}

TEST_CASE("mistakes in [offers] and the offer fields are refused with their line",
          "[rewards][offers]") {
  refused(with("decline_cooldown_days = 60", "decline_cooldown = 60"), "offers.decline_cooldown",
          "decline_cooldown = 60");
  refused(with("decline_cooldown_days = 60", "decline_cooldown_days = -3"),
          "offers.decline_cooldown_days", "decline_cooldown_days = -3");
  refused(with("holdout_share = 0.10", "holdout_share = 0.9"), "offers.holdout_share",
          "holdout_share = 0.9");
  refused(with("holdout_salt = \"rapport-offers\"", "holdout_salt = 7"), "offers.holdout_salt",
          "holdout_salt = 7");
  refused(with("max_offers = 3", "max_offers = 0"), "offers.max_offers", "max_offers = 0");
  refused(with("win_back_p_alive = 0.5", "win_back_p_alive = 2"), "offers.win_back_p_alive",
          "win_back_p_alive = 2");
  refused(with("\"coffee\"\nstandard = true", "\"coffee\"\nstandard = \"yes\""),
          "catalogue[0].standard", "standard = \"yes\"");
  refused(with("days = 7\nwin_back = true", "days = 7\nwin_back = 1"), "catalogue[2].win_back",
          "win_back = 1");
  refused(with("category = \"coffee\"", "category = 3"), "catalogue[0].category", "category = 3");
  // A gesture sells nothing: points other than 0 are refused.
  const std::string gesture = "kind = \"gesture\"\npoints = 0\ncost_cents = 0";
  refused(with(gesture, "kind = \"gesture\"\npoints = 10\ncost_cents = 0"), "catalogue[6].points",
          "points = 10\ncost_cents");
}
