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

// Scores customers[begin, end) into out[begin, end), with its own forecast cache.
void score_slice(const PurchaseModel& model, const std::optional<GammaGammaParams>& spend,
                 const std::vector<CustomerSummary>& customers, const ClvOptions& options,
                 std::size_t begin, std::size_t end, std::vector<CustomerScore>& out,
                 ProgressTicker* ticker) {
  ClvOptions unit_value = options;
  unit_value.margin = 1.0;
  std::unordered_map<History, Forecast, HistoryHash> cache;
  for (std::size_t i = begin; i < end; ++i) {
    const auto& c = customers[i];
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
