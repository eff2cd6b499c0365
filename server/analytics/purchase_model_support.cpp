// server/analytics/purchase_model_support.cpp
#include "server/analytics/purchase_model_support.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "server/analytics/analytics_errc.h"
#include "server/analytics/hypergeometric.h"

namespace rapport::analytics::detail {

std::vector<Group> group(const std::vector<CustomerSummary>& customers) {
  std::map<std::tuple<double, double, double>, double> counts;
  for (const auto& c : customers) counts[{c.frequency, c.recency, c.age}] += 1;
  std::vector<Group> groups;
  groups.reserve(counts.size());
  for (const auto& [key, weight] : counts) {
    groups.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), weight});
  }
  return groups;
}

double log_beta(double p, double q) { return std::lgamma(p) + std::lgamma(q) - std::lgamma(p + q); }

double log_sum_exp(double u, double v) {
  const double hi = std::max(u, v);
  if (hi == -std::numeric_limits<double>::infinity()) return hi;
  return hi + std::log1p(std::exp(std::min(u, v) - hi));
}

double log_diff_exp(double u, double v) {
  if (v == -std::numeric_limits<double>::infinity()) return u;
  return u + std::log(-std::expm1(v - u));
}

Result<Minimum> maximize_over_log_params(
    const std::function<double(std::span<const double>)>& log_likelihood,
    std::vector<double> start) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  auto objective = [&log_likelihood](std::span<const double> v) {
    for (double e : v) {
      if (!(std::abs(e) < kMaxLogParam)) return kInf;
    }
    const double ll = log_likelihood(v);
    return std::isfinite(ll) ? -ll : kInf;
  };
  if (!std::isfinite(objective(start))) return AnalyticsErrc::kFitFailed;
  Minimum m = nelder_mead(objective, std::move(start));
  if (!m.converged || !std::isfinite(m.value)) return AnalyticsErrc::kFitFailed;
  return m;
}

double mean_age(const std::vector<CustomerSummary>& customers) {
  double sum = 0;
  for (const auto& c : customers) sum += c.age;
  return std::max(sum / static_cast<double>(customers.size()), 1e-6);
}

double beta_geometric_expected_if_alive(double r, double alpha, double a, double b_eff,
                                        const CustomerSummary& c, double t) {
  const double x = c.frequency;
  const double z = t / (alpha + c.age + t);
  const LogValue h = log_hyp2f1(r + x, b_eff + x, a + b_eff + x - 1, z);
  if (std::isnan(h.log_abs)) return std::numeric_limits<double>::quiet_NaN();
  const double log_power = (r + x) * (std::log(alpha + c.age) - std::log(alpha + c.age + t));
  const double product = h.log_abs + log_power;  // log |power * 2F1|
  // 1 - sign * e^product, keeping precision when e^product is close to 1.
  const double bracket = h.sign > 0 ? -std::expm1(product) : 1.0 + std::exp(product);
  return (a + b_eff + x - 1) / (a - 1) * bracket;
}

}  // namespace rapport::analytics::detail
