// server/analytics/hypergeometric.cpp
//
// Direct summation of the hypergeometric series with a running scale: the sum is kept as
// S * exp(m) with m the largest log-term so far, so terms of any size add without overflow.

#include "server/analytics/hypergeometric.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rapport::analytics {

LogValue log_hyp2f1(double a, double b, double c, double z) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kEpsilon = 1e-16;
  if (!(z >= 0 && z < 1) || (c <= 0 && c == std::floor(c))) return {kNaN, 1};
  if (z == 0 || a == 0 || b == 0) return {0.0, 1};

  const double log_z = std::log(z);
  const double past = std::max({std::abs(a), std::abs(b), std::abs(c)});
  double log_term = 0;  // log |t_k|, t_0 = 1
  int term_sign = 1;
  double scale = 0;   // m
  double scaled = 1;  // S: the sum so far is S * exp(m)
  for (int k = 0; k < kMaxHypergeometricTerms; ++k) {
    const double dk = static_cast<double>(k);
    const double ratio = (a + dk) * (b + dk) / ((c + dk) * (dk + 1));  // t_{k+1} / t_k / z
    if (ratio == 0) break;  // a or b is a non-positive integer: a polynomial, now complete
    log_term += std::log(std::abs(ratio)) + log_z;
    if (ratio < 0) term_sign = -term_sign;
    if (log_term > scale) {
      scaled *= std::exp(scale - log_term);
      scale = log_term;
    }
    const double term = std::exp(log_term - scale);
    scaled += term_sign * term;
    // Past every parameter the term ratios move monotonically towards z, so with
    // q = max(|t_{k+2}/t_{k+1}|, z) < 1 the tail is at most |t_{k+1}| q / (1 - q).
    const double next_ratio = std::abs((a + dk + 1) * (b + dk + 1) / ((c + dk + 1) * (dk + 2))) * z;
    const double q = std::max(next_ratio, z);
    if (dk + 1 > past && q < 1 && term * q / (1 - q) <= kEpsilon * std::abs(scaled)) {
      if (scaled == 0) return {-std::numeric_limits<double>::infinity(), 0};
      return {scale + std::log(std::abs(scaled)), scaled < 0 ? -1 : 1};
    }
  }
  return {kNaN, 1};
}

}  // namespace rapport::analytics
