// server/analytics/purchase_model_support.cpp
//
// Grouping of histories, the beta-geometric (BG/NBD, MBG/NBD) likelihood and its gradient with
// everything that depends on x alone or T alone hoisted out of the per-group loop, and the
// conditional expectation by a series that needs neither 0/0 at a = 1 nor more terms for
// heavy buyers.

#include "server/analytics/purchase_model_support.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "server/analytics/analytics_errc.h"
#include "server/analytics/hypergeometric.h"
#include "server/analytics/special_functions.h"

namespace rapport::analytics::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Inputs with at least this many groups are summed in two halves, the second on its own thread
// when the machine has a second core. Below it a thread costs more than it saves.
constexpr std::size_t kParallelGroups = 20000;

// The per-group part of the beta-geometric log-likelihood and of its derivatives, summed
// over a range of groups.
struct Partial {
  double log_likelihood = 0;  // sum of w * log[ (alpha+T)^-n + D ]
  double d_r = 0;             // ... its derivative with respect to r
  double d_alpha = 0;         // ... with respect to alpha
  double dropped = 0;         // sum of w * P(dropped term): times 1/a gives the a-derivative
  double d_b = 0;             // sum of w * P(dropped term) / (b+x+k-1)
};

// Per distinct x and per distinct T, the terms one evaluation shares between groups.
struct Shared {
  double r, alpha;
  std::vector<double> log_coef;  // per x: log a - log(b+x+k-1), or -inf if no dropped term
  std::vector<double> inv_coef;  // per x: 1/(b+x+k-1)
  std::vector<double> log_age;   // per T: log(alpha+T)
  std::vector<double> inv_age;   // per T: 1/(alpha+T)
};

Partial sum_groups(const Shared& s, const Histories& h, std::size_t begin, std::size_t end) {
  Partial p;
  for (std::size_t i = begin; i < end; ++i) {
    const Group& g = h.groups[i];
    const std::uint32_t xi = h.x_index[i];
    const std::uint32_t ti = h.age_index[i];
    const double n = s.r + g.x;
    const double log_age = s.log_age[ti];
    const double log_coef = s.log_coef[xi];
    if (log_coef == -kInf) {  // BG/NBD, x = 0: only the alive term
      p.log_likelihood -= g.weight * n * log_age;
      p.d_r -= g.weight * log_age;
      p.d_alpha -= g.weight * n * s.inv_age[ti];
      continue;
    }
    const double log_recency = std::log(s.alpha + g.t_x);
    // d = log(D / alive term); the bracket is alive * (1 + e^d), P(dropped term) = e^d/(1+e^d).
    const double d = log_coef + n * (log_age - log_recency);
    // Branch-free (groups come in no particular order): e = e^-|d| <= 1. log(1 + e) rather
    // than log1p(e), which is slower: for tiny e it is off by at most one rounding of 1, the
    // size of the rounding in the sum it goes into.
    const double e = std::exp(-std::abs(d));
    const double softplus = std::max(d, 0.0) + std::log(1 + e);
    const double share = (d > 0 ? 1.0 : e) / (1 + e);
    p.log_likelihood += g.weight * (softplus - n * log_age);
    p.d_r -= g.weight * (log_age - share * (log_age - log_recency));
    p.d_alpha -= g.weight * n * ((1 - share) * s.inv_age[ti] + share / (s.alpha + g.t_x));
    p.dropped += g.weight * share;
    p.d_b += g.weight * share * s.inv_coef[xi];
  }
  return p;
}

std::uint64_t bits(double v) {
  std::uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

// The splitmix64 finaliser: every input bit moves every output bit.
std::uint64_t mix(std::uint64_t u) {
  u ^= u >> 30;
  u *= 0xbf58476d1ce4e5b9ULL;
  u ^= u >> 27;
  u *= 0x94d049bb133111ebULL;
  return u ^ (u >> 31);
}

// Indices of distinct values in order of appearance, remembering the last one asked for (a
// column of x or T values repeats a few values, often in runs).
class IndexOf {
 public:
  std::uint32_t find_or_add(double v, std::vector<double>& values) {
    if (!values.empty() && values[last_] == v) return last_;
    // Small whole numbers (purchase counts, ages in days) through a table.
    if (v >= 0 && v < kDirect && v == std::floor(v)) {
      const auto slot = static_cast<std::size_t>(v);
      if (direct_.size() <= slot) direct_.resize(slot + 1, kNone);
      if (direct_[slot] == kNone) {
        direct_[slot] = static_cast<std::uint32_t>(values.size());
        values.push_back(v);
      }
      last_ = direct_[slot];
      return last_;
    }
    const auto [slot, added] = index_.try_emplace(v, static_cast<std::uint32_t>(values.size()));
    if (added) values.push_back(v);
    last_ = slot->second;
    return last_;
  }

 private:
  static constexpr double kDirect = 65536;
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> direct_;
  std::unordered_map<double, std::uint32_t> index_;
  std::uint32_t last_ = 0;
};

}  // namespace

std::vector<Group> group(const std::vector<CustomerSummary>& customers) {
  std::vector<Group> rows;
  rows.reserve(customers.size());
  for (const auto& c : customers) rows.push_back({c.frequency, c.recency, c.age, 1});
  std::sort(rows.begin(), rows.end(), [](const Group& u, const Group& v) {
    return std::tie(u.x, u.t_x, u.age) < std::tie(v.x, v.t_x, v.age);
  });
  std::vector<Group> groups;
  for (const auto& row : rows) {
    if (!groups.empty() && groups.back().x == row.x && groups.back().t_x == row.t_x &&
        groups.back().age == row.age) {
      groups.back().weight += 1;
    } else {
      groups.push_back(row);
    }
  }
  return groups;
}

Histories prepare_histories(const std::vector<CustomerSummary>& customers) {
  Histories h;
  // Open addressing over (x, t_x, T): one probe sequence per customer, no sort.
  std::size_t capacity = 16;
  while (capacity < 2 * customers.size()) capacity *= 2;
  constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> slots(capacity, kEmpty);
  IndexOf x_slots;
  IndexOf age_slots;
  // Room for every customer in a group of their own: no copying as the groups come in (pages
  // never written are never touched).
  h.groups.reserve(customers.size());
  h.x_index.reserve(customers.size());
  h.age_index.reserve(customers.size());
  for (const auto& c : customers) {
    // + 0.0 turns -0 into +0, so that equal values hash alike.
    const Group row{c.frequency + 0.0, c.recency + 0.0, c.age + 0.0, 1};
    std::size_t i = mix(bits(row.x) ^ mix(bits(row.t_x) ^ mix(bits(row.age)))) & (capacity - 1);
    for (;; i = (i + 1) & (capacity - 1)) {
      if (slots[i] == kEmpty) {
        slots[i] = static_cast<std::uint32_t>(h.groups.size());
        h.groups.push_back(row);
        const std::uint32_t xi = x_slots.find_or_add(row.x, h.xs);
        if (xi == h.x_weights.size()) h.x_weights.push_back(0);
        h.x_index.push_back(xi);
        h.age_index.push_back(age_slots.find_or_add(row.age, h.ages));
        break;
      }
      Group& g = h.groups[slots[i]];
      if (g.x == row.x && g.t_x == row.t_x && g.age == row.age) {
        g.weight += 1;
        break;
      }
    }
    h.x_weights[h.x_index[slots[i]]] += 1;
  }
  return h;
}

double log_beta(double p, double q) { return std::lgamma(p) + std::lgamma(q) - std::lgamma(p + q); }

double log_sum_exp(double u, double v) {
  const double hi = std::max(u, v);
  if (hi == -kInf) return hi;
  return hi + std::log1p(std::exp(std::min(u, v) - hi));
}

double log_diff_exp(double u, double v) {
  if (v == -kInf) return u;
  return u + std::log(-std::expm1(v - u));
}

double beta_geometric_log_likelihood(double r, double alpha, double a, double b, bool modified,
                                     const Histories& h, std::span<double> gradient) {
  const double k = modified ? 1 : 0;
  Shared s{r, alpha, {}, {}, {}, {}};
  const double log_a = std::log(a);
  s.log_coef.resize(h.xs.size());
  s.inv_coef.resize(h.xs.size());
  double total = 0;  // the terms of x alone, weighted
  for (std::size_t i = 0; i < h.xs.size(); ++i) {
    const double x = h.xs[i];
    const bool dropped = x + k > 0;
    s.log_coef[i] = dropped ? log_a - std::log(b + x + k - 1) : -kInf;
    s.inv_coef[i] = dropped ? 1 / (b + x + k - 1) : 0;
    total += h.x_weights[i] * (std::lgamma(r + x) + log_beta(a, b + x + k));
  }
  s.log_age.resize(h.ages.size());
  s.inv_age.resize(h.ages.size());
  for (std::size_t i = 0; i < h.ages.size(); ++i) {
    s.log_age[i] = std::log(alpha + h.ages[i]);
    s.inv_age[i] = 1 / (alpha + h.ages[i]);
  }

  const std::size_t size = h.groups.size();
  Partial p;
  if (size < kParallelGroups) {
    p = sum_groups(s, h, 0, size);
  } else {
    const std::size_t middle = size / 2;
    Partial second;
    if (std::thread::hardware_concurrency() > 1) {
      std::thread worker([&] { second = sum_groups(s, h, middle, size); });
      p = sum_groups(s, h, 0, middle);
      worker.join();
    } else {
      p = sum_groups(s, h, 0, middle);
      second = sum_groups(s, h, middle, size);
    }
    p.log_likelihood += second.log_likelihood;
    p.d_r += second.d_r;
    p.d_alpha += second.d_alpha;
    p.dropped += second.dropped;
    p.d_b += second.d_b;
  }

  double customers = 0;
  for (double w : h.x_weights) customers += w;
  total += customers * (-std::lgamma(r) + r * std::log(alpha) - log_beta(a, b)) + p.log_likelihood;
  if (gradient.empty()) return total;

  // d/dr:     -psi(r) + log alpha + psi(r+x) + d(bracket)/dr
  // d/dalpha: r/alpha + d(bracket)/dalpha
  // d/da:     psi(a+b) - psi(a+b+x+k) + P(dropped)/a
  // d/db:     psi(a+b) - psi(b) + psi(b+x+k) - psi(a+b+x+k) - P(dropped)/(b+x+k-1)
  const double psi_ab = digamma(a + b);
  double d_r = customers * (std::log(alpha) - digamma(r)) + p.d_r;
  double d_a = customers * psi_ab + p.dropped / a;
  double d_b = customers * (psi_ab - digamma(b)) - p.d_b;
  for (std::size_t i = 0; i < h.xs.size(); ++i) {
    const double x = h.xs[i];
    const double w = h.x_weights[i];
    const double psi_abx = digamma(a + b + x + k);
    d_r += w * digamma(r + x);
    d_a -= w * psi_abx;
    d_b += w * (digamma(b + x + k) - psi_abx);
  }
  const double d_alpha = customers * r / alpha + p.d_alpha;
  // Chain rule to the log-parameters: d/d(log theta) = theta d/d theta.
  gradient[0] = r * d_r;
  gradient[1] = alpha * d_alpha;
  gradient[2] = a * d_a;
  gradient[3] = b * d_b;
  return total;
}

Result<Minimum> maximize_over_log_params(
    const std::function<double(std::span<const double>)>& log_likelihood,
    std::vector<double> start) {
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

Result<Minimum> maximize_over_log_params_with_gradient(const GradientObjective& log_likelihood,
                                                       std::vector<double> start,
                                                       const QuasiNewtonOptions& options) {
  auto objective = [&log_likelihood](std::span<const double> v, std::span<double> gradient) {
    for (double e : v) {
      if (!(std::abs(e) < kMaxLogParam)) return kInf;
    }
    const double ll = log_likelihood(v, gradient);
    for (double& g : gradient) g = -g;
    return std::isfinite(ll) ? -ll : kInf;
  };
  std::vector<double> scratch(start.size());
  if (!std::isfinite(objective(start, scratch))) return AnalyticsErrc::kFitFailed;
  Minimum m = bfgs(objective, std::move(start), options);
  if (!m.converged && std::isfinite(m.value)) {
    // The fallback: Nelder–Mead from where BFGS stopped, on values alone.
    const int used = m.evaluations;
    m = nelder_mead([&](std::span<const double> v) { return objective(v, scratch); },
                    std::move(m.point));
    m.evaluations += used;
  }
  if (!m.converged || !std::isfinite(m.value)) return AnalyticsErrc::kFitFailed;
  return m;
}

void central_differences(const std::function<double(std::span<const double>)>& f,
                         std::span<const double> point, double value, std::span<double> gradient) {
  constexpr double kStep = 1e-5;
  std::vector<double> moved(point.begin(), point.end());
  for (std::size_t i = 0; i < point.size(); ++i) {
    moved[i] = point[i] + kStep;
    const double up = f(moved);
    moved[i] = point[i] - kStep;
    const double down = f(moved);
    moved[i] = point[i];
    if (std::isfinite(up) && std::isfinite(down)) {
      gradient[i] = (up - down) / (2 * kStep);
    } else if (std::isfinite(up)) {
      gradient[i] = (up - value) / kStep;
    } else if (std::isfinite(down)) {
      gradient[i] = (value - down) / kStep;
    } else {
      gradient[i] = kNaN;
    }
  }
}

double mean_age(const std::vector<CustomerSummary>& customers) {
  double sum = 0;
  for (const auto& c : customers) sum += c.age;
  return std::max(sum / static_cast<double>(customers.size()), 1e-6);
}

double beta_geometric_expected_if_alive(double r, double alpha, double a, double b_eff, double x,
                                        double age, double t) {
  const double n = r + x;
  const double top = a + b_eff + x - 1;  // c of the 2F1
  const double z = t / (alpha + age + t);
  const double log_1mz = std::log(alpha + age) - std::log(alpha + age + t);  // log(1 - z)
  const double eps = a - 1;
  constexpr double kSeriesLimit = 0.95;  // beyond, the z -> 1-z transformation is cheaper
  constexpr double kNearOne = 1e-3;      // |a - 1| below which the closed form would cancel
  if (z > kSeriesLimit && std::abs(eps) >= kNearOne) {
    const LogValue h = log_hyp2f1(n, b_eff + x, top, z);
    if (std::isnan(h.log_abs)) return kNaN;
    const double product = h.log_abs + n * log_1mz;  // log |power * 2F1|
    // 1 - sign * e^product, keeping precision when e^product is close to 1.
    const double bracket = h.sign > 0 ? -std::expm1(product) : 1.0 + std::exp(product);
    return top / eps * bracket;
  }
  // S = sum_{k>=1} t_k, t_1 = shift z / top, t_{k+1}/t_k = (shift+k)(a+k-1) z / ((top+k)(k+1)),
  // kept as the fractions term = num/den and sum = sum_num/den so that a step costs three
  // multiplications and no division; every few steps (or before den could overflow) they are
  // brought back to den = 1 and the tail is checked.
  const double shift = top - n;  // a + b_eff - 1 - r, the same for every x
  double num = shift * z;
  double den = top;
  double sum_num = num;
  const double past = std::max({std::abs(shift), a, top});
  bool done = num == 0;
  for (int k = 1; !done && k < kMaxHypergeometricTerms; ++k) {
    const double dk = k;
    const double p = (shift + dk) * (a + dk - 1) * z;
    const double q = (top + dk) * (dk + 1);
    num *= p;
    den *= q;
    sum_num = sum_num * q + num;
    if (k % 8 != 0 && den < 1e200 && std::abs(sum_num) < 1e200 && p != 0) continue;
    num /= den;
    sum_num /= den;
    den = 1;
    // An overflowed sum stays so (a degenerate fit: a and b in the millions): the same
    // no-value answer now instead of after kMaxHypergeometricTerms steps, which a value
    // refresh paid per member and per step of its integral (minutes for 300 members).
    if (!std::isfinite(sum_num) || !std::isfinite(num)) break;
    // Past every parameter the ratios move monotonically towards z: the tail is at most
    // |t| g/(1-g) with g = max(|ratio|, z).
    if (dk > past || p == 0) {
      const double g = std::max(std::abs(p / q), z);
      done = p == 0 || (g < 1 && std::abs(num) * g / (1 - g) <= 1e-17 * std::abs(sum_num));
    }
  }
  if (!done) return kNaN;
  const double sum = sum_num / den;
  const double u = eps * log_1mz;
  const double first = u == 0 ? -log_1mz : -std::expm1(u) / eps;
  return top * (first - std::exp(u) * sum);
}

double beta_geometric_expected_if_alive(double r, double alpha, double a, double b_eff,
                                        const CustomerSummary& c, double t) {
  return beta_geometric_expected_if_alive(r, alpha, a, b_eff, c.frequency, c.age, t);
}

double beta_geometric_p_alive(double r, double alpha, double a, double b, bool modified,
                              const CustomerSummary& c) {
  const double x = c.frequency;
  const double k = modified ? 1 : 0;
  if (x + k <= 0) return 1.0;
  // The power taken in log space.
  const double log_odds = std::log(a) - std::log(b + x + k - 1) +
                          (r + x) * (std::log(alpha + c.age) - std::log(alpha + c.recency));
  return 1.0 / (1.0 + std::exp(log_odds));
}

std::vector<AliveAndPurchases> beta_geometric_forecast(
    double r, double alpha, double a, double b, bool modified,
    const std::vector<CustomerSummary>& customers, double horizon) {
  std::vector<AliveAndPurchases> rows(customers.size());
  const double b_eff = modified ? b + 1 : b;
  auto work = [&](std::size_t begin, std::size_t end) {
    // A direct-mapped cache of E[purchases | alive] by (x, T): a pure function of them, so a
    // hit or a miss gives the same number.
    struct Entry {
      double x = -1, age = -1, value = 0;
    };
    constexpr std::size_t kEntries = 1024;
    std::vector<Entry> cache(kEntries);
    for (std::size_t i = begin; i < end; ++i) {
      const CustomerSummary& c = customers[i];
      const double p_alive = beta_geometric_p_alive(r, alpha, a, b, modified, c);
      double expected = 0;
      if (horizon > 0) {
        Entry& e = cache[mix(bits(c.frequency + 0.0) ^ mix(bits(c.age + 0.0))) & (kEntries - 1)];
        if (e.x != c.frequency || e.age != c.age) {
          e = {c.frequency, c.age,
               beta_geometric_expected_if_alive(r, alpha, a, b_eff, c.frequency, c.age, horizon)};
        }
        expected = p_alive * e.value;
      }
      rows[i] = {p_alive, expected};
    }
  };
  const std::size_t size = customers.size();
  if (size < kParallelGroups || std::thread::hardware_concurrency() < 2) {
    work(0, size);
  } else {
    std::thread worker(work, size / 2, size);
    work(0, size / 2);
    worker.join();
  }
  return rows;
}

Result<Minimum> fit_beta_geometric(const std::vector<CustomerSummary>& customers, bool modified,
                                   std::size_t warm_start_above) {
  if (customers.empty()) return AnalyticsErrc::kTooFewCustomers;
  auto fit = [modified](const Histories& h, std::vector<double> start,
                        const QuasiNewtonOptions& options) {
    return maximize_over_log_params_with_gradient(
        [&h, modified](std::span<const double> v, std::span<double> gradient) {
          return beta_geometric_log_likelihood(std::exp(v[0]), std::exp(v[1]), std::exp(v[2]),
                                               std::exp(v[3]), modified, h, gradient);
        },
        std::move(start), options);
  };
  // Start at r = a = b = 1 and alpha = the mean age, so the start does not depend on the
  // time unit.
  std::vector<double> start{0.0, std::log(mean_age(customers)), 0.0, 0.0};
  QuasiNewtonOptions options;
  if (customers.size() <= warm_start_above || customers.size() <= kWarmStartSample) {
    return fit(prepare_histories(customers), std::move(start), options);
  }
  // Group the full input on a second thread while this one fits the subsample.
  Histories full;
  std::thread grouping([&] { full = prepare_histories(customers); });
  const std::size_t stride = customers.size() / kWarmStartSample;
  std::vector<CustomerSummary> sample;
  sample.reserve(customers.size() / stride + 1);
  for (std::size_t i = 0; i < customers.size(); i += stride) sample.push_back(customers[i]);
  const auto warm = fit(prepare_histories(sample), start, options);
  if (warm && warm->inverse_hessian.size() == 16) {
    // The Hessian grows with the number of customers: scale its inverse down.
    const double scale = static_cast<double>(sample.size()) / static_cast<double>(customers.size());
    start = warm->point;
    options.initial_inverse_hessian = warm->inverse_hessian;
    for (double& e : options.initial_inverse_hessian) e *= scale;
  }
  grouping.join();
  return fit(full, std::move(start), options);  // its evaluations: full-size ones only
}

}  // namespace rapport::analytics::detail
