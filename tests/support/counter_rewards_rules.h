// tests/support/counter_rewards_rules.h
//
// The rewards rules (config/rewards.toml format, docs/rewards.md) the counter's end-to-end
// and browser tests run rapport-server with, in one place: 1 point per currency unit, coffee
// counts double; everyone (LMC before the value refresh) may be offered free items; one
// standard offer, "free-coffee" for 150 points (cost 90 cents); nobody is held out, so the
// offer is certain; 100 points offline per member per day; 50 goodwill points per cashier
// per day.

#pragma once

#include <string>

namespace rapport::testing {

inline const std::string kCounterRewardsRules = R"(
[earning]
points_per_unit = 1
[earning.categories]
coffee = 2.0
[reward_tiers]
measure = "points"
qualifying_days = 365
[[reward_tiers.tier]]
name = "Member"
threshold = 0
[treatment.MVC]
budget_cents_per_member = 5000
offer_kinds = ["free_item"]
personalisation = "segment"
max_contacts_per_month = 4
[treatment.MGC]
budget_cents_per_member = 5000
offer_kinds = ["free_item"]
personalisation = "segment"
max_contacts_per_month = 4
[treatment.LMC]
budget_cents_per_member = 800
offer_kinds = ["free_item"]
personalisation = "segment"
max_contacts_per_month = 4
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

// The same with a second standard free item, "free-pastry" for 50 points (cost 60 cents),
// for tests that need a choice of offers (the cashier screen's).
inline const std::string kCounterRewardsRulesWithPastry = kCounterRewardsRules + R"(
[[catalogue]]
id = "free-pastry"
name = "A free pastry"
kind = "free_item"
product = "Pastry"
standard = true
points = 50
cost_cents = 60
)";

}  // namespace rapport::testing
