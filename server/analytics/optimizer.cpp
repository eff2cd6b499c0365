// server/analytics/optimizer.cpp
//
// Nelder–Mead with the standard coefficients (reflection 1, expansion 2, contraction 1/2,
// shrink 1/2), written from the textbook description (Nelder & Mead 1965; Lagarias et al.
// 1998 for the contraction cases).

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
      return {s.vertices[best], s.values[best], evaluations, true};
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
  return {s.vertices[best], s.values[best], evaluations, false};
}

}  // namespace

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
