// server/rewards/earning.cpp
#include "server/rewards/earning.h"

#include <cmath>

namespace rapport::rewards {

std::int64_t purchase_points(const EarningRules& rules, const protocol::PurchasePayload& sale,
                             double tier_multiplier) {
  double weighted_cents = 0;
  for (const auto& line : sale.lines) {
    double factor = 1;
    if (const auto c = rules.category_multipliers.find(line.category);
        c != rules.category_multipliers.end()) {
      factor *= c->second;
    }
    if (const auto p = rules.product_multipliers.find(line.product);
        p != rules.product_multipliers.end()) {
      factor *= p->second;
    }
    weighted_cents += static_cast<double>(line.amount_cents) * factor;
  }
  const double points = weighted_cents * rules.points_per_unit * tier_multiplier / 100.0;
  // A hair above: 2.9999999 from 0.1-style multipliers is 3 points, as the rules mean.
  const double rounded = std::floor(points + 1e-6);
  return rounded > 0 ? static_cast<std::int64_t>(rounded) : 0;
}

std::int64_t reversed_points(std::int64_t earned, std::int64_t amount_cents,
                             std::int64_t refunded_cents, bool fully_taken_back) {
  if (earned <= 0) return 0;
  if (fully_taken_back || refunded_cents >= amount_cents) return earned;
  if (amount_cents <= 0 || refunded_cents <= 0) return 0;
  std::int64_t product = 0;
  if (!__builtin_mul_overflow(earned, refunded_cents, &product)) return product / amount_cents;
  // Beyond 9e18 (a billion points on a billion-unit sale): near enough, and still below earned.
  const long double share = static_cast<long double>(refunded_cents) / amount_cents;
  return static_cast<std::int64_t>(std::floor(static_cast<long double>(earned) * share));
}

std::size_t qualified_tier(const RewardTierRules& rules, std::int64_t measure) {
  std::size_t tier = 0;
  for (std::size_t i = 0; i < rules.tiers.size(); ++i) {
    if (measure >= rules.tiers[i].threshold) tier = i;
  }
  return tier;
}

TierState next_tier_state(const RewardTierRules& rules, const TierState& current,
                          std::int64_t measure, std::chrono::sys_days today) {
  const std::size_t qualified = qualified_tier(rules, measure);
  const auto hold = today + std::chrono::days(rules.grace_days);
  if (qualified >= current.tier) return {qualified, hold};
  if (current.held_until && today <= *current.held_until) return current;
  return {qualified, hold};
}

}  // namespace rapport::rewards
