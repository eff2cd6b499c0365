// server/analytics/scoring.h
//
// Every customer's forecast from a fitted purchase model (and spend model): probability
// alive, expected purchases over a horizon, expected spend and lifetime value. What
// `rapportctl value predict` prints and the report charts (docs/value-models.md).

#pragma once

#include <optional>
#include <vector>

#include "server/analytics/clv.h"
#include "server/analytics/gamma_gamma.h"
#include "server/analytics/progress.h"
#include "server/analytics/purchase_model.h"
#include "server/analytics/summary.h"

namespace rapport::analytics {

struct CustomerScore {
  double p_alive = 0;
  double expected_purchases = 0;  // in (T, T + options.horizon]
  double expected_spend = 0;      // gamma_gamma_expected_spend(); NaN without a spend model
  double clv = 0;                 // customer_lifetime_value(); NaN without a spend model
};

// One score per customer, in order. Customers with identical (x, T) share one purchase
// forecast given alive (computed once; PurchaseModel::expected_purchases_if_alive), which
// their own probability alive scales, so a million members cost a few tens of thousands of
// forecasts, not a million. The lifetime value is customer_lifetime_value() with the model's
// E[Y(t)] and `spend`'s expected spend. Reports progress as "scoring customers".
//
// `threads` > 1 scores contiguous slices of `customers` at once (the calling thread takes
// the first slice and reports progress for it; at least kMinScoreSlice customers a slice,
// so small inputs stay on one thread). Every score depends on its own customer only, so
// the result is exactly, bit for bit, the one-thread result. 0: hardware_concurrency().
inline constexpr std::size_t kMinScoreSlice = 4'096;
[[nodiscard]] std::vector<CustomerScore> score_customers(
    const PurchaseModel& model, const std::optional<GammaGammaParams>& spend,
    const std::vector<CustomerSummary>& customers, const ClvOptions& options,
    const ProgressCallback& progress = {}, std::size_t threads = 1);

}  // namespace rapport::analytics
