// server/analytics/scoring.cpp
#include "server/analytics/scoring.h"

#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>

namespace rapport::analytics {
namespace {

struct History {
  double x, t_x, age;
  bool operator==(const History&) const = default;
};

struct HistoryHash {
  std::size_t operator()(const History& h) const {
    const std::hash<double> hash;
    std::size_t seed = hash(h.x);
    for (const double v : {h.t_x, h.age}) seed ^= hash(v) + 0x9e3779b97f4a7c15ULL + (seed << 6);
    return seed;
  }
};

// A history's purchase forecast: what the score needs before spend enters.
struct Forecast {
  double p_alive;
  double expected_purchases;
  double discounted_purchases;  // customer_lifetime_value() with spend 1 and margin 1
};

}  // namespace

std::vector<CustomerScore> score_customers(const PurchaseModel& model,
                                           const std::optional<GammaGammaParams>& spend,
                                           const std::vector<CustomerSummary>& customers,
                                           const ClvOptions& options,
                                           const ProgressCallback& progress) {
  ClvOptions unit_value = options;
  unit_value.margin = 1.0;
  std::unordered_map<History, Forecast, HistoryHash> cache;
  std::vector<CustomerScore> out;
  out.reserve(customers.size());
  ProgressTicker ticker(progress, "scoring customers", customers.size());
  for (const auto& c : customers) {
    const History key{c.frequency, c.recency, c.age};
    auto it = cache.find(key);
    if (it == cache.end()) {
      Forecast f{model.p_alive(c), model.expected_purchases(c, options.horizon), 0.0};
      if (spend) {
        f.discounted_purchases = customer_lifetime_value(
            [&](double t) { return model.expected_purchases(c, t); }, 1.0, unit_value);
      }
      it = cache.emplace(key, f).first;
    }
    const Forecast& f = it->second;
    CustomerScore score{f.p_alive, f.expected_purchases, std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::quiet_NaN()};
    if (spend) {
      score.expected_spend = gamma_gamma_expected_spend(*spend, c);
      score.clv = f.discounted_purchases * score.expected_spend * options.margin;
    }
    out.push_back(score);
    ticker.tick();
  }
  ticker.finish();
  return out;
}

}  // namespace rapport::analytics
