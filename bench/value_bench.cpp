// bench/value_bench.cpp
//
// Figures for the value models: the BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma fits on the
// CDNOW summary, and a BG/NBD fit plus scoring (probability alive, expected purchases) on
// synthetic customers drawn from the BG/NBD model. Each figure is the median of --runs runs,
// as wall-clock time and as the process's CPU time (both threads' worth when the library
// splits work over two: on a machine whose other core is busy the wall time grows, the CPU
// time does not). Prints figures; asserts nothing about speed (docs/performance.md).
//
//   bench_value --cdnow tests/data/cdnow/cdnow_customers_summary.csv --customers 1000000

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "server/analytics/bgnbd.h"
#include "server/analytics/gamma_gamma.h"
#include "server/analytics/mbgnbd.h"
#include "server/analytics/pareto_nbd.h"
#include "server/analytics/summary.h"

namespace {

using namespace rapport::analytics;
using rapport::Result;
using Clock = std::chrono::steady_clock;

double cpu_millis() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Timing {
  double wall_ms;
  double cpu_ms;
  double first_wall_ms;  // the first run, with the process's memory still cold
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Runs `body` `runs` times; the medians of its wall-clock and CPU times.
Timing measure(int runs, const std::function<void()>& body) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    const double cpu_start = cpu_millis();
    body();
    cpu.push_back(cpu_millis() - cpu_start);
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return {median(wall), median(cpu), wall.front()};
}

void print(const std::string& what, const Timing& t, const std::string& detail) {
  std::printf("%-58s %9.2f ms wall %9.2f ms cpu (first run %9.2f ms wall)  %s\n", what.c_str(),
              t.wall_ms, t.cpu_ms, t.first_wall_ms, detail.c_str());
}

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

std::string format(const char* pattern, auto... values) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, pattern, values...);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_value: figures for the customer value models"};
  app.footer(
      "Example: bench_value --cdnow tests/data/cdnow/cdnow_customers_summary.csv "
      "--customers 1000000");
  std::string cdnow;
  std::size_t count = 100000;
  int runs = 5;
  int large_runs = 3;
  app.add_option("--cdnow", cdnow, "CDNOW summary CSV (tests/data/cdnow/...)")->required();
  app.add_option("--customers", count, "synthetic customers")->capture_default_str();
  app.add_option("--runs", runs, "runs per CDNOW figure (the median is printed)")
      ->capture_default_str();
  app.add_option("--large-runs", large_runs, "runs per synthetic-customer figure")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto summary = read_summary(cdnow);
  if (!summary) {
    std::fprintf(stderr, "bench_value: cannot read %s\n", cdnow.c_str());
    return 1;
  }
  const auto& cds = summary->customers;
  bool ok = true;
  {
    Result<BgNbdFit> fit = AnalyticsErrc::kFitFailed;
    const auto t = measure(runs, [&] { fit = fit_bgnbd(cds); });
    if (!fit) return 1;
    print(format("BG/NBD fit, CDNOW (%zu customers)", cds.size()), t,
          format("LL %.3f, %d evaluations", fit->log_likelihood, fit->evaluations));
  }
  {
    Result<MbgNbdFit> fit = AnalyticsErrc::kFitFailed;
    const auto t = measure(runs, [&] { fit = fit_mbgnbd(cds); });
    if (!fit) return 1;
    print("MBG/NBD fit, CDNOW", t,
          format("LL %.3f, %d evaluations", fit->log_likelihood, fit->evaluations));
  }
  {
    Result<ParetoNbdFit> fit = AnalyticsErrc::kFitFailed;
    const auto t = measure(runs, [&] { fit = fit_pareto_nbd(cds); });
    if (!fit) return 1;
    print("Pareto/NBD fit, CDNOW", t,
          format("LL %.3f, %d evaluations", fit->log_likelihood, fit->evaluations));
  }
  if (summary->has_monetary_value) {
    Result<GammaGammaFit> fit = AnalyticsErrc::kFitFailed;
    const auto t = measure(runs, [&] { fit = fit_gamma_gamma(cds); });
    if (!fit) return 1;
    print(format("Gamma-Gamma fit, CDNOW (%zu repeat buyers)", fit->customers), t,
          format("%d evaluations", fit->evaluations));
  }
  {
    const BgNbdParams p{0.243, 4.414, 0.793, 2.426};
    double total = 0;
    const auto t = measure(runs, [&] {
      for (const auto& c : cds) total += bgnbd_expected_purchases(p, c, 39.0);
    });
    print("BG/NBD E[purchases, 39 weeks], CDNOW, one by one", t, "");
  }

  const BgNbdParams truth{0.243, 4.414, 0.793, 2.426};
  const auto customers = synthetic(count, truth, 39.0);
  Result<BgNbdFit> fit = AnalyticsErrc::kFitFailed;
  const auto fit_time = measure(large_runs, [&] { fit = fit_bgnbd(customers); });
  if (!fit) return 1;
  print(format("BG/NBD fit, %zu synthetic customers", count), fit_time,
        format("r %.5f alpha %.5f a %.5f b %.5f, %d evaluations", fit->params.r, fit->params.alpha,
               fit->params.a, fit->params.b, fit->evaluations));

  std::vector<AliveAndPurchases> rows;
  const auto score_time =
      measure(large_runs, [&] { rows = bgnbd_forecast(fit->params, customers, 39.0); });
  double total_alive = 0, total_purchases = 0;
  for (const auto& row : rows) {
    total_alive += row.p_alive;
    total_purchases += row.expected_purchases;
  }
  print(format("scoring %zu (bgnbd_forecast: p_alive + E[39 weeks])", count), score_time,
        format("mean p_alive %.4f, total %.1f purchases", total_alive / static_cast<double>(count),
               total_purchases));
  print("fit + scoring",
        {fit_time.wall_ms + score_time.wall_ms, fit_time.cpu_ms + score_time.cpu_ms,
         fit_time.first_wall_ms + score_time.first_wall_ms},
        "");

  // The same numbers one call at a time, as a caller without the batch function gets them.
  double one_alive = 0, one_purchases = 0;
  const auto one_time = measure(1, [&] {
    one_alive = one_purchases = 0;
    for (const auto& c : customers) {
      one_alive += bgnbd_p_alive(fit->params, c);
      one_purchases += bgnbd_expected_purchases(fit->params, c, 39.0);
    }
  });
  print(format("scoring %zu one by one (bgnbd_p_alive + _expected_purchases)", count), one_time,
        format("total %.1f purchases", one_purchases));
  if (one_purchases != total_purchases || one_alive != total_alive) {
    std::fprintf(stderr, "bench_value: batch and one-by-one scores differ\n");
    ok = false;
  }
  return ok ? 0 : 1;
}
