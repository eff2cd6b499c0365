// server/analytics/pareto_nbd.cpp
//
// Pareto/NBD likelihood in log space: lgamma, the hypergeometric terms as logs (log_hyp2f1,
// with the argument kept in [0, 1) by the larger of alpha and beta), their difference by a
// log-diff-exp and the two-term bracket by a log-sum-exp. The fit runs over unique
// (x, t_x, T) rows weighted by their count.

#include "server/analytics/pareto_nbd.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <span>

#include "server/analytics/hypergeometric.h"
#include "server/analytics/purchase_model_support.h"

namespace rapport::analytics {
namespace {

using detail::Group;
using detail::log_diff_exp;
using detail::log_sum_exp;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// log A_0 of Fader & Hardie (2005), eq. (19)-(20): with m = max(alpha, beta),
//   A_0 = 2F1(r+s+x, k; r+s+x+1; |alpha-beta|/(m+t_x)) / (m+t_x)^(r+s+x)
//       - 2F1(r+s+x, k; r+s+x+1; |alpha-beta|/(m+T))   / (m+T)^(r+s+x),
// k = s+1 when alpha >= beta, r+x otherwise. -infinity when t_x = T; NaN if a series fails.
double log_a0(const ParetoNbdParams& p, double x, double t_x, double age) {
  const double n = p.r + p.s + x;
  const double k = p.alpha >= p.beta ? p.s + 1 : p.r + x;
  const double m = std::max(p.alpha, p.beta);
  const double gap = std::abs(p.alpha - p.beta);
  auto term = [&](double t) {
    const LogValue h = log_hyp2f1(n, k, n + 1, gap / (m + t));
    // All parameters are positive, so the series is positive: sign is 1.
    return h.log_abs - n * std::log(m + t);
  };
  const double at_t_x = term(t_x);
  const double at_age = term(age);
  if (std::isnan(at_t_x) || std::isnan(at_age)) return kNaN;
  // A_0 > 0 for t_x < T; rounding may make the two terms cross when t_x is about T.
  if (at_age >= at_t_x) return kMinusInf;
  return log_diff_exp(at_t_x, at_age);
}

// log of the bracket's second term relative to the first, i.e. the log-odds of having
// dropped out: log( s/(r+s+x) * (alpha+T)^(r+x) (beta+T)^s * A_0 ).
double log_dropout_odds(const ParetoNbdParams& p, double x, double t_x, double age) {
  return std::log(p.s) - std::log(p.r + p.s + x) + (p.r + x) * std::log(p.alpha + age) +
         p.s * std::log(p.beta + age) + log_a0(p, x, t_x, age);
}

// Sum over groups of weight * log L(r, alpha, s, beta | x, t_x, T), with
//   L = Gamma(r+x) alpha^r beta^s / Gamma(r)
//       * [ (alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) A_0 ].
double log_likelihood(const ParetoNbdParams& p, std::span<const Group> groups) {
  const double common = -std::lgamma(p.r) + p.r * std::log(p.alpha) + p.s * std::log(p.beta);
  double total = 0;
  double x_terms = 0;  // lgamma(r + x), recomputed when x changes
  double last_x = -1;
  for (const auto& g : groups) {
    if (g.x != last_x) {
      x_terms = std::lgamma(p.r + g.x);
      last_x = g.x;
    }
    const double alive = -(p.r + g.x) * std::log(p.alpha + g.age) - p.s * std::log(p.beta + g.age);
    const double odds = log_dropout_odds(p, g.x, g.t_x, g.age);
    if (std::isnan(odds)) return kNaN;
    total += g.weight * (common + x_terms + log_sum_exp(alive, alive + odds));
  }
  return total;
}

ParetoNbdParams from_log(std::span<const double> v) {
  return {std::exp(v[0]), std::exp(v[1]), std::exp(v[2]), std::exp(v[3])};
}

}  // namespace

double pareto_nbd_log_likelihood(const ParetoNbdParams& params,
                                 const std::vector<CustomerSummary>& customers) {
  const auto groups = detail::group(customers);
  return log_likelihood(params, groups);
}

Result<ParetoNbdFit> fit_pareto_nbd(const std::vector<CustomerSummary>& customers) {
  if (customers.empty()) return AnalyticsErrc::kTooFewCustomers;
  const auto groups = detail::group(customers);
  const double max_log_ratio = std::log(kParetoNbdMaxRateRatio);
  // Start at r = s = 1 and alpha = beta = the mean age (there the series are trivial), so the
  // start does not depend on the time unit.
  const double start_rate = std::log(detail::mean_age(customers));
  int evaluations = 0;  // of the likelihood, differences included
  const std::function<double(std::span<const double>)> ll = [&](std::span<const double> v) {
    ++evaluations;
    if (!(std::abs(v[1] - v[3]) <= max_log_ratio)) return kNaN;
    return log_likelihood(from_log(v), groups);
  };
  // No analytic gradient (it would need 2F1's derivatives in its parameters): BFGS on central
  // differences, about 4 times fewer likelihood evaluations than Nelder–Mead.
  const auto m = detail::maximize_over_log_params_with_gradient(
      [&ll](std::span<const double> v, std::span<double> gradient) {
        const double value = ll(v);
        if (!gradient.empty() && std::isfinite(value)) {
          detail::central_differences(ll, v, value, gradient);
        }
        return value;
      },
      {0.0, start_rate, 0.0, start_rate});
  if (!m) return m.error();
  return ParetoNbdFit{from_log(m->point), -m->value, customers.size(), evaluations};
}

double pareto_nbd_p_alive(const ParetoNbdParams& p, const CustomerSummary& c) {
  const double odds = log_dropout_odds(p, c.frequency, c.recency, c.age);
  if (std::isnan(odds)) return kNaN;
  return 1.0 / (1.0 + std::exp(odds));
}

double pareto_nbd_expected_purchases(const ParetoNbdParams& p, const CustomerSummary& c,
                                     double horizon) {
  if (horizon <= 0) return 0.0;
  return pareto_nbd_p_alive(p, c) * pareto_nbd_expected_if_alive(p, c.frequency, c.age, horizon);
}

double pareto_nbd_expected_if_alive(const ParetoNbdParams& p, double frequency, double age,
                                    double horizon) {
  if (horizon <= 0) return 0.0;
  // E = P(alive) * (r+x)(beta+T) / ((alpha+T)(s-1)) * [1 - ((beta+T)/(beta+T+t))^(s-1)],
  // with [1 - e^((s-1) L)] / (s-1) -> -L as s -> 1, L = log((beta+T)/(beta+T+t)) < 0.
  const double log_ratio = std::log(p.beta + age) - std::log(p.beta + age + horizon);
  const double u = (p.s - 1) * log_ratio;
  const double lifetime_factor = u == 0 ? -log_ratio : -std::expm1(u) / (p.s - 1);
  return (p.r + frequency) * (p.beta + age) / (p.alpha + age) * lifetime_factor;
}

}  // namespace rapport::analytics
