// server/analytics/hypergeometric.h
//
// The Gauss hypergeometric function 2F1(a, b; c; z) on 0 <= z < 1, as the BG/NBD
// conditional expectation needs it: evaluated in log space so that huge parameters (a
// customer with hundreds of purchases) neither overflow nor lose precision.

#pragma once

namespace rapport::analytics {

// 2F1 as sign * exp(log_abs). sign is 0 (log_abs = -inf) when the sum is exactly zero.
struct LogValue {
  double log_abs = 0;
  int sign = 1;
};

// Sums the power series  sum_k (a)_k (b)_k / ((c)_k k!) z^k  in scaled form until the
// remaining terms (bounded by a geometric tail) fall below 1e-16 of the sum.
// Requires 0 <= z < 1 and c not a non-positive integer; otherwise, or if the series has not
// converged after kMaxHypergeometricTerms terms (z extremely close to 1), log_abs is NaN.
// Cost grows like 1 / (1 - z) terms.
[[nodiscard]] LogValue log_hyp2f1(double a, double b, double c, double z);

inline constexpr int kMaxHypergeometricTerms = 2'000'000;

}  // namespace rapport::analytics
