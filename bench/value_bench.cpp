// bench/value_bench.cpp
//
// Figures for the value models: BG/NBD and Gamma-Gamma fits on the CDNOW summary, and a
// fit plus scoring (probability alive, expected purchases) on synthetic customers drawn
// from the BG/NBD model. Prints figures; asserts nothing about speed (docs/performance.md).
//
//   bench_value --cdnow tests/data/cdnow/cdnow_customers_summary.csv --customers 1000000

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "server/analytics/bgnbd.h"
#include "server/analytics/gamma_gamma.h"
#include "server/analytics/summary.h"

namespace {

using namespace rapport::analytics;
using Clock = std::chrono::steady_clock;

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Customers from the BG/NBD story: a Poisson purchase rate lambda ~ Gamma(r, alpha) while
// alive, and after each purchase dropping out with p ~ Beta(a, b); observed for T weeks.
std::vector<CustomerSummary> synthetic(std::size_t count, const BgNbdParams& truth, double weeks) {
  std::mt19937_64 random(20261126);
  std::gamma_distribution<double> rate(truth.r, 1.0 / truth.alpha);
  std::gamma_distribution<double> beta_a(truth.a, 1.0);
  std::gamma_distribution<double> beta_b(truth.b, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<CustomerSummary> customers(count);
  for (std::size_t i = 0; i < count; ++i) {
    const double lambda = rate(random);
    const double ga = beta_a(random);
    const double p = ga / (ga + beta_b(random));
    std::exponential_distribution<double> gap(lambda);
    double t = 0;
    double x = 0, tx = 0;
    for (;;) {
      t += gap(random);
      if (t > weeks) break;
      x += 1;
      tx = t;
      if (unit(random) < p) break;  // drops out after this purchase
    }
    customers[i] = {std::to_string(i), x, tx, weeks, 0};
  }
  return customers;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_value: figures for the customer value models"};
  app.footer(
      "Example: bench_value --cdnow tests/data/cdnow/cdnow_customers_summary.csv "
      "--customers 1000000");
  std::string cdnow;
  std::size_t count = 100000;
  app.add_option("--cdnow", cdnow, "CDNOW summary CSV (tests/data/cdnow/...)")->required();
  app.add_option("--customers", count, "synthetic customers")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto summary = read_summary(cdnow);
  if (!summary) {
    std::fprintf(stderr, "bench_value: cannot read %s\n", cdnow.c_str());
    return 1;
  }
  for (int run = 0; run < 3; ++run) {
    const auto start = Clock::now();
    const auto fit = fit_bgnbd(summary->customers);
    const double ms = millis(Clock::now() - start);
    if (!fit) return 1;
    std::printf("BG/NBD fit, CDNOW (%zu customers), run %d: %8.2f ms  LL %.1f\n",
                summary->customers.size(), run + 1, ms, fit->log_likelihood);
  }
  if (summary->has_monetary_value) {
    const auto start = Clock::now();
    const auto fit = fit_gamma_gamma(summary->customers);
    if (!fit) return 1;
    std::printf("Gamma-Gamma fit, CDNOW (%zu repeat buyers):   %8.2f ms\n", fit->customers,
                millis(Clock::now() - start));
  }

  const BgNbdParams truth{0.243, 4.414, 0.793, 2.426};
  const auto customers = synthetic(count, truth, 39.0);
  auto start = Clock::now();
  const auto fit = fit_bgnbd(customers);
  const double fit_ms = millis(Clock::now() - start);
  if (!fit) return 1;
  start = Clock::now();
  double total_alive = 0, total_purchases = 0;
  for (const auto& c : customers) {
    total_alive += bgnbd_p_alive(fit->params, c);
    total_purchases += bgnbd_expected_purchases(fit->params, c, 39.0);
  }
  const double score_ms = millis(Clock::now() - start);
  std::printf(
      "BG/NBD fit, %zu synthetic customers:        %8.1f ms  (r %.3f alpha %.3f a %.3f "
      "b %.3f)\n",
      count, fit_ms, fit->params.r, fit->params.alpha, fit->params.a, fit->params.b);
  std::printf(
      "scoring %zu customers (p_alive + E[purchases, 39 weeks]): %8.1f ms  "
      "(mean p_alive %.3f, total %.0f purchases)\n",
      count, score_ms, total_alive / static_cast<double>(count), total_purchases);
  return 0;
}
