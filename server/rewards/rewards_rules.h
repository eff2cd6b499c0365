// server/rewards/rewards_rules.h
//
// The chain's rewards rules (config/rewards.toml, docs/rewards.md) as plain values: how
// points are earned, the customer-facing reward tiers, the treatment each internal value
// tier gets (MVC/MGC/LMC/BZ, server/value/value_model.h), the rewards catalogue with each
// reward's cost to the business, and the offline redemption limit. Loaded and validated by
// rewards_config.h; read by the points ledger (earning, bonuses, tiers) and, later, by the
// offers engine (treatment and catalogue). Pure data: no database, no clock.

#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/value/value_model.h"

namespace rapport::rewards {

// What a catalogue reward is. An offers engine filters by it (Treatment::offer_kinds).
// A gesture is a "thank you" that sells nothing: no points, no purchase needed (a note at the
// counter, a free coffee on a regular's tenth visit); docs/offers.md.
enum class OfferKind { kFreeItem = 1, kDiscount, kMultiplier, kExperience, kPartner, kGesture };
[[nodiscard]] std::string_view to_string(OfferKind kind);  // "free_item", "discount", ...
[[nodiscard]] std::optional<OfferKind> offer_kind_from_string(std::string_view text);

// How far offers may be tailored to a member: none (the standard offers), by segment
// (value tier and top categories), or fully (the member's own history and preferences).
enum class Personalisation { kNone = 1, kSegment, kFull };
[[nodiscard]] std::string_view to_string(Personalisation level);
[[nodiscard]] std::optional<Personalisation> personalisation_from_string(std::string_view text);

struct EarningRules {
  double points_per_unit = 1;  // per whole currency unit (100 cents) spent
  // Multipliers of a sale line's points by its category or product (both apply).
  std::map<std::string, double, std::less<>> category_multipliers;
  std::map<std::string, double, std::less<>> product_multipliers;
  std::int64_t every_nth_visit = 0;    // 0: no visit reward
  std::int64_t nth_visit_points = 0;   // given on visit N, 2N, ...
  std::int64_t signup_points = 0;      // when the member enrolls
  std::int64_t birthday_points = 0;    // first visit or purchase in the birthday month, yearly
  std::int64_t referral_points = 0;    // to the referrer, on the referred member's first purchase
  std::int64_t expire_after_days = 0;  // a balance expires after this long inactive; 0: never
};

// Reward tiers are measured on what was earned in the qualifying period: points or spend,
// never the current balance (spending points must not cost a customer their tier).
enum class TierMeasure { kPoints = 1, kSpend };

struct RewardTier {
  std::string name;            // what the customer sees: "Silver"
  std::int64_t threshold = 0;  // points, or cents of spend, in the qualifying period
  double multiplier = 1;       // of points earned while in this tier
};

struct RewardTierRules {
  TierMeasure measure = TierMeasure::kPoints;
  std::int64_t qualifying_days = 365;
  std::int64_t grace_days = 0;    // a tier is kept this long after the member last qualified
  std::vector<RewardTier> tiers;  // ascending thresholds; the first is 0 (everyone's tier)
};

// How the business treats the members of one value tier (value first, then needs).
struct Treatment {
  std::int64_t budget_cents_per_member = 0;  // reward cost per member per year
  std::vector<OfferKind> offer_kinds;        // the kinds of offer this tier may get
  Personalisation personalisation = Personalisation::kNone;
  bool relationship_owner_required = false;  // a named staff member looks after them
  std::int64_t max_contacts_per_month = 0;   // 0: never contacted unprompted

  [[nodiscard]] bool allows(OfferKind kind) const;
};

struct CatalogueItem {
  std::string id;  // stable key: offers and redemption events name it
  std::string name;
  OfferKind kind = OfferKind::kFreeItem;
  std::int64_t points = 0;      // what the member spends; 0 for a gift or gesture
  std::int64_t cost_cents = 0;  // what it costs the business
  // Kind-specific (exactly those of its kind are set):
  std::optional<std::string> product;          // free_item
  std::optional<std::int64_t> discount_cents;  // discount: an amount ...
  std::optional<double> discount_percent;      // ... or a percentage
  std::optional<double> factor;                // multiplier: points x factor ...
  std::optional<std::int64_t> days;            // ... for this many days
  std::optional<std::string> partner;          // partner: who provides it
  // For the offers engine (docs/offers.md), all optional in the file:
  std::optional<std::string> category;  // the purchase category it suits ("coffee")
  bool standard = false;  // one of the standard offers (members who opted out, "none")
  bool win_back = false;  // meant to win back a valuable member who is slipping
};

// [offers] (optional; these defaults otherwise): how the offers engine chooses and measures.
struct OfferRules {
  std::int64_t decline_cooldown_days = 60;      // a declined offer is not offered again this long
  std::int64_t max_offers = 3;                  // offers chosen at a time
  double holdout_share = 0.10;                  // of members kept out of each offer, to measure it
  std::string holdout_salt = "rapport-offers";  // change it to draw new hold-out groups
  double win_back_p_alive = 0.5;  // a valuable member below this probability alive is slipping
  std::int64_t uplift_window_days = 30;  // later visits and spend counted this long after
};

struct RewardsRules {
  EarningRules earning;
  RewardTierRules reward_tiers;
  std::array<Treatment, 4> treatments;  // by value tier: MVC, MGC, LMC, BZ
  std::vector<CatalogueItem> catalogue;
  OfferRules offers;
  // An offline terminal may redeem up to this many points per member per day against its
  // cached balance; the server reconciles (docs/rewards.md, "Offline redemption").
  std::int64_t offline_redemption_points_per_day = 0;
  // [gestures] cashier_points_per_day: the goodwill points one cashier may give in a day
  // (docs/offers.md, "Goodwill gestures"); 0 (the default): none. Enforced by terminals and
  // by the server.
  std::int64_t gesture_points_per_cashier_per_day = 0;
  // [liability] cents_per_100_points: what 100 outstanding points are worth to the chain in
  // money, to value the points liability (docs/rewards.md, "Reward cost"); nullopt when the
  // file does not say (the rewards report then leaves the money column empty).
  std::optional<std::int64_t> liability_cents_per_100_points;

  [[nodiscard]] const Treatment& treatment(value::ValueTier tier) const;
  [[nodiscard]] const CatalogueItem* find_reward(std::string_view id) const;
};

}  // namespace rapport::rewards
