// server/analytics/hypergeometric.h
//
// The Gauss hypergeometric function 2F1(a, b; c; z) on 0 <= z < 1, as the BG/NBD
// conditional expectation and the Pareto/NBD likelihood need it: evaluated with a running
// scale and returned in log space, so that huge parameters (a customer with hundreds of
// purchases) neither overflow nor lose precision.

#pragma once

namespace rapport::analytics {

// 2F1 as sign * exp(log_abs). sign is 0 (log_abs = -inf) when the sum is exactly zero.
struct LogValue {
  double log_abs = 0;
  int sign = 1;
};

// For z <= kHypergeometricTransformAbove: the power series
//   sum_k (a)_k (b)_k / ((c)_k k!) z^k
// summed in linear space with a running scale until the remaining terms (bounded by a
// geometric tail) fall below 1e-16 of the sum.
// Above it: the z -> 1-z transformation (Abramowitz & Stegun 15.3.6),
//   2F1(a,b;c;z) = G(c)G(d)/(G(c-a)G(c-b)) 2F1(a,b;1-d;1-z)
//                + (1-z)^d G(c)G(-d)/(G(a)G(b)) 2F1(c-a,c-b;1+d;1-z),   d = c-a-b,
// whose series converge fast near z = 1; it loses about 1e-16/|d - round(d)| relative to
// the cancelling poles of its two terms. Where d is within kHypergeometricIntegerGap of an
// integer the series is summed directly up to z = kHypergeometricDirectBelow (at most some
// 10^4 terms), and beyond that the value is interpolated in c (cubic, through the points 1
// and 2 gaps either side of the integer): about 1e-12 relative. When the transformation's
// terms cancel by more than kHypergeometricMaxLoss (parameters in the hundreds, say), the
// series is summed after all, if it converges within kMaxHypergeometricTerms terms.
// Requires 0 <= z < 1 and c not a non-positive integer; otherwise, or if a series has not
// converged after kMaxHypergeometricTerms terms, log_abs is NaN.
[[nodiscard]] LogValue log_hyp2f1(double a, double b, double c, double z);

inline constexpr int kMaxHypergeometricTerms = 2'000'000;
inline constexpr double kHypergeometricTransformAbove = 0.9;
inline constexpr double kHypergeometricIntegerGap = 1e-4;
inline constexpr double kHypergeometricDirectBelow = 0.999;
// Nats of precision the transformation may lose to cancellation (log 1e3) before the series
// is summed instead.
inline constexpr double kHypergeometricMaxLoss = 6.9;

}  // namespace rapport::analytics
