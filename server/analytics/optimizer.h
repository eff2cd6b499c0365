// server/analytics/optimizer.h
//
// Unconstrained minimisation for the models' maximum-likelihood fits: BFGS with a Wolfe line
// search where the objective has an analytic gradient, and Nelder–Mead (restarted from its own
// optimum until two runs agree) where it has not, or as the fallback when BFGS fails.

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
  // bfgs only: the final inverse-Hessian approximation (n x n, row-major), e.g. to start a
  // related problem with.
  std::vector<double> inverse_hessian;
};

// An objective with its gradient: returns f(point) and writes the partial derivatives into
// `gradient` (as many as point has). May return +infinity or NaN for points it refuses;
// the gradient is then ignored.
using GradientObjective =
    std::function<double(std::span<const double> point, std::span<double> gradient)>;

struct QuasiNewtonOptions {
  // Converged when every |df/dx_i| <= gradient_tolerance * (1 + |f|), or when the line search
  // cannot lower f any more (rounding) with every |df/dx_i| <= 1e3 times that.
  double gradient_tolerance = 1e-11;
  double max_first_step = 1.0;  // the first step moves no coordinate further than this
  int max_evaluations = 2000;
  // n x n, row-major, positive definite: the first inverse-Hessian approximation. Empty: the
  // identity, rescaled after the first step.
  std::vector<double> initial_inverse_hessian;
};

// Minimises `f` from `start`. `f` may return +infinity or NaN for points it refuses (both
// count as worse than any finite value). Requires: start is non-empty and f(start) finite.
[[nodiscard]] Minimum nelder_mead(const std::function<double(std::span<const double>)>& f,
                                  std::vector<double> start, const MinimizeOptions& options = {});

// Minimises `f` from `start` by BFGS (inverse-Hessian update, Nocedal & Wright 2006, §6.1)
// with a line search for the strong Wolfe conditions (ibid., Algorithm 3.5). Requires: start
// is non-empty and f(start) finite. converged is false if the evaluations ran out or the
// search stalled far from a stationary point; the caller may then polish with nelder_mead.
[[nodiscard]] Minimum bfgs(const GradientObjective& f, std::vector<double> start,
                           const QuasiNewtonOptions& options = {});

}  // namespace rapport::analytics
