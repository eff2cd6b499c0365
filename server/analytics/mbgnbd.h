// server/analytics/mbgnbd.h
//
// The MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007, "Empirical validation and
// comparison of models for customer base analysis"): BG/NBD in which a customer may also drop
// out right after the first purchase, so a customer without repeat purchases is not surely
// alive. Fit, probability alive and expected purchases in a horizon, each conditional on a
// customer's (x, t_x, T). Formulas: docs/value-models.md.

#pragma once

#include <cstddef>
#include <vector>

#include "server/analytics/bgnbd.h"  // AliveAndPurchases
#include "server/analytics/summary.h"
#include "shared/util/result.h"

namespace rapport::analytics {

// Purchase rates lambda ~ Gamma(shape r, rate alpha); dropout after each purchase, the first
// included, with probability p ~ Beta(a, b). All four are > 0; alpha is in the summary's
// time unit.
struct MbgNbdParams {
  double r = 1;
  double alpha = 1;
  double a = 1;
  double b = 1;
};

struct MbgNbdFit {
  MbgNbdParams params;
  double log_likelihood = 0;  // summed over customers (not averaged)
  std::size_t customers = 0;
  int evaluations = 0;  // likelihood evaluations the optimiser used
};

// Log-likelihood of `customers` under `params` (identical histories are grouped).
[[nodiscard]] double mbgnbd_log_likelihood(const MbgNbdParams& params,
                                           const std::vector<CustomerSummary>& customers);

// Maximum-likelihood estimate by BFGS with the analytic gradient on log(r, alpha, a, b)
// (Nelder–Mead as the fallback).
// Errors: kTooFewCustomers (none), kFitFailed (no finite optimum, or no convergence).
[[nodiscard]] Result<MbgNbdFit> fit_mbgnbd(const std::vector<CustomerSummary>& customers);

// P(still active | x, t_x, T); below 1 also for a customer without repeat purchases.
[[nodiscard]] double mbgnbd_p_alive(const MbgNbdParams& params, const CustomerSummary& customer);

// E[purchases in (T, T + horizon] | x, t_x, T]. Requires horizon >= 0; any a > 0 (a = 1
// included). NaN only if a series does not converge (a within 1e-3 of 1 and a horizon
// millions of times longer than alpha + T).
[[nodiscard]] double mbgnbd_expected_purchases(const MbgNbdParams& params,
                                               const CustomerSummary& customer, double horizon);

// mbgnbd_p_alive and mbgnbd_expected_purchases for every customer, in order, bit for bit the
// same numbers (see bgnbd_forecast). Requires horizon >= 0.
[[nodiscard]] std::vector<AliveAndPurchases> mbgnbd_forecast(
    const MbgNbdParams& params, const std::vector<CustomerSummary>& customers, double horizon);

}  // namespace rapport::analytics
