// server/analytics/pareto_nbd.h
//
// The Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987, "Counting Your
// Customers"; expressions as in Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD Model
// and Related Expressions"): fit, probability alive and expected purchases in a horizon, each
// conditional on a customer's (x, t_x, T). Formulas: docs/value-models.md.

#pragma once

#include <cstddef>
#include <vector>

#include "server/analytics/summary.h"
#include "shared/util/result.h"

namespace rapport::analytics {

// While active, purchase rate lambda ~ Gamma(shape r, rate alpha); lifetime exponential with
// dropout rate mu ~ Gamma(shape s, rate beta). All four are > 0; alpha and beta are in the
// summary's time unit.
struct ParetoNbdParams {
  double r = 1;
  double alpha = 1;
  double s = 1;
  double beta = 1;
};

struct ParetoNbdFit {
  ParetoNbdParams params;
  double log_likelihood = 0;  // summed over customers (not averaged)
  std::size_t customers = 0;
  int evaluations = 0;  // likelihood evaluations the optimiser used
};

// Log-likelihood of `customers` under `params` (identical histories are grouped). NaN if a
// hypergeometric series does not converge (max(alpha, beta) / min(alpha, beta) in the
// millions); the cost of each row grows with that ratio.
[[nodiscard]] double pareto_nbd_log_likelihood(const ParetoNbdParams& params,
                                               const std::vector<CustomerSummary>& customers);

// Maximum-likelihood estimate by BFGS on log(r, alpha, s, beta) with a central-difference
// gradient (Nelder–Mead as the fallback); `evaluations` counts every likelihood evaluation,
// the differences' included. Points where alpha
// and beta differ by more than a factor kParetoNbdMaxRateRatio are refused (the series would
// need more than that many terms per customer; such fits are degenerate).
// Errors: kTooFewCustomers (none), kFitFailed (no finite optimum, or no convergence).
[[nodiscard]] Result<ParetoNbdFit> fit_pareto_nbd(const std::vector<CustomerSummary>& customers);

inline constexpr double kParetoNbdMaxRateRatio = 1e4;

// P(still active | x, t_x, T). NaN where the log-likelihood is.
[[nodiscard]] double pareto_nbd_p_alive(const ParetoNbdParams& params,
                                        const CustomerSummary& customer);

// E[purchases in (T, T + horizon] | x, t_x, T]. Requires horizon >= 0 (s = 1 is fine: the
// limit is used).
[[nodiscard]] double pareto_nbd_expected_purchases(const ParetoNbdParams& params,
                                                   const CustomerSummary& customer, double horizon);

// The same given alive: pareto_nbd_expected_purchases = p_alive * this. Depends on x and T
// only, not on t_x.
[[nodiscard]] double pareto_nbd_expected_if_alive(const ParetoNbdParams& params, double frequency,
                                                  double age, double horizon);

}  // namespace rapport::analytics
