// server/analytics/special_functions.cpp
//
// Digamma by upward recurrence and the asymptotic (Stirling) series
//   psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k),
// which at x >= 10 reaches double precision with the terms through B_14.

#include "server/analytics/special_functions.h"

#include <cmath>
#include <limits>

namespace rapport::analytics::detail {

double digamma(double x) {
  if (!(x > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(x)) return x;
  double shift = 0;  // sum of 1/x over the recurrence steps
  while (x < 10) {
    shift += 1 / x;
    x += 1;
  }
  const double inv2 = 1 / (x * x);
  // B_2k / (2k) for k = 1..7: 1/12, -1/120, 1/252, -1/240, 1/132, -691/32760, 1/12.
  const double series =
      inv2 *
      (1.0 / 12 -
       inv2 * (1.0 / 120 -
               inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760 -
                                                                                   inv2 / 12))))));
  return std::log(x) - 0.5 / x - series - shift;
}

}  // namespace rapport::analytics::detail
