// tests/unit/analytics_speed_internals_test.cpp
//
// The numerical machinery behind the fast fits and forecasts (docs/value-models.md, "Speed"):
// digamma, the analytic likelihood gradients against finite differences, BFGS against
// Nelder–Mead on the same likelihood, the warm-started large fit, the hypergeometric
// transformation near z = 1, the conditional-expectation series against the closed form it
// replaces (and at a = 1, where the closed form is 0/0), and the batch forecast against the
// one-customer functions.

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "server/analytics/bgnbd.h"
#include "server/analytics/gamma_gamma.h"
#include "server/analytics/hypergeometric.h"
#include "server/analytics/mbgnbd.h"
#include "server/analytics/optimizer.h"
#include "server/analytics/pareto_nbd.h"
#include "server/analytics/purchase_model_support.h"
#include "server/analytics/special_functions.h"
#include "server/analytics/summary.h"
#include "tests/support/catch_result.h"

namespace {

using namespace rapport::analytics;
using Catch::Detail::Approx;

std::vector<CustomerSummary> cdnow() {
  auto summary = read_summary(std::filesystem::path(RAPPORT_TEST_DATA_DIR) / "cdnow" /
                              "cdnow_customers_summary.csv");
  REQUIRE(summary.has_value());
  return summary->customers;
}

// Customers with continuous recencies (few identical histories), drawn from BG/NBD.
std::vector<CustomerSummary> continuous(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> rate(0.5, 1.0 / 6.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<CustomerSummary> customers;
  for (std::size_t i = 0; i < count; ++i) {
    const double lambda = rate(rng);
    const double p = 0.1 + 0.5 * uniform(rng);
    CustomerSummary c{std::to_string(i), 0, 0, 26 + 26 * uniform(rng), 0};
    std::exponential_distribution<double> gap(lambda);
    for (double t = gap(rng); t <= c.age; t += gap(rng)) {
      c.frequency += 1;
      c.recency = t;
      if (uniform(rng) < p) break;
    }
    customers.push_back(c);
  }
  return customers;
}

// The closed form the series replaced:
//   (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)].
double closed_form_if_alive(double r, double alpha, double a, double b, double x, double age,
                            double t) {
  const double z = t / (alpha + age + t);
  const LogValue h = log_hyp2f1(r + x, b + x, a + b + x - 1, z);
  const double product = h.log_abs + (r + x) * (std::log(alpha + age) - std::log(alpha + age + t));
  const double bracket = h.sign > 0 ? -std::expm1(product) : 1.0 + std::exp(product);
  return (a + b + x - 1) / (a - 1) * bracket;
}

// 2F1 by plain summation in long double (positive parameters: no cancellation), for z not too
// close to 1.
double reference_hyp2f1(double a, double b, double c, double z) {
  long double term = 1, sum = 1;
  for (int k = 0; k < 10'000'000; ++k) {
    term *= (a + k) * (b + k) / ((c + k) * (k + 1.0L)) * z;
    sum += term;
    if (k > 1000 && term < 1e-22L * sum) break;
  }
  return static_cast<double>(sum);
}

}  // namespace

TEST_CASE("digamma matches known values and the derivative of lgamma", "[analytics]") {
  constexpr double kEuler = 0.57721566490153286061;
  CHECK(detail::digamma(1) == Approx(-kEuler).epsilon(4e-15));
  CHECK(detail::digamma(0.5) == Approx(-kEuler - 2 * std::log(2.0)).epsilon(4e-15));
  CHECK(detail::digamma(10) == Approx(2.25175258906672110764).epsilon(1e-15));
  CHECK(detail::digamma(1e-3) == Approx(-1000.5755719318103005).epsilon(1e-15));
  CHECK(detail::digamma(300.5) ==
        Approx(std::log(300.5) - 1 / 601.0 - 1 / (12 * 300.5 * 300.5)).epsilon(1e-12));
  for (double x : {0.05, 0.79, 2.4, 7.3, 55.0}) {
    const double h = 1e-5 * x;
    CHECK(detail::digamma(x) ==
          Approx((std::lgamma(x + h) - std::lgamma(x - h)) / (2 * h)).epsilon(1e-8));
  }
  CHECK(std::isnan(detail::digamma(0)));
  CHECK(std::isnan(detail::digamma(-1.5)));
}

TEST_CASE("the beta-geometric likelihood gradient equals central differences", "[analytics]") {
  const bool modified = GENERATE(false, true);
  // CDNOW (grouped, one thread) and continuous recencies (above the two-thread threshold).
  const auto customers =
      GENERATE(as<std::vector<CustomerSummary>>{}, cdnow(), continuous(45'000, 7));
  const auto h = detail::prepare_histories(customers);
  INFO("modified " << modified << ", " << h.groups.size() << " groups");
  for (const auto& point :
       {std::vector<double>{std::log(0.243), std::log(4.41), std::log(0.79), std::log(2.43)},
        std::vector<double>{0.4, 2.5, -0.7, 1.1}}) {
    auto ll = [&](std::span<const double> v, std::span<double> g) {
      return detail::beta_geometric_log_likelihood(std::exp(v[0]), std::exp(v[1]), std::exp(v[2]),
                                                   std::exp(v[3]), modified, h, g);
    };
    std::vector<double> gradient(4);
    const double value = ll(point, gradient);
    REQUIRE(std::isfinite(value));
    for (std::size_t i = 0; i < 4; ++i) {
      const double step = 1e-5;
      auto up = point, down = point;
      up[i] += step;
      down[i] -= step;
      const double numeric = (ll(up, {}) - ll(down, {})) / (2 * step);
      INFO("log-parameter " << i);
      // The difference quotient is good to about 1e-10 |value| / step.
      CHECK(gradient[i] == Approx(numeric).epsilon(1e-6).margin(1e-9 * std::abs(value)));
    }
  }
}

TEST_CASE("BFGS finds the minimum of the Rosenbrock function", "[analytics]") {
  const GradientObjective rosenbrock = [](std::span<const double> v, std::span<double> g) {
    const double a = 1 - v[0], b = v[1] - v[0] * v[0];
    if (!g.empty()) {
      g[0] = -2 * a - 400 * v[0] * b;
      g[1] = 200 * b;
    }
    return a * a + 100 * b * b;
  };
  const Minimum m = bfgs(rosenbrock, {-1.2, 1.0});
  CHECK(m.converged);
  CHECK(m.point[0] == Approx(1).epsilon(1e-8));
  CHECK(m.point[1] == Approx(1).epsilon(1e-8));
  CHECK(m.evaluations < 200);
}

TEST_CASE("BFGS refuses what the objective refuses and stops where the gradient vanishes",
          "[analytics]") {
  // f = (x - 2)^2 with x <= 0 refused (NaN): the minimum lies inside the allowed region.
  const GradientObjective f = [](std::span<const double> v, std::span<double> g) {
    if (v[0] <= 0) return std::numeric_limits<double>::quiet_NaN();
    if (!g.empty()) g[0] = 2 * (v[0] - 2);
    return (v[0] - 2) * (v[0] - 2);
  };
  const Minimum m = bfgs(f, {40.0});
  CHECK(m.converged);
  CHECK(m.point[0] == Approx(2).epsilon(1e-9));
}

TEST_CASE("the BG/NBD and MBG/NBD fits by BFGS equal Nelder–Mead's on the same likelihood",
          "[analytics]") {
  const auto customers = cdnow();
  const bool modified = GENERATE(false, true);
  const auto h = detail::prepare_histories(customers);
  const auto by_gradient = detail::fit_beta_geometric(customers, modified);
  REQUIRE(by_gradient);
  const auto by_simplex = detail::maximize_over_log_params(
      [&](std::span<const double> v) {
        return detail::beta_geometric_log_likelihood(std::exp(v[0]), std::exp(v[1]), std::exp(v[2]),
                                                     std::exp(v[3]), modified, h, {});
      },
      {0.0, std::log(detail::mean_age(customers)), 0.0, 0.0});
  REQUIRE(by_simplex);
  INFO("modified " << modified << ": BFGS " << by_gradient->evaluations << " evaluations, "
                   << "Nelder–Mead " << by_simplex->evaluations);
  CHECK(by_gradient->evaluations < 100);
  CHECK(-by_gradient->value >= -by_simplex->value - 1e-8);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(std::exp(by_gradient->point[i]) == Approx(std::exp(by_simplex->point[i])).epsilon(2e-6));
  }
}

TEST_CASE("the Pareto/NBD fit by BFGS on differences equals Nelder–Mead's", "[analytics]") {
  // The first 600 CDNOW customers: Nelder–Mead on all of them is slow in a debug build.
  auto customers = cdnow();
  customers.resize(600);
  const auto fit = fit_pareto_nbd(customers);
  REQUIRE(fit);
  const auto by_simplex = detail::maximize_over_log_params(
      [&](std::span<const double> v) {
        if (!(std::abs(v[1] - v[3]) <= std::log(kParetoNbdMaxRateRatio))) return std::nan("");
        return pareto_nbd_log_likelihood(
            {std::exp(v[0]), std::exp(v[1]), std::exp(v[2]), std::exp(v[3])}, customers);
      },
      {0.0, std::log(detail::mean_age(customers)), 0.0, std::log(detail::mean_age(customers))});
  REQUIRE(by_simplex);
  INFO("BFGS " << fit->evaluations << " likelihood evaluations, Nelder–Mead "
               << by_simplex->evaluations);
  CHECK(fit->evaluations < by_simplex->evaluations);
  CHECK(fit->log_likelihood >= -by_simplex->value - 1e-8);
  const auto& p = fit->params;
  CHECK(p.r == Approx(std::exp(by_simplex->point[0])).epsilon(1e-5));
  CHECK(p.alpha == Approx(std::exp(by_simplex->point[1])).epsilon(1e-5));
  CHECK(p.s == Approx(std::exp(by_simplex->point[2])).epsilon(1e-5));
  CHECK(p.beta == Approx(std::exp(by_simplex->point[3])).epsilon(1e-5));
}

TEST_CASE("the Gamma-Gamma fit by BFGS equals Nelder–Mead's on the likelihood written out",
          "[analytics]") {
  auto summary = read_summary(std::filesystem::path(RAPPORT_TEST_DATA_DIR) / "cdnow" /
                              "cdnow_customers_summary_with_transactions.csv");
  REQUIRE(summary.has_value());
  const auto fit = fit_gamma_gamma(summary->customers);
  REQUIRE(fit);
  // docs/value-models.md, "Gamma-Gamma", summed over the repeat buyers.
  auto ll = [&](std::span<const double> v) {
    const double p = std::exp(v[0]), q = std::exp(v[1]), scale = std::exp(v[2]);
    double total = 0;
    for (const auto& c : summary->customers) {
      if (c.frequency <= 0) continue;
      const double x = c.frequency, z = c.monetary_value;
      total += std::lgamma(p * x + q) - std::lgamma(p * x) - std::lgamma(q) + q * std::log(scale) +
               (p * x - 1) * std::log(z) + p * x * std::log(x) -
               (p * x + q) * std::log(x * z + scale);
    }
    return total;
  };
  const auto by_simplex = detail::maximize_over_log_params(ll, {0.0, 0.0, std::log(30.0)});
  REQUIRE(by_simplex);
  INFO("BFGS " << fit->evaluations << " evaluations, Nelder–Mead " << by_simplex->evaluations);
  CHECK(fit->evaluations < by_simplex->evaluations / 4);
  CHECK(fit->log_likelihood == Approx(-by_simplex->value).epsilon(1e-12));
  CHECK(fit->params.p == Approx(std::exp(by_simplex->point[0])).epsilon(1e-6));
  CHECK(fit->params.q == Approx(std::exp(by_simplex->point[1])).epsilon(1e-6));
  CHECK(fit->params.v == Approx(std::exp(by_simplex->point[2])).epsilon(1e-6));
}

TEST_CASE("the warm-started fit of a large input reaches the same optimum", "[analytics]") {
  const auto customers = continuous(90'000, 11);
  const auto warm = detail::fit_beta_geometric(customers, false, /*warm_start_above=*/0);
  const auto cold =
      detail::fit_beta_geometric(customers, false, std::numeric_limits<std::size_t>::max());
  REQUIRE(warm);
  REQUIRE(cold);
  INFO("warm " << warm->evaluations << " full evaluations, cold " << cold->evaluations);
  CHECK(warm->evaluations < cold->evaluations);
  CHECK(warm->value == Approx(cold->value).epsilon(1e-12));
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(std::exp(warm->point[i]) == Approx(std::exp(cold->point[i])).epsilon(1e-6));
  }
}

TEST_CASE("grouping compares exactly: nothing is rounded, 0 and -0 are one value", "[analytics]") {
  const double t = 10.5;
  const std::vector<CustomerSummary> customers{{"1", 1, t, 39, 0},
                                               {"2", 1, std::nextafter(t, 11.0), 39, 0},
                                               {"3", 1, t, 39, 0},
                                               {"4", 0, 0.0, 39, 0},
                                               {"5", 0, -0.0, 39, 0}};
  const auto h = detail::prepare_histories(customers);
  REQUIRE(h.groups.size() == 3);
  CHECK(h.groups[0].weight == 2);
  CHECK(h.groups[1].weight == 1);
  CHECK(h.groups[2].weight == 2);
  CHECK(h.xs.size() == 2);
  CHECK(h.x_weights[0] == 3);
  CHECK(h.ages.size() == 1);
}

TEST_CASE("the hypergeometric function near z = 1 matches the series and closed forms",
          "[analytics]") {
  // Where plain summation is still affordable, the transformation must agree with it.
  struct Case {
    double a, b, c;
  };
  for (const Case& p : {Case{0.7, 2.3, 1.9}, Case{5.24, 3.6, 8.1}, Case{0.55, 1.6, 1.55},
                        Case{1, 1, 2.00003}, Case{300.5, 3.2, 302.9}, Case{2.5, 1.5, 4.0}}) {
    for (double z : {0.91, 0.95, 0.99}) {
      INFO("a=" << p.a << " b=" << p.b << " c=" << p.c << " z=" << z);
      const LogValue h = log_hyp2f1(p.a, p.b, p.c, z);
      REQUIRE(h.sign == 1);
      CHECK(h.log_abs == Approx(std::log(reference_hyp2f1(p.a, p.b, p.c, z))).epsilon(1e-11));
    }
  }
  // 2F1(1/2, 1/2; 3/2; z^2) = asin(z) / z (c - a - b = 1/2).
  for (double y : {0.97, 0.9999, 1 - 1e-9}) {
    const LogValue h = log_hyp2f1(0.5, 0.5, 1.5, y * y);
    CHECK(std::exp(h.log_abs) == Approx(std::asin(y) / y).epsilon(1e-12));
  }
  // 2F1(1, 1; 2; z) = -log(1 - z) / z (c - a - b = 0: the interpolated case beyond 0.999).
  for (double z : {0.995, 0.9999, 1 - 1e-8}) {
    const LogValue h = log_hyp2f1(1, 1, 2, z);
    CHECK(std::exp(h.log_abs) == Approx(-std::log1p(-z) / z).epsilon(1e-10));
  }
  // 2F1(a, b; b; z) = (1 - z)^-a, c - a - b = -a.
  for (double a : {0.3, 2.7, 150.25}) {
    const double z = 1 - 1e-7;  // 1 - z is the double's, not exactly 1e-7
    const LogValue h = log_hyp2f1(a, 4.2, 4.2, z);
    CHECK(h.log_abs == Approx(-a * std::log1p(-z)).epsilon(1e-12));
  }
}

TEST_CASE("the conditional-expectation series equals the closed form it replaces", "[analytics]") {
  const double r = GENERATE(0.243, 1.5);
  const double alpha = 4.41;
  const double a = GENERATE(0.3, 0.793, 1.5, 3.0);
  const double b = GENERATE(0.6, 2.43, 30.0);
  for (double x : {0.0, 1.0, 5.0, 50.0, 300.0}) {
    for (double age : {10.0, 38.86}) {
      for (double t : {0.5, 39.0, 150.0, 1e4}) {
        INFO("r=" << r << " a=" << a << " b=" << b << " x=" << x << " T=" << age << " t=" << t);
        const double series = detail::beta_geometric_expected_if_alive(r, alpha, a, b, x, age, t);
        CHECK(series == Approx(closed_form_if_alive(r, alpha, a, b, x, age, t)).epsilon(1e-9));
      }
    }
  }
}

TEST_CASE("expected purchases are finite and continuous at a = 1 and for huge horizons",
          "[analytics]") {
  const CustomerSummary c{"1", 2, 30.43, 38.86, 0};
  for (double t : {1.0, 39.0, 5000.0}) {
    const double at_one = bgnbd_expected_purchases({0.243, 4.41, 1.0, 2.43}, c, t);
    const double below = bgnbd_expected_purchases({0.243, 4.41, 1 - 1e-7, 2.43}, c, t);
    const double above = bgnbd_expected_purchases({0.243, 4.41, 1 + 1e-7, 2.43}, c, t);
    INFO("t=" << t);
    REQUIRE(std::isfinite(at_one));
    CHECK(at_one == Approx(below).epsilon(1e-6));
    CHECK(at_one == Approx(above).epsilon(1e-6));
    CHECK(mbgnbd_expected_purchases({0.52, 6.18, 1.0, 1.61}, c, t) ==
          Approx(mbgnbd_expected_purchases({0.52, 6.18, 1 + 1e-7, 1.61}, c, t)).epsilon(1e-6));
  }
  // A horizon a million times alpha + T: the series would need millions of terms.
  const BgNbdParams p{0.243, 4.41, 0.793, 2.43};
  const double e6 = bgnbd_expected_purchases(p, c, 4.3e7);
  const double e7 = bgnbd_expected_purchases(p, c, 4.3e8);
  REQUIRE(std::isfinite(e6));
  REQUIRE(std::isfinite(e7));
  CHECK(e7 > e6);
  CHECK(e6 > bgnbd_expected_purchases(p, c, 4.3e5));
}

TEST_CASE("the batch forecast gives the one-customer functions' numbers bit for bit",
          "[analytics]") {
  const auto customers =
      GENERATE(as<std::vector<CustomerSummary>>{}, cdnow(), continuous(25'000, 3));
  const BgNbdParams p{0.243, 4.41, 0.793, 2.43};
  const auto rows = bgnbd_forecast(p, customers, 39);
  const MbgNbdParams m{0.52, 6.18, 0.89, 1.61};
  const auto mrows = mbgnbd_forecast(m, customers, 39);
  REQUIRE(rows.size() == customers.size());
  REQUIRE(mrows.size() == customers.size());
  std::size_t same = 0;
  for (std::size_t i = 0; i < customers.size(); ++i) {
    same += rows[i].p_alive == bgnbd_p_alive(p, customers[i]) &&
            rows[i].expected_purchases == bgnbd_expected_purchases(p, customers[i], 39) &&
            mrows[i].p_alive == mbgnbd_p_alive(m, customers[i]) &&
            mrows[i].expected_purchases == mbgnbd_expected_purchases(m, customers[i], 39);
  }
  CHECK(same == customers.size());
}
