// server/analytics/bgnbd.h
//
// The BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
// Way"): maximum-likelihood fit, probability alive and expected purchases in a horizon,
// each conditional on a customer's (x, t_x, T). Formulas: docs/value-models.md.

#pragma once

#include <cstddef>
#include <vector>

#include "server/analytics/summary.h"
#include "shared/util/result.h"

namespace rapport::analytics {

// Purchase rates lambda ~ Gamma(shape r, rate alpha); dropout after each purchase with
// probability p ~ Beta(a, b). All four are > 0; alpha is in the summary's time unit.
struct BgNbdParams {
  double r = 1;
  double alpha = 1;
  double a = 1;
  double b = 1;
};

// One customer's forecast: what bgnbd_p_alive / bgnbd_expected_purchases (or the MBG/NBD
// ones) return.
struct AliveAndPurchases {
  double p_alive = 0;
  double expected_purchases = 0;
};

struct BgNbdFit {
  BgNbdParams params;
  double log_likelihood = 0;  // summed over customers (not averaged)
  std::size_t customers = 0;
  int evaluations = 0;  // likelihood evaluations the optimiser used
};

// Log-likelihood of `customers` under `params` (identical histories are grouped).
[[nodiscard]] double bgnbd_log_likelihood(const BgNbdParams& params,
                                          const std::vector<CustomerSummary>& customers);

// Maximum-likelihood estimate by BFGS with the analytic gradient on log(r, alpha, a, b)
// (Nelder–Mead as the fallback).
// Errors: kTooFewCustomers (none), kFitFailed (no finite optimum, or no convergence).
[[nodiscard]] Result<BgNbdFit> fit_bgnbd(const std::vector<CustomerSummary>& customers);

// P(still active | x, t_x, T). 1 for a customer without repeat purchases.
[[nodiscard]] double bgnbd_p_alive(const BgNbdParams& params, const CustomerSummary& customer);

// E[purchases in (T, T + horizon] | x, t_x, T]. Requires horizon >= 0; any a > 0 (a = 1
// included). NaN only if a series does not converge (a within 1e-3 of 1 and a horizon
// millions of times longer than alpha + T).
[[nodiscard]] double bgnbd_expected_purchases(const BgNbdParams& params,
                                              const CustomerSummary& customer, double horizon);

// bgnbd_p_alive and bgnbd_expected_purchases for every customer, in order, bit for bit the
// same numbers; the part of the expectation that depends on (x, T) alone is computed once per
// distinct pair, and a large input is split over two threads. Requires horizon >= 0.
[[nodiscard]] std::vector<AliveAndPurchases> bgnbd_forecast(
    const BgNbdParams& params, const std::vector<CustomerSummary>& customers, double horizon);

}  // namespace rapport::analytics
