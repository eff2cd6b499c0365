// server/analytics/gamma_gamma.cpp
//
// Gamma-Gamma likelihood in log space and its fit over the repeat buyers.

#include "server/analytics/gamma_gamma.h"

#include <cmath>
#include <limits>
#include <span>

#include "server/analytics/optimizer.h"

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
double log_likelihood(const GammaGammaParams& g, std::span<const Buyer> buyers) {
  const double common = -std::lgamma(g.q) + g.q * std::log(g.v);
  double total = 0;
  for (const auto& b : buyers) {
    const double px = g.p * b.x;
    total += common + std::lgamma(px + g.q) - std::lgamma(px) + (px - 1) * b.log_mean +
             px * b.log_x - (px + g.q) * std::log(b.x * b.mean + g.v);
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

  auto objective = [&buyers](std::span<const double> v) {
    for (double e : v) {
      if (!(std::abs(e) < kMaxLogParam)) return kInf;
    }
    const double ll = log_likelihood({std::exp(v[0]), std::exp(v[1]), std::exp(v[2])}, buyers);
    return std::isfinite(ll) ? -ll : kInf;
  };
  // Start at p = q = 1 and v = the mean spend (so the start does not depend on the currency).
  const double mean_spend = total_spend / static_cast<double>(buyers.size());
  const std::vector<double> start{0.0, 0.0, std::log(mean_spend)};
  if (!std::isfinite(objective(start))) return AnalyticsErrc::kFitFailed;

  const Minimum m = nelder_mead(objective, start);
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
