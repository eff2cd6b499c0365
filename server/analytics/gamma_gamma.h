// server/analytics/gamma_gamma.h
//
// The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value
// Curves"; Colombo & Jiang 1999): a customer's mean spend per purchase, conditional on the
// mean of their repeat purchases. Formulas: docs/value-models.md.

#pragma once

#include <cstddef>
#include <vector>

#include "server/analytics/summary.h"
#include "shared/util/result.h"

namespace rapport::analytics {

// Each purchase's amount ~ Gamma(shape p, rate nu); nu ~ Gamma(shape q, rate v) across
// customers. All three are > 0; v is in currency units.
struct GammaGammaParams {
  double p = 1;
  double q = 1;
  double v = 1;
};

struct GammaGammaFit {
  GammaGammaParams params;
  double log_likelihood = 0;  // summed over the repeat buyers (not averaged)
  std::size_t customers = 0;  // the repeat buyers the fit used
  int evaluations = 0;
};

// Maximum-likelihood estimate on the customers with frequency > 0 (the others carry no spend
// information), by BFGS with the analytic gradient on log(p, q, v) (Nelder–Mead as the
// fallback). Errors: kBadSpend (a repeat buyer with
// monetary_value <= 0), kTooFewCustomers (fewer than 2 repeat buyers), kFitFailed.
[[nodiscard]] Result<GammaGammaFit> fit_gamma_gamma(const std::vector<CustomerSummary>& customers);

// E[mean spend | x, zbar] = p (v + x zbar) / (p x + q - 1); for x = 0 the population mean
// p v / (q - 1). Requires q > 1 (otherwise the mean is infinite: returns +infinity).
[[nodiscard]] double gamma_gamma_expected_spend(const GammaGammaParams& params,
                                                const CustomerSummary& customer);

}  // namespace rapport::analytics
