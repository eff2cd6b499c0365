// server/analytics/optimizer.cpp
//
// Nelder–Mead with the standard coefficients (reflection 1, expansion 2, contraction 1/2,
// shrink 1/2), written from the textbook description (Nelder & Mead 1965; Lagarias et al.
// 1998 for the contraction cases); BFGS with a strong-Wolfe line search, written from
// Nocedal & Wright, "Numerical Optimization" (2nd ed. 2006), Algorithms 3.5, 3.6 and 6.1.

#include "server/analytics/optimizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace rapport::analytics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using Point = std::vector<double>;

struct Simplex {
  std::vector<Point> vertices;
  std::vector<double> values;
};

// One Nelder–Mead run from `start`; counts evaluations into `evaluations`.
Minimum run(const std::function<double(std::span<const double>)>& f, const Point& start,
            const MinimizeOptions& options, int& evaluations) {
  const std::size_t n = start.size();
  auto eval = [&](const Point& p) {
    ++evaluations;
    const double v = f(p);
    return std::isnan(v) ? kInf : v;
  };

  Simplex s;
  s.vertices.push_back(start);
  for (std::size_t i = 0; i < n; ++i) {
    Point p = start;
    p[i] += options.initial_step;
    s.vertices.push_back(std::move(p));
  }
  for (const auto& p : s.vertices) s.values.push_back(eval(p));

  std::vector<std::size_t> order(n + 1);
  auto combine = [&](const Point& centroid, const Point& worst, double coef) {
    Point p(n);
    for (std::size_t j = 0; j < n; ++j) p[j] = centroid[j] + coef * (worst[j] - centroid[j]);
    return p;
  };

  while (evaluations < options.max_evaluations) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return s.values[a] < s.values[b]; });
    const std::size_t best = order.front(), worst = order.back(), second = order[n - 1];

    double spread = 0;
    for (const auto& p : s.vertices) {
      for (std::size_t j = 0; j < n; ++j) {
        spread = std::max(spread, std::abs(p[j] - s.vertices[best][j]));
      }
    }
    const double value_gap = std::abs(s.values[worst] - s.values[best]);
    if (value_gap <= options.value_tolerance * (1 + std::abs(s.values[best])) &&
        spread <= options.point_tolerance) {
      return {s.vertices[best], s.values[best], evaluations, true, {}};
    }

    Point centroid(n, 0.0);
    for (std::size_t i = 0; i <= n; ++i) {
      if (i == worst) continue;
      for (std::size_t j = 0; j < n; ++j) centroid[j] += s.vertices[i][j] / static_cast<double>(n);
    }

    const Point reflected = combine(centroid, s.vertices[worst], -1.0);
    const double fr = eval(reflected);
    if (fr < s.values[best]) {
      const Point expanded = combine(centroid, s.vertices[worst], -2.0);
      const double fe = eval(expanded);
      if (fe < fr) {
        s.vertices[worst] = expanded;
        s.values[worst] = fe;
      } else {
        s.vertices[worst] = reflected;
        s.values[worst] = fr;
      }
      continue;
    }
    if (fr < s.values[second]) {
      s.vertices[worst] = reflected;
      s.values[worst] = fr;
      continue;
    }
    // Contract outside (towards the reflection) or inside (towards the worst vertex).
    const bool outside = fr < s.values[worst];
    const Point contracted = combine(centroid, s.vertices[worst], outside ? -0.5 : 0.5);
    const double fc = eval(contracted);
    if (fc < (outside ? fr : s.values[worst])) {
      s.vertices[worst] = contracted;
      s.values[worst] = fc;
      continue;
    }
    // Shrink every vertex halfway towards the best.
    for (std::size_t i = 0; i <= n; ++i) {
      if (i == best) continue;
      for (std::size_t j = 0; j < n; ++j) {
        s.vertices[i][j] = s.vertices[best][j] + 0.5 * (s.vertices[i][j] - s.vertices[best][j]);
      }
      s.values[i] = eval(s.vertices[i]);
    }
  }
  const auto best = static_cast<std::size_t>(std::min_element(s.values.begin(), s.values.end()) -
                                             s.values.begin());
  return {s.vertices[best], s.values[best], evaluations, false, {}};
}

double dot(const Point& u, const Point& v) {
  double sum = 0;
  for (std::size_t i = 0; i < u.size(); ++i) sum += u[i] * v[i];
  return sum;
}

double max_abs(const Point& v) {
  double m = 0;
  for (double e : v) m = std::max(m, std::abs(e));
  return m;
}

// One evaluation of f and its gradient, refused points (NaN, or a non-finite gradient) as
// +infinity.
class Evaluator {
 public:
  Evaluator(const GradientObjective& f, int& evaluations) : f_(f), evaluations_(evaluations) {}

  double operator()(const Point& p, Point& gradient) {
    ++evaluations_;
    std::fill(gradient.begin(), gradient.end(), 0.0);
    const double v = f_(p, gradient);
    if (!std::isfinite(v)) return kInf;
    for (double g : gradient) {
      if (!std::isfinite(g)) return kInf;
    }
    return v;
  }

 private:
  const GradientObjective& f_;
  int& evaluations_;
};

// A point on the search line x + step * d with its value, gradient and slope g . d.
struct LinePoint {
  double step = 0;
  double value = kInf;
  double slope = 0;
  Point x;
  Point gradient;
};

// Strong Wolfe line search from `origin` (step 0) along `d`, first trying `first_step`.
// `noise` is how much f may rise by rounding alone: a step within it of f(origin) passes the
// sufficient-decrease test when its slope passes the curvature test (the approximate Wolfe
// conditions of Hager & Zhang 2005), which lets the search finish at the rounding floor.
// Returns the accepted point, or one with step 0 if none was found.
LinePoint line_search(Evaluator& eval, const LinePoint& origin, const Point& d, double first_step,
                      double noise, int evaluation_budget, const int& evaluations) {
  constexpr double kC1 = 1e-4;  // sufficient decrease
  constexpr double kC2 = 0.9;   // curvature (the usual choice for quasi-Newton methods)
  const std::size_t n = d.size();
  const double f0 = origin.value;
  const double slope0 = origin.slope;
  auto sample = [&](double step) {
    LinePoint p;
    p.step = step;
    p.x.resize(n);
    p.gradient.resize(n);
    for (std::size_t i = 0; i < n; ++i) p.x[i] = origin.x[i] + step * d[i];
    p.value = eval(p.x, p.gradient);
    p.slope = std::isfinite(p.value) ? dot(p.gradient, d) : 0.0;
    return p;
  };
  auto decreases = [&](const LinePoint& p) {
    return p.value <= f0 + kC1 * p.step * slope0 ||
           (p.value <= f0 + noise && std::abs(p.slope) <= -kC2 * slope0);
  };
  auto curved = [&](const LinePoint& p) { return std::abs(p.slope) <= -kC2 * slope0; };

  // Zoom between lo (passes the decrease test) and hi (Algorithm 3.6).
  auto zoom = [&](LinePoint lo, LinePoint hi) {
    while (evaluations < evaluation_budget) {
      const double width = hi.step - lo.step;
      if (std::abs(width) <= 1e-16 * std::max(1.0, std::abs(lo.step))) break;
      // Minimiser of the quadratic through lo's value and slope and hi's value, kept inside
      // the middle 80 % of the interval; bisection when hi was refused.
      double step = lo.step + 0.5 * width;
      if (std::isfinite(hi.value)) {
        const double curvature = (hi.value - lo.value - lo.slope * width) / (width * width);
        if (curvature > 0) {
          const double q = lo.step - lo.slope / (2 * curvature);
          const double a = lo.step + 0.1 * width, b = lo.step + 0.9 * width;
          step = std::clamp(q, std::min(a, b), std::max(a, b));
        }
      }
      LinePoint p = sample(step);
      if (!std::isfinite(p.value) || !decreases(p) || p.value >= lo.value + noise) {
        hi = std::move(p);
        continue;
      }
      if (curved(p)) return p;
      if (p.slope * (hi.step - lo.step) >= 0) hi = std::move(lo);
      lo = std::move(p);
    }
    // No Wolfe point: settle for lo if it lowered f at all.
    return lo.step > 0 && lo.value < f0 ? lo : origin;
  };

  LinePoint previous = origin;
  previous.step = 0;
  double step = first_step;
  for (int i = 0; evaluations < evaluation_budget; ++i) {
    LinePoint p = sample(step);
    if (!std::isfinite(p.value) || !decreases(p) || (i > 0 && p.value >= previous.value)) {
      return zoom(std::move(previous), std::move(p));
    }
    if (curved(p)) return p;
    if (p.slope >= 0) return zoom(std::move(p), std::move(previous));
    previous = std::move(p);
    step *= 2;
  }
  return previous.step > 0 && previous.value < f0 ? previous : origin;
}

}  // namespace

Minimum bfgs(const GradientObjective& f, Point start, const QuasiNewtonOptions& options) {
  const std::size_t n = start.size();
  int evaluations = 0;
  Evaluator eval(f, evaluations);
  LinePoint at;
  at.x = std::move(start);
  at.gradient.resize(n);
  at.value = eval(at.x, at.gradient);
  if (!std::isfinite(at.value)) return {at.x, at.value, evaluations, false, {}};

  // h: the inverse-Hessian approximation, row-major; the identity until the first step.
  std::vector<double> h(n * n, 0.0);
  auto reset = [&] {
    std::fill(h.begin(), h.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) h[i * n + i] = 1;
  };
  reset();
  bool fresh = true;  // h is the identity: scale the first step
  if (options.initial_inverse_hessian.size() == n * n) {
    h = options.initial_inverse_hessian;
    fresh = false;
  }
  int stalls = 0;
  Point d(n), s(n), y(n), hy(n);
  while (evaluations < options.max_evaluations) {
    const double tolerance = options.gradient_tolerance * (1 + std::abs(at.value));
    const double g_max = max_abs(at.gradient);
    if (g_max <= tolerance) return {at.x, at.value, evaluations, true, h};

    for (std::size_t i = 0; i < n; ++i) {
      d[i] = 0;
      for (std::size_t j = 0; j < n; ++j) d[i] -= h[i * n + j] * at.gradient[j];
    }
    at.step = 0;
    at.slope = dot(at.gradient, d);
    if (!(at.slope < 0)) {  // h lost positive definiteness: steepest descent
      reset();
      fresh = true;
      for (std::size_t i = 0; i < n; ++i) d[i] = -at.gradient[i];
      at.slope = dot(at.gradient, d);
    }
    const double first_step = fresh ? std::min(1.0, options.max_first_step / max_abs(d)) : 1.0;
    const double noise = 1e-13 * (1 + std::abs(at.value));
    LinePoint next =
        line_search(eval, at, d, first_step, noise, options.max_evaluations, evaluations);
    if (next.step == 0) {
      if (!fresh) {  // retry once along the steepest descent
        reset();
        fresh = true;
        continue;
      }
      return {at.x, at.value, evaluations, g_max <= 1e3 * tolerance, h};
    }
    // Progress below the rounding floor three times running: as good as it gets.
    stalls = at.value - next.value <= noise ? stalls + 1 : 0;
    for (std::size_t i = 0; i < n; ++i) {
      s[i] = next.x[i] - at.x[i];
      y[i] = next.gradient[i] - at.gradient[i];
    }
    at = std::move(next);
    if (stalls >= 3) {
      return {at.x, at.value, evaluations,
              max_abs(at.gradient) <= 1e3 * options.gradient_tolerance * (1 + std::abs(at.value)),
              h};
    }
    const double sy = dot(s, y);
    if (sy > 0) {
      if (fresh) {  // scale the identity to the curvature just seen (N&W eq. 6.20)
        const double scale = sy / dot(y, y);
        for (std::size_t i = 0; i < n; ++i) h[i * n + i] = scale;
      }
      // H += rho [(1 + rho y'Hy) s s' - Hy s' - s (Hy)'],  rho = 1 / s'y
      const double rho = 1 / sy;
      for (std::size_t i = 0; i < n; ++i) {
        hy[i] = 0;
        for (std::size_t j = 0; j < n; ++j) hy[i] += h[i * n + j] * y[j];
      }
      const double yhy = dot(y, hy);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          h[i * n + j] += rho * ((1 + rho * yhy) * s[i] * s[j] - hy[i] * s[j] - s[i] * hy[j]);
        }
      }
      fresh = false;
    }
  }
  return {at.x, at.value, evaluations, false, h};
}

Minimum nelder_mead(const std::function<double(std::span<const double>)>& f, Point start,
                    const MinimizeOptions& options) {
  int evaluations = 0;
  Minimum best = run(f, start, options, evaluations);
  // A simplex can collapse before the optimum; restarting from the best point finds out.
  MinimizeOptions again = options;
  for (int i = 0; i < options.restarts && evaluations < options.max_evaluations; ++i) {
    again.initial_step = std::max(options.initial_step * 0.1, 1e-3);
    Minimum next = run(f, best.point, again, evaluations);
    const bool same =
        std::abs(next.value - best.value) <= options.value_tolerance * (1 + std::abs(best.value));
    if (next.value <= best.value) best = std::move(next);
    if (same && best.converged) break;
  }
  best.evaluations = evaluations;
  return best;
}

}  // namespace rapport::analytics
