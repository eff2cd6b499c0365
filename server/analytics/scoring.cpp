// server/analytics/scoring.cpp
#include "server/analytics/scoring.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <thread>
#include <limits>
#include <unordered_map>

namespace rapport::analytics {
namespace {

// What a forecast given alive depends on: the repeat purchases x and the age T (not t_x).
struct History {
  double x, age;
  bool operator==(const History&) const = default;
};

struct HistoryHash {
  std::size_t operator()(const History& h) const {
    const std::hash<double> hash;
    const std::size_t seed = hash(h.x);
    return seed ^ (hash(h.age) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
  }
};

// A history's purchase forecast given alive; a customer's is p_alive times it
// (PurchaseModel::expected_purchases_if_alive). A million members share a few tens of
// thousands of (x, T), so this is computed once per pair: the discounted sum alone takes a
// dozen hypergeometric series.
struct ForecastIfAlive {
  double expected_purchases;
  double discounted_purchases;  // customer_lifetime_value() with spend 1 and margin 1
};

// Scores customers[begin, end) into out[begin, end), with its own forecast cache.
void score_slice(const PurchaseModel& model, const std::optional<GammaGammaParams>& spend,
                 const std::vector<CustomerSummary>& customers, const ClvOptions& options,
                 std::size_t begin, std::size_t end, std::vector<CustomerScore>& out,
                 ProgressTicker* ticker) {
  ClvOptions unit_value = options;
  unit_value.margin = 1.0;
  std::unordered_map<History, ForecastIfAlive, HistoryHash> cache;
  for (std::size_t i = begin; i < end; ++i) {
    const auto& c = customers[i];
    const History key{c.frequency, c.age};
    auto it = cache.find(key);
    if (it == cache.end()) {
      ForecastIfAlive f{model.expected_purchases_if_alive(c.frequency, c.age, options.horizon),
                        0.0};
      if (spend) {
        f.discounted_purchases = customer_lifetime_value(
            [&](double t) { return model.expected_purchases_if_alive(c.frequency, c.age, t); },
            1.0, unit_value);
      }
      it = cache.emplace(key, f).first;
    }
    const ForecastIfAlive& f = it->second;
    const double p_alive = model.p_alive(c);
    CustomerScore score{p_alive, p_alive * f.expected_purchases,
                        std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::quiet_NaN()};
    if (spend) {
      score.expected_spend = gamma_gamma_expected_spend(*spend, c);
      score.clv = p_alive * f.discounted_purchases * score.expected_spend * options.margin;
    }
    out[i] = score;
    if (ticker) ticker->tick();
  }
}

}  // namespace

std::vector<CustomerScore> score_customers(const PurchaseModel& model,
                                           const std::optional<GammaGammaParams>& spend,
                                           const std::vector<CustomerSummary>& customers,
                                           const ClvOptions& options,
                                           const ProgressCallback& progress,
                                           std::size_t threads) {
  const std::size_t n = customers.size();
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t slices = std::clamp<std::size_t>(n / kMinScoreSlice, 1, threads);
  std::vector<CustomerScore> out(n);
  auto bound = [&](std::size_t s) { return n * s / slices; };
  ProgressTicker ticker(progress, "scoring customers", bound(1));
  {
    std::vector<std::jthread> workers;
    workers.reserve(slices - 1);
    for (std::size_t s = 1; s < slices; ++s) {
      workers.emplace_back([&, s] {
        score_slice(model, spend, customers, options, bound(s), bound(s + 1), out, nullptr);
      });
    }
    score_slice(model, spend, customers, options, 0, bound(1), out, &ticker);
  }  // joins the workers
  ticker.finish();
  return out;
}

}  // namespace rapport::analytics
