// server/analytics/model_selection.cpp
#include "server/analytics/model_selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace rapport::analytics {

Result<ModelComparison> compare_purchase_models(const std::vector<CustomerSummary>& customers,
                                                const std::vector<HoldoutCustomer>* holdout,
                                                const ProgressCallback& progress) {
  ModelComparison out;
  out.criterion = holdout ? SelectionCriterion::kHoldoutRmse : SelectionCriterion::kLogLikelihood;
  for (const auto kind : kPurchaseModelKinds) {
    report_stage(progress, "fitting " + std::string(model_title(kind)));
    ModelCandidate candidate;
    candidate.kind = kind;
    auto fit = fit_purchase_model(kind, customers);
    if (fit) {
      if (holdout) {
        candidate.holdout =
            compare_holdout(fit->model, customers, *holdout, kHoldoutLastBucket, progress);
      }
      candidate.fit = std::move(*fit);
    } else {
      candidate.error = fit.error();
    }
    out.candidates.push_back(std::move(candidate));
  }
  const auto first_error = out.candidates.front().error;

  // Lower is better: failed fits last, then by the criterion; stable keeps the kinds' order.
  auto score = [&out](const ModelCandidate& c) {
    if (!c.fit) return std::numeric_limits<double>::infinity();
    const double s = out.criterion == SelectionCriterion::kHoldoutRmse ? c.holdout->rmse
                                                                       : -c.fit->log_likelihood;
    return std::isnan(s) ? std::numeric_limits<double>::max() : s;
  };
  std::stable_sort(
      out.candidates.begin(), out.candidates.end(),
      [&](const ModelCandidate& a, const ModelCandidate& b) { return score(a) < score(b); });
  if (!out.candidates.front().fit) return first_error;
  return out;
}

}  // namespace rapport::analytics
