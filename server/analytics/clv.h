// server/analytics/clv.h
//
// Customer lifetime value over a horizon: a purchase model's forecast (BG/NBD, MBG/NBD or
// Pareto/NBD) times the expected spend and margin, discounted month by month
// (docs/value-models.md, "Lifetime value").

#pragma once

#include <functional>

#include "server/analytics/bgnbd.h"
#include "server/analytics/summary.h"

namespace rapport::analytics {

struct ClvOptions {
  double horizon = 52;                // in `unit`; >= 0
  TimeUnit unit = TimeUnit::kWeeks;   // the summary's time unit
  double margin = 1.0;                // share of spend that is profit (1 = revenue)
  double annual_discount_rate = 0.0;  // e.g. 0.10 for 10 % a year; > -1
};

// The length of one discounting period (a month, 365.25 / 12 days) in `unit`.
[[nodiscard]] double period_length(TimeUnit unit);

// One customer's conditional expected purchases in (T, T + t] as a function of t >= 0, from
// any purchase model (e.g. a lambda over pareto_nbd_expected_purchases).
using PurchaseForecast = std::function<double(double)>;

// CLV = sum over months k = 1..K of
//         (E[Y(t_k)] - E[Y(t_{k-1})]) * expected_spend * margin / (1 + d)^k,
// with t_k = min(k * month, horizon), K = ceil(horizon / month), E[Y(t)] =
// expected_purchases(t) and d = (1 + annual rate)^(1/12) - 1 the monthly rate, so
// (1 + d)^k = (1 + annual rate)^(k/12). Each month's purchases are discounted at its end.
[[nodiscard]] double customer_lifetime_value(const PurchaseForecast& expected_purchases,
                                             double expected_spend, const ClvOptions& options);

// The same with the BG/NBD conditional expected purchases of `customer`.
[[nodiscard]] double customer_lifetime_value(const BgNbdParams& params,
                                             const CustomerSummary& customer, double expected_spend,
                                             const ClvOptions& options);

}  // namespace rapport::analytics
