// server/analytics/hypergeometric.cpp
//
// Direct summation of the hypergeometric series with a running scale: the sum is kept as
// S * 10^(200 j), rescaled whenever a term passes 1e200, so terms of any size add without
// overflow and without a log and an exp per term. Near z = 1 the z -> 1-z transformation.

#include "server/analytics/hypergeometric.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rapport::analytics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMinusInf = -kInf;

// A value with how many nats of precision cancellation cost it: log of the largest term that
// went into it minus log of the result (0 for a sum of positive terms).
struct Evaluated {
  LogValue value;
  double loss = 0;
};

Evaluated series(double a, double b, double c, double z) {
  constexpr double kEpsilon = 1e-16;
  constexpr double kBig = 1e200;
  const double log_big = std::log(kBig);
  if (z == 0 || a == 0 || b == 0) return {{0.0, 1}, 0};
  const double past = std::max({std::abs(a), std::abs(b), std::abs(c)});
  double term = 1;
  double sum = 1;  // the sum so far is sum * exp(scale)
  double scale = 0;
  double largest = 1;  // the largest |term|, at the current scale
  bool done = false;
  for (int k = 0; k < kMaxHypergeometricTerms; ++k) {
    const double dk = static_cast<double>(k);
    const double ratio = (a + dk) * (b + dk) / ((c + dk) * (dk + 1)) * z;  // t_{k+1} / t_k
    if (ratio == 0) {  // a or b is a non-positive integer: a polynomial, now complete
      done = true;
      break;
    }
    term *= ratio;
    sum += term;
    largest = std::max(largest, std::abs(term));
    if (std::abs(term) > kBig) {
      term /= kBig;
      sum /= kBig;
      largest /= kBig;
      scale += log_big;
    }
    // Past every parameter the term ratios move monotonically towards z, so with
    // q = max(|t_{k+2}/t_{k+1}|, z) < 1 the tail is at most |t_{k+1}| q / (1 - q).
    if (dk + 1 > past) {
      const double next = std::abs((a + dk + 1) * (b + dk + 1) / ((c + dk + 1) * (dk + 2))) * z;
      const double q = std::max(next, z);
      if (q < 1 && std::abs(term) * q / (1 - q) <= kEpsilon * std::abs(sum)) {
        done = true;
        break;
      }
    }
  }
  if (!done) return {{kNaN, 1}, 0};
  if (sum == 0) return {{kMinusInf, 0}, kInf};
  return {{scale + std::log(std::abs(sum)), sum < 0 ? -1 : 1},
          std::log(largest) - std::log(std::abs(sum))};
}

// log |Gamma(x)| with the sign of Gamma(x) in `sign`; +infinity (sign 0) at the poles.
double log_abs_gamma(double x, int& sign) {
  if (x <= 0 && x == std::floor(x)) {
    sign = 0;
    return std::numeric_limits<double>::infinity();
  }
  // Gamma is negative on (-1, 0), (-3, -2), ...: where floor(x) is odd.
  sign = x > 0 || static_cast<long long>(std::floor(x)) % 2 == 0 ? 1 : -1;
  return std::lgamma(x);
}

// sign1 e^log1 + sign2 e^log2 as a LogValue.
LogValue signed_sum(double log1, int sign1, double log2, int sign2) {
  if (sign1 == 0) return {log2, sign2};
  if (sign2 == 0) return {log1, sign1};
  const double hi = std::max(log1, log2);
  const double lo = std::min(log1, log2);
  const int hi_sign = log1 >= log2 ? sign1 : sign2;
  if (sign1 == sign2) return {hi + std::log1p(std::exp(lo - hi)), hi_sign};
  if (hi == lo) return {kMinusInf, 0};
  return {hi + std::log(-std::expm1(lo - hi)), hi_sign};
}

// The z -> 1-z transformation (A&S 15.3.6). Requires c - a - b not an integer.
Evaluated transformed(double a, double b, double c, double z) {
  const double d = c - a - b;
  const double w = 1 - z;  // exact for z >= 0.5
  int s_c, s_d, s_md, s_ca, s_cb, s_a, s_b;
  const double lg_c = log_abs_gamma(c, s_c);
  const double lg_d = log_abs_gamma(d, s_d);
  const double lg_md = log_abs_gamma(-d, s_md);
  const double lg_ca = log_abs_gamma(c - a, s_ca);
  const double lg_cb = log_abs_gamma(c - b, s_cb);
  const double lg_a = log_abs_gamma(a, s_a);
  const double lg_b = log_abs_gamma(b, s_b);
  double log1 = kMinusInf, log2 = kMinusInf;
  int sign1 = 0, sign2 = 0;
  double largest = kMinusInf;    // log of the largest term in either part
  if (s_ca != 0 && s_cb != 0) {  // otherwise 1/Gamma(c-a) or 1/Gamma(c-b) is 0
    const Evaluated f1 = series(a, b, 1 - d, w);
    if (std::isnan(f1.value.log_abs)) return f1;
    log1 = lg_c + lg_d - lg_ca - lg_cb + f1.value.log_abs;
    sign1 = s_c * s_d * s_ca * s_cb * f1.value.sign;
    largest = log1 + f1.loss;
  }
  if (s_a != 0 && s_b != 0) {
    const Evaluated f2 = series(c - a, c - b, 1 + d, w);
    if (std::isnan(f2.value.log_abs)) return f2;
    log2 = d * std::log(w) + lg_c + lg_md - lg_a - lg_b + f2.value.log_abs;
    sign2 = s_c * s_md * s_a * s_b * f2.value.sign;
    largest = std::max(largest, log2 + f2.loss);
  }
  const LogValue sum = signed_sum(log1, sign1, log2, sign2);
  return {sum, sum.sign == 0 ? kInf : largest - sum.log_abs};
}

// The transformation where c - a - b is within kHypergeometricIntegerGap of an integer:
// interpolated in c (cubic Lagrange) through the points 1 and 2 gaps either side of it.
Evaluated interpolated(double a, double b, double c, double z) {
  const double d = c - a - b;
  const double off = d - std::round(d);
  constexpr double kNodes[4] = {-2, -1, 1, 2};
  const double h = kHypergeometricIntegerGap;
  const double at = off / h;  // where c lies, in gaps from the integer
  Evaluated f[4];
  double top = kMinusInf;
  double loss = 0;
  for (int i = 0; i < 4; ++i) {
    const double ci = c - off + kNodes[i] * h;
    if (ci <= 0 && ci == std::floor(ci)) return {{kNaN, 1}, 0};
    f[i] = transformed(a, b, ci, z);
    if (std::isnan(f[i].value.log_abs)) return f[i];
    top = std::max(top, f[i].value.log_abs);
    loss = std::max(loss, f[i].loss);
  }
  if (top == kMinusInf) return {{kMinusInf, 0}, kInf};
  double v = 0, magnitude = 0;
  for (int i = 0; i < 4; ++i) {
    double weight = 1;
    for (int j = 0; j < 4; ++j) {
      if (j != i) weight *= (at - kNodes[j]) / (kNodes[i] - kNodes[j]);
    }
    const double term = weight * f[i].value.sign * std::exp(f[i].value.log_abs - top);
    v += term;
    magnitude += std::abs(term);
  }
  if (v == 0) return {{kMinusInf, 0}, kInf};
  return {{top + std::log(std::abs(v)), v < 0 ? -1 : 1},
          loss + std::log(magnitude) - std::log(std::abs(v))};
}

}  // namespace

LogValue log_hyp2f1(double a, double b, double c, double z) {
  if (!(z >= 0 && z < 1) || (c <= 0 && c == std::floor(c))) return {kNaN, 1};
  if (z <= kHypergeometricTransformAbove) return series(a, b, c, z).value;
  const double d = c - a - b;
  const bool near_integer = std::abs(d - std::round(d)) < kHypergeometricIntegerGap;
  // Near an integer d the series itself is affordable and exact up to
  // kHypergeometricDirectBelow.
  if (near_integer && z <= kHypergeometricDirectBelow) return series(a, b, c, z).value;
  const Evaluated t = near_integer ? interpolated(a, b, c, z) : transformed(a, b, c, z);
  if (!std::isnan(t.value.log_abs) && t.loss <= kHypergeometricMaxLoss) return t.value;
  // The transformation cancels (large parameters, as for heavy buyers): sum the series
  // instead if it converges within the term cap, and keep whichever lost less.
  const Evaluated s = series(a, b, c, z);
  if (std::isnan(s.value.log_abs)) return t.value;
  return std::isnan(t.value.log_abs) || s.loss <= t.loss ? s.value : t.value;
}

}  // namespace rapport::analytics
