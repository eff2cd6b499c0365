// server/rewards/earning.h
//
// The arithmetic of the rules (docs/rewards.md): points a sale earns, the share of them a
// refund takes back, and a member's reward tier with its grace period. Pure functions; the
// points ledger (server/storage/sqlite_points.*) applies them to stored events.

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "server/rewards/rewards_rules.h"
#include "shared/protocol/event_payloads.h"

namespace rapport::rewards {

// Points for a sale: each line's cents x its category and product multipliers, summed,
// x points per unit / 100 x the member's tier multiplier, rounded down once (so splitting
// a sale into lines never loses points). Never negative.
[[nodiscard]] std::int64_t purchase_points(const EarningRules& rules,
                                           const protocol::PurchasePayload& sale,
                                           double tier_multiplier);

// The points a refund has taken back in total once `refunded_cents` of an `amount_cents`
// sale that earned `earned` points are refunded: in proportion, rounded down, all of them
// for a sale fully taken back (or voided). Callers post the difference to what was taken
// back already, so a sale is never reversed twice.
[[nodiscard]] std::int64_t reversed_points(std::int64_t earned, std::int64_t amount_cents,
                                           std::int64_t refunded_cents, bool fully_taken_back);

// A member's reward tier: which tier (index into RewardTierRules::tiers) and until which day
// it is held regardless of the measure.
struct TierState {
  std::size_t tier = 0;
  std::optional<std::chrono::sys_days> held_until;
};

// The tier whose threshold `measure` (earned in the qualifying period) reaches.
[[nodiscard]] std::size_t qualified_tier(const RewardTierRules& rules, std::int64_t measure);

// The tier after looking again on `today`: qualifying for the current tier or a higher one
// moves there and holds it for grace_days from today; qualifying only for a lower one moves
// down once the hold has passed (so a customer does not bounce between tiers).
[[nodiscard]] TierState next_tier_state(const RewardTierRules& rules, const TierState& current,
                                        std::int64_t measure, std::chrono::sys_days today);

}  // namespace rapport::rewards
