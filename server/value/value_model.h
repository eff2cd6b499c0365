// server/value/value_model.h
//
// Customer value as the business runs on it (docs/value-engine.md): from each member's
// purchase totals to a value snapshot — historic value, forecast (expected visits and spend,
// probability alive, lifetime value), non-monetary value (referrals, advocacy), total value —
// and from the snapshots to value tiers (MVC / MGC / LMC / BZ), RFM segments, visit rhythm
// and the at-risk flag. Pure computation: no database, no clock.

#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/analytics/gamma_gamma.h"
#include "server/analytics/purchase_model.h"
#include "shared/util/result.h"

namespace rapport::value {

// [value] in server.toml; every threshold is documented in docs/value-engine.md.
struct ValueConfig {
  // nullopt: fit every purchase model and keep the best (highest log-likelihood).
  std::optional<analytics::PurchaseModelKind> model = analytics::PurchaseModelKind::kBgNbd;
  double horizon_weeks = 52;
  double annual_discount_rate = 0.10;
  double margin_share = 1.0;  // share of revenue that is value, for purchases without margins
  double referral_share = 0.10;              // of the referred members' lifetime value
  std::int64_t advocacy_note_cents = 2'000;  // each "would recommend" / testimonial noted
  std::int64_t feedback_note_cents = 500;    // each piece of useful feedback noted
  std::int64_t cost_per_visit_cents = 0;     // serving cost; makes BZ possible
  // The models are fitted on a systematic sample of at most this many buyers (every k-th by
  // member id); every member is scored. 0: fit on all (docs/value-engine.md, "Speed").
  std::size_t fit_sample = 100'000;
  // Threads scoring the members (slices of them; the result is the same with any number).
  // 0: std::thread::hardware_concurrency() (docs/value-engine.md, "Speed").
  std::size_t score_threads = 0;
  double mvc_share = 0.05;           // the top 5 % by total value are MVC
  double mgc_forecast_share = 0.30;  // MGC: lifetime value in the top 30 % ...
  double mgc_growth_ratio = 2.0;     // ... and at least twice the historic value
  double at_risk_p_alive = 0.5;      // a valuable member below this probability alive ...
  double rhythm_break_factor = 2.5;  // ... or gone this many typical gaps: at risk
};

enum class ValueTier { kMvc = 1, kMgc, kLmc, kBz };
[[nodiscard]] std::string_view to_string(ValueTier tier);
[[nodiscard]] std::optional<ValueTier> value_tier_from_string(std::string_view text);

// One member's inputs, as the store keeps them (one row per member).
struct MemberValueInput {
  std::int64_t member_id = 0;
  std::int64_t purchase_days = 0;  // distinct days with a purchase
  std::optional<std::chrono::sys_days> first_purchase;
  std::optional<std::chrono::sys_days> last_purchase;
  std::int64_t revenue_cents = 0;  // net of refunds
  std::optional<std::int64_t> margin_cents;  // when the POS sent margins
  std::int64_t visits = 0;
  std::optional<std::int64_t> referred_by;  // the member who brought this one in
  std::int64_t advocacy_notes = 0;
  std::int64_t feedback_notes = 0;
  // The member's three largest categories by spend, "category:cents,..." (largest first).
  std::string top_categories;
  // Read with the rest so the save can sum customer equity per store without a second pass
  // over a million member rows.
  std::string home_store;
};

struct ValueSnapshot {
  std::int64_t member_id = 0;
  std::int64_t historic_value_cents = 0;  // margin (or revenue x margin_share) so far
  std::int64_t historic_revenue_cents = 0;
  double expected_visits = 0;             // purchase days over the horizon
  std::int64_t expected_spend_cents = 0;  // revenue over the horizon, undiscounted
  double p_alive = 0;
  std::int64_t lifetime_value_cents = 0;  // discounted value of the forecast
  std::int64_t referral_value_cents = 0;
  std::int64_t advocacy_value_cents = 0;
  std::int64_t total_value_cents = 0;  // historic + lifetime + referral + advocacy - costs
  ValueTier tier = ValueTier::kLmc;
  std::string rfm;      // "R4F2M5": quintiles, 5 best; "" without purchases
  std::string segment;  // champions, loyal, promising, new, needs attention, at risk, lost
  std::optional<double> rhythm_days;  // typical days between purchase days
  bool at_risk = false;
  std::string top_categories;  // as MemberValueInput's, carried over
  std::string home_store;      // as MemberValueInput's, carried over
  // What the purchase model saw (x, t_x, T in weeks as of the refresh); buyers only. Kept
  // with the forecast so it can later be compared with what the member did.
  std::optional<analytics::CustomerSummary> history;
};

struct ValueFitInfo {
  analytics::PurchaseModelKind model = analytics::PurchaseModelKind::kBgNbd;
  std::vector<analytics::NamedParam> params;
  double log_likelihood = 0;
  std::size_t customers = 0;                  // members with a purchase
  std::optional<analytics::GammaGammaParams> spend;  // nullopt: too few repeat buyers
};

// Where a full refresh drew its lines, kept with its fit so that an incremental refresh
// places a few members on the same scales without reading everyone (docs/value-engine.md,
// "Incremental refresh"). Quintile edges: the least good value that still scores k + 2
// (k = 0..3); +inf (or the latest day) when no member reached that score.
struct ValueScales {
  std::optional<std::int64_t> mvc_floor_cents;  // the smallest MVC total value; none: no MVC
  std::int64_t mgc_floor_cents = 0;             // MGC's lifetime value floor
  double mean_spend = 0;  // chain's spend per purchase day (currency units), no spend model
  std::array<std::chrono::sys_days, 4> recency_edges{};  // last purchase on or after
  std::array<double, 4> frequency_edges{};               // purchase days at least
  std::array<double, 4> monetary_edges{};                // revenue (cents) at least
};
[[nodiscard]] std::string to_string(const ValueScales& scales);
[[nodiscard]] std::optional<ValueScales> value_scales_from_string(std::string_view text);

struct ValueRefresh {
  std::optional<ValueFitInfo> fit;     // nullopt: no member has purchased yet
  std::optional<ValueScales> scales;   // with a fit
  std::vector<ValueSnapshot> snapshots;  // one per input, same order
};

// Fits the configured purchase model (and Gamma-Gamma for spend) to the members with a
// purchase, as of `as_of`, and values every member. Members without purchases get zero
// forecast and tier LMC (BZ when their costs exceed their value). Errors: the model's fit
// errors when there are purchases but no model fits them.
[[nodiscard]] Result<ValueRefresh> compute_values(const std::vector<MemberValueInput>& members,
                                                  std::chrono::sys_days as_of,
                                                  const ValueConfig& config);

// A few members valued with an earlier full refresh's fit and scales (no new fit, no
// quintiles drawn again): what an incremental refresh does for the members that changed.
// `referees` are the lifetime values (cents) of members outside `members` who were referred
// by one inside (referrer id, lifetime value), for the referral value.
// Requires: fit.model can score (as saved by a full refresh).
[[nodiscard]] ValueRefresh value_some(const std::vector<MemberValueInput>& members,
                                      std::chrono::sys_days as_of, const ValueConfig& config,
                                      const ValueFitInfo& fit, const ValueScales& scales,
                                      const std::vector<std::pair<std::int64_t, std::int64_t>>& referees);

// The purchase model a fit describes (its parameters by name).
[[nodiscard]] std::optional<analytics::PurchaseModel> model_of(const ValueFitInfo& fit);

}  // namespace rapport::value
