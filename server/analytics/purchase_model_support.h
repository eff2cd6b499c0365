// server/analytics/purchase_model_support.h
//
// What the purchase models (BG/NBD, MBG/NBD, Pareto/NBD) share: identical histories grouped,
// small log-space helpers, the beta-geometric likelihood with its gradient, and the
// maximum-likelihood drivers over log-parameters. Internal to rapport_analytics: callers use
// the model headers.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "server/analytics/bgnbd.h"
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

// Unique (x, t_x, T) rows, sorted by x (then t_x, T), each weighted by its count. Values are
// compared exactly (0 and -0 alike): nothing is rounded or binned.
[[nodiscard]] std::vector<Group> group(const std::vector<CustomerSummary>& customers);

// The grouped histories with what a likelihood evaluation can share between them: the
// distinct x and T values, and for each group the index of its x and of its T, so that terms
// depending on x alone or on T alone are computed once per distinct value and evaluation.
// Groups are in order of first appearance (found by hashing, not sorting).
struct Histories {
  std::vector<Group> groups;
  std::vector<double> xs;                // distinct x
  std::vector<double> x_weights;         // customers with each x
  std::vector<std::uint32_t> x_index;    // per group: index into xs
  std::vector<double> ages;              // distinct T
  std::vector<std::uint32_t> age_index;  // per group: index into ages
};

[[nodiscard]] Histories prepare_histories(const std::vector<CustomerSummary>& customers);

[[nodiscard]] double log_beta(double p, double q);

// log(e^u + e^v) without overflow; either may be -infinity.
[[nodiscard]] double log_sum_exp(double u, double v);

// log(e^u - e^v) for u >= v without overflow; -infinity when u == v.
[[nodiscard]] double log_diff_exp(double u, double v);

// The log-likelihood shared by BG/NBD (modified = false) and MBG/NBD (modified = true),
// summed over `h`:
//   L = B(a, b+x+k)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r)
//       * [ (alpha+T)^-(r+x) + [x+k > 0] a/(b+x+k-1) (alpha+t_x)^-(r+x) ],
// k = 1 for MBG/NBD, 0 for BG/NBD. If `gradient` is not empty (size 4) it receives the
// partial derivatives with respect to log r, log alpha, log a, log b. Large inputs are
// split over two threads; the result does not depend on the machine's core count.
[[nodiscard]] double beta_geometric_log_likelihood(double r, double alpha, double a, double b,
                                                   bool modified, const Histories& h,
                                                   std::span<double> gradient);

// Maximises `log_likelihood` (a function of the log-parameters) by Nelder–Mead from `start`.
// Log-parameters beyond +-kMaxLogParam are refused, as are points where the likelihood is
// not finite. Errors: kFitFailed (start not finite, or no convergence).
[[nodiscard]] Result<Minimum> maximize_over_log_params(
    const std::function<double(std::span<const double>)>& log_likelihood,
    std::vector<double> start);

// The same for a log-likelihood with its gradient (the GradientObjective convention, for the
// log-likelihood rather than its negative): BFGS, then Nelder–Mead from BFGS's best point if
// BFGS did not converge. Minimum::value is the negated log-likelihood, as above.
[[nodiscard]] Result<Minimum> maximize_over_log_params_with_gradient(
    const GradientObjective& log_likelihood, std::vector<double> start,
    const QuasiNewtonOptions& options = {});

// Central differences of f at `point` (where f is `value`) into `gradient`, with steps of
// 1e-5 (the log-parameters' relative scale): about 1e-10 |f| accurate. One-sided where a
// neighbour is refused; NaN where both are.
void central_differences(const std::function<double(std::span<const double>)>& f,
                         std::span<const double> point, double value, std::span<double> gradient);

// Parameters outside exp(+-kMaxLogParam) are refused: they only arise when the optimiser
// wanders off, and they make lgamma lose all precision.
inline constexpr double kMaxLogParam = 30;

// Expected purchases in (T, T+t] of a customer known to be alive, for the beta-geometric
// dropout models: BG/NBD passes b_eff = b, MBG/NBD b_eff = b + 1 (its dropout at time 0
// adds one failure to the Beta posterior). The closed form
//   (c)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b_eff+x; c; z)],
//   c = a+b_eff+x-1,  z = t/(alpha+T+t),
// is evaluated after Euler's transformation as
//   c * [ -expm1((a-1) L)/(a-1) - e^((a-1) L) * S ],   L = log(1 - z),
//   S = sum_{k>=1} (a+b_eff-1-r)_k (a)_(k-1) / ((c)_k k!) z^k,
// which has no 0/0 at a = 1 and whose term count does not grow with x; for z > 0.95 (horizon
// beyond 19 (alpha+T)) and a not within 1e-3 of 1 the closed form with log_hyp2f1 (which
// transforms z -> 1-z) is used instead. Depends on x and T only, not on t_x. NaN when a
// series does not converge.
[[nodiscard]] double beta_geometric_expected_if_alive(double r, double alpha, double a,
                                                      double b_eff, double x, double age, double t);
[[nodiscard]] double beta_geometric_expected_if_alive(double r, double alpha, double a,
                                                      double b_eff, const CustomerSummary& c,
                                                      double t);

// P(alive | x, t_x, T) for BG/NBD (modified = false; 1 when x = 0) and MBG/NBD:
//   1 / (1 + a/(b+x+k-1) * ((alpha+T)/(alpha+t_x))^(r+x)),  k = 1 for MBG/NBD.
[[nodiscard]] double beta_geometric_p_alive(double r, double alpha, double a, double b,
                                            bool modified, const CustomerSummary& c);

// P(alive) and expected purchases in (T, T+horizon] for every customer, in order: exactly the
// numbers of beta_geometric_p_alive and p_alive * beta_geometric_expected_if_alive(b_eff =
// b + k), with the expectation's series computed once per distinct (x, T) (a small cache)
// and large inputs split over two threads.
[[nodiscard]] std::vector<AliveAndPurchases> beta_geometric_forecast(
    double r, double alpha, double a, double b, bool modified,
    const std::vector<CustomerSummary>& customers, double horizon);

// Maximum-likelihood fit of the beta-geometric models (BFGS with the analytic gradient, from
// r = a = b = 1 and alpha = mean T). With more than `warm_start_above` customers it first
// fits a systematic subsample of about kWarmStartSample customers and starts the full fit
// from that optimum and its inverse Hessian (scaled to the full size): the full likelihood
// is then evaluated a handful of times instead of some 25. The estimate is the full data's
// optimum either way; only the path to it differs.
[[nodiscard]] Result<Minimum> fit_beta_geometric(const std::vector<CustomerSummary>& customers,
                                                 bool modified,
                                                 std::size_t warm_start_above = 200'000);

inline constexpr std::size_t kWarmStartSample = 40'000;

// The mean of T over `customers` (at least 1e-6): the starting value for the rate
// parameters, so that a fit's start does not depend on the time unit. Requires non-empty.
[[nodiscard]] double mean_age(const std::vector<CustomerSummary>& customers);

}  // namespace rapport::analytics::detail
