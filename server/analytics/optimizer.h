// server/analytics/optimizer.h
//
// Unconstrained minimisation for the models' maximum-likelihood fits: Nelder–Mead on a few
// (log-)parameters, restarted from its own optimum until two runs agree.

#pragma once

#include <functional>
#include <span>
#include <vector>

namespace rapport::analytics {

struct MinimizeOptions {
  double initial_step = 0.5;       // simplex edge around the start, in the parameters' units
  double value_tolerance = 1e-12;  // stop when the simplex's values differ less (relative)
  double point_tolerance = 1e-9;   // ... and its vertices lie this close together
  int max_evaluations = 20000;     // over all restarts
  int restarts = 3;                // fresh simplices around the last optimum
};

struct Minimum {
  std::vector<double> point;
  double value = 0;
  int evaluations = 0;
  bool converged = false;  // false: max_evaluations reached first
};

// Minimises `f` from `start`. `f` may return +infinity or NaN for points it refuses (both
// count as worse than any finite value). Requires: start is non-empty and f(start) finite.
[[nodiscard]] Minimum nelder_mead(const std::function<double(std::span<const double>)>& f,
                                  std::vector<double> start, const MinimizeOptions& options = {});

}  // namespace rapport::analytics
