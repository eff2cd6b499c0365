// server/analytics/gamma_gamma.cpp
//
// Gamma-Gamma likelihood in log space with its gradient, and its fit over the repeat buyers
// (BFGS, Nelder–Mead as the fallback).

#include "server/analytics/gamma_gamma.h"

#include <cmath>
#include <limits>
#include <span>
#include <utility>

#include "server/analytics/optimizer.h"
#include "server/analytics/special_functions.h"

namespace rapport::analytics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxLogParam = 30;

struct Buyer {
  double x;
  double log_x;
  double mean;
  double log_mean;
};

// Sum over buyers of log f(zbar | p, q, v, x):
//   lgamma(px+q) - lgamma(px) - lgamma(q) + q log v + (px-1) log zbar + px log x
//   - (px+q) log(x zbar + v)
// If `gradient` is not empty it receives the derivatives with respect to log p, log q, log v:
//   d/dp = sum x [psi(px+q) - psi(px) + log zbar + log x - log(x zbar + v)]
//   d/dq = sum psi(px+q) - psi(q) + log v - log(x zbar + v)
//   d/dv = sum q/v - (px+q)/(x zbar + v)
double log_likelihood(const GammaGammaParams& g, std::span<const Buyer> buyers,
                      std::span<double> gradient) {
  const double log_v = std::log(g.v);
  const double common = -std::lgamma(g.q) + g.q * log_v;
  const bool with_gradient = !gradient.empty();
  const double psi_q = with_gradient ? detail::digamma(g.q) : 0;
  double total = 0, d_p = 0, d_q = 0, d_v = 0;
  for (const auto& b : buyers) {
    const double px = g.p * b.x;
    const double log_sum = std::log(b.x * b.mean + g.v);
    total += common + std::lgamma(px + g.q) - std::lgamma(px) + (px - 1) * b.log_mean +
             px * b.log_x - (px + g.q) * log_sum;
    if (with_gradient) {
      const double psi_pq = detail::digamma(px + g.q);
      d_p += b.x * (psi_pq - detail::digamma(px) + b.log_mean + b.log_x - log_sum);
      d_q += psi_pq - psi_q + log_v - log_sum;
      d_v += g.q / g.v - (px + g.q) / (b.x * b.mean + g.v);
    }
  }
  if (with_gradient) {
    gradient[0] = g.p * d_p;
    gradient[1] = g.q * d_q;
    gradient[2] = g.v * d_v;
  }
  return total;
}

}  // namespace

Result<GammaGammaFit> fit_gamma_gamma(const std::vector<CustomerSummary>& customers) {
  std::vector<Buyer> buyers;
  double total_spend = 0;
  for (const auto& c : customers) {
    if (c.frequency <= 0) continue;
    if (!(c.monetary_value > 0)) return AnalyticsErrc::kBadSpend;
    buyers.push_back(
        {c.frequency, std::log(c.frequency), c.monetary_value, std::log(c.monetary_value)});
    total_spend += c.monetary_value;
  }
  if (buyers.size() < 2) return AnalyticsErrc::kTooFewCustomers;

  // The negated log-likelihood over log(p, q, v), with its gradient.
  auto objective = [&buyers](std::span<const double> v, std::span<double> gradient) {
    for (double e : v) {
      if (!(std::abs(e) < kMaxLogParam)) return kInf;
    }
    const double ll =
        log_likelihood({std::exp(v[0]), std::exp(v[1]), std::exp(v[2])}, buyers, gradient);
    for (double& d : gradient) d = -d;
    return std::isfinite(ll) ? -ll : kInf;
  };
  // Start at p = q = 1 and v = the mean spend (so the start does not depend on the currency).
  const double mean_spend = total_spend / static_cast<double>(buyers.size());
  const std::vector<double> start{0.0, 0.0, std::log(mean_spend)};
  if (!std::isfinite(objective(start, {}))) return AnalyticsErrc::kFitFailed;

  Minimum m = bfgs(objective, start);
  if (!m.converged && std::isfinite(m.value)) {  // the fallback: Nelder–Mead on values alone
    const int used = m.evaluations;
    m = nelder_mead([&](std::span<const double> v) { return objective(v, {}); },
                    std::move(m.point));
    m.evaluations += used;
  }
  if (!m.converged || !std::isfinite(m.value)) return AnalyticsErrc::kFitFailed;
  const GammaGammaParams params{std::exp(m.point[0]), std::exp(m.point[1]), std::exp(m.point[2])};
  return GammaGammaFit{params, -m.value, buyers.size(), m.evaluations};
}

double gamma_gamma_expected_spend(const GammaGammaParams& g, const CustomerSummary& c) {
  const double x = c.frequency > 0 ? c.frequency : 0.0;
  const double denominator = g.p * x + g.q - 1;
  if (denominator <= 0) return kInf;
  return g.p * (g.v + x * c.monetary_value) / denominator;
}

}  // namespace rapport::analytics
