// server/analytics/clv.cpp
#include "server/analytics/clv.h"

#include <algorithm>
#include <cmath>

namespace rapport::analytics {

double period_length(TimeUnit unit) {
  constexpr double kDaysPerMonth = 365.25 / 12;
  return unit == TimeUnit::kWeeks ? kDaysPerMonth / 7 : kDaysPerMonth;
}

double customer_lifetime_value(const PurchaseForecast& expected_purchases, double expected_spend,
                               const ClvOptions& options) {
  if (options.horizon <= 0) return 0.0;
  const double month = period_length(options.unit);
  const double log_growth = std::log1p(options.annual_discount_rate) / 12;  // log(1 + d)
  double value = 0;
  double previous = 0;  // E[Y(t_{k-1})]
  for (int k = 1;; ++k) {
    const double end = std::min(k * month, options.horizon);
    const double cumulative = expected_purchases(end);
    value += (cumulative - previous) * std::exp(-k * log_growth);
    previous = cumulative;
    if (end >= options.horizon) break;
  }
  return value * expected_spend * options.margin;
}

double customer_lifetime_value(const BgNbdParams& params, const CustomerSummary& customer,
                               double expected_spend, const ClvOptions& options) {
  return customer_lifetime_value(
      [&](double t) { return bgnbd_expected_purchases(params, customer, t); }, expected_spend,
      options);
}

}  // namespace rapport::analytics
