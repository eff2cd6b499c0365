// server/analytics/bgnbd.cpp
//
// BG/NBD likelihood in log space (lgamma, a two-term log-sum-exp), the fit over unique
// (x, t_x, T) rows weighted by their count, and the conditional expectations.

#include "server/analytics/bgnbd.h"

#include <cmath>
#include <span>

#include "server/analytics/purchase_model_support.h"

namespace rapport::analytics {
namespace {

using detail::Group;
using detail::log_beta;
using detail::log_sum_exp;

// Sum over groups of weight * log L(r, alpha, a, b | x, t_x, T), with
//   L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r)
//       * [ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ].
double log_likelihood(const BgNbdParams& p, std::span<const Group> groups) {
  const double common = -std::lgamma(p.r) + p.r * std::log(p.alpha) - log_beta(p.a, p.b);
  const double log_a = std::log(p.a);
  double total = 0;
  double x_terms = 0;  // the terms that depend on x alone, recomputed when x changes
  double last_x = -1;
  for (const auto& g : groups) {
    if (g.x != last_x) {
      x_terms = std::lgamma(p.r + g.x) + log_beta(p.a, p.b + g.x);
      last_x = g.x;
    }
    const double n = p.r + g.x;
    double bracket = -n * std::log(p.alpha + g.age);
    if (g.x > 0) {
      const double dropped = log_a - std::log(p.b + g.x - 1) - n * std::log(p.alpha + g.t_x);
      bracket = log_sum_exp(bracket, dropped);
    }
    total += g.weight * (common + x_terms + bracket);
  }
  return total;
}

BgNbdParams from_log(std::span<const double> v) {
  return {std::exp(v[0]), std::exp(v[1]), std::exp(v[2]), std::exp(v[3])};
}

}  // namespace

double bgnbd_log_likelihood(const BgNbdParams& params,
                            const std::vector<CustomerSummary>& customers) {
  const auto groups = detail::group(customers);
  return log_likelihood(params, groups);
}

Result<BgNbdFit> fit_bgnbd(const std::vector<CustomerSummary>& customers) {
  if (customers.empty()) return AnalyticsErrc::kTooFewCustomers;
  const auto groups = detail::group(customers);
  // Start at r = a = b = 1 and alpha = the mean age, so the start does not depend on the
  // time unit.
  const auto m = detail::maximize_over_log_params(
      [&groups](std::span<const double> v) { return log_likelihood(from_log(v), groups); },
      {0.0, std::log(detail::mean_age(customers)), 0.0, 0.0});
  if (!m) return m.error();
  return BgNbdFit{from_log(m->point), -m->value, customers.size(), m->evaluations};
}

double bgnbd_p_alive(const BgNbdParams& p, const CustomerSummary& c) {
  if (c.frequency <= 0) return 1.0;
  const double x = c.frequency;
  // 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)), the power taken in log space.
  const double log_odds = std::log(p.a) - std::log(p.b + x - 1) +
                          (p.r + x) * (std::log(p.alpha + c.age) - std::log(p.alpha + c.recency));
  return 1.0 / (1.0 + std::exp(log_odds));
}

double bgnbd_expected_purchases(const BgNbdParams& p, const CustomerSummary& c, double horizon) {
  if (horizon <= 0) return 0.0;
  return bgnbd_p_alive(p, c) *
         detail::beta_geometric_expected_if_alive(p.r, p.alpha, p.a, p.b, c, horizon);
}

}  // namespace rapport::analytics
