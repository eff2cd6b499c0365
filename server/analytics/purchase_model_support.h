// server/analytics/purchase_model_support.h
//
// What the purchase models (BG/NBD, MBG/NBD, Pareto/NBD) share: identical histories grouped,
// small log-space helpers, and the maximum-likelihood driver over log-parameters. Internal to
// rapport_analytics: callers use the model headers.

#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "server/analytics/optimizer.h"
#include "server/analytics/summary.h"
#include "shared/util/result.h"

namespace rapport::analytics::detail {

// A customer history with the number of customers who share it.
struct Group {
  double x;
  double t_x;
  double age;
  double weight;
};

// Unique (x, t_x, T) rows, sorted by x (then t_x, T), each weighted by its count.
[[nodiscard]] std::vector<Group> group(const std::vector<CustomerSummary>& customers);

[[nodiscard]] double log_beta(double p, double q);

// log(e^u + e^v) without overflow; either may be -infinity.
[[nodiscard]] double log_sum_exp(double u, double v);

// log(e^u - e^v) for u >= v without overflow; -infinity when u == v.
[[nodiscard]] double log_diff_exp(double u, double v);

// Maximises `log_likelihood` (a function of the log-parameters) by Nelder–Mead from `start`.
// Log-parameters beyond +-kMaxLogParam are refused, as are points where the likelihood is
// not finite. Errors: kFitFailed (start not finite, or no convergence).
[[nodiscard]] Result<Minimum> maximize_over_log_params(
    const std::function<double(std::span<const double>)>& log_likelihood,
    std::vector<double> start);

// Parameters outside exp(+-kMaxLogParam) are refused: they only arise when the optimiser
// wanders off, and they make lgamma lose all precision.
inline constexpr double kMaxLogParam = 30;

// The mean of T over `customers` (at least 1e-6): the starting value for the rate
// parameters, so that a fit's start does not depend on the time unit. Requires non-empty.
// Expected purchases in (T, T+t] of a customer known to be alive, for the beta-geometric
// dropout models: BG/NBD passes b_eff = b, MBG/NBD b_eff = b + 1 (its dropout at time 0
// adds one failure to the Beta posterior). The formula
//   (a+b_eff+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
//                              * 2F1(r+x, b_eff+x; a+b_eff+x-1; t/(alpha+T+t))]
// with the power and 2F1 in log space; NaN when the series does not converge.
[[nodiscard]] double beta_geometric_expected_if_alive(double r, double alpha, double a,
                                                      double b_eff, const CustomerSummary& c,
                                                      double t);

[[nodiscard]] double mean_age(const std::vector<CustomerSummary>& customers);

}  // namespace rapport::analytics::detail
