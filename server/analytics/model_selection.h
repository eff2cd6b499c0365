// server/analytics/model_selection.h
//
// Which purchase model fits a customer base best: BG/NBD, MBG/NBD and Pareto/NBD fitted to the
// same summary and ranked by log-likelihood, or by hold-out error when the customers' later
// purchases are known (docs/value-models.md, "Choosing a model").

#pragma once

#include <optional>
#include <vector>

#include "server/analytics/holdout.h"
#include "server/analytics/progress.h"
#include "server/analytics/purchase_model.h"
#include "server/analytics/summary.h"
#include "shared/util/result.h"

namespace rapport::analytics {

// One candidate: its fit (or why it failed) and, with a hold-out, its forecast quality.
struct ModelCandidate {
  PurchaseModelKind kind = PurchaseModelKind::kBgNbd;
  std::optional<PurchaseModelFit> fit;       // nullopt: the fit failed with `error`
  ErrorCode error;                           // set when fit is nullopt
  std::optional<HoldoutComparison> holdout;  // with a hold-out and a fit
};

enum class SelectionCriterion {
  kLogLikelihood,  // no hold-out: highest log-likelihood (all three have four parameters, so
                   // AIC and BIC would rank them the same)
  kHoldoutRmse,    // hold-out given: lowest per-customer RMSE of hold-out purchases
};

struct ModelComparison {
  std::vector<ModelCandidate> candidates;  // best first; failed fits last
  SelectionCriterion criterion = SelectionCriterion::kLogLikelihood;

  // The best model: candidates.front(), whose fit is always set.
  [[nodiscard]] const ModelCandidate& chosen() const { return candidates.front(); }
};

// Fits every purchase model to `customers` and ranks them (ties keep the order BG/NBD,
// MBG/NBD, Pareto/NBD). `holdout`, when given, must be aligned with `customers`
// (align_holdout). Errors: the first model's error when no model could be fitted.
[[nodiscard]] Result<ModelComparison> compare_purchase_models(
    const std::vector<CustomerSummary>& customers,
    const std::vector<HoldoutCustomer>* holdout = nullptr, const ProgressCallback& progress = {});

}  // namespace rapport::analytics
