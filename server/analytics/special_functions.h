// server/analytics/special_functions.h
//
// Special functions the likelihood gradients need that the standard library lacks (it has
// lgamma): the digamma function. Internal to rapport_analytics.

#pragma once

namespace rapport::analytics::detail {

// psi(x) = d/dx log Gamma(x) for x > 0, to a few 1e-16 absolute (and so relative, except
// near the root x = 1.4616...): the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then
// the asymptotic series. NaN for x <= 0 or NaN.
[[nodiscard]] double digamma(double x);

}  // namespace rapport::analytics::detail
