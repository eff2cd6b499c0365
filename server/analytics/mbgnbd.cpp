// server/analytics/mbgnbd.cpp
//
// MBG/NBD likelihood in log space (lgamma, a two-term log-sum-exp), the fit over unique
// (x, t_x, T) rows weighted by their count, and the conditional expectations. The same
// shape as bgnbd.cpp with b + 1 where the extra dropout chance at time 0 enters.

#include "server/analytics/mbgnbd.h"

#include <cmath>
#include <span>

#include "server/analytics/purchase_model_support.h"

namespace rapport::analytics {
namespace {

MbgNbdParams from_log(std::span<const double> v) {
  return {std::exp(v[0]), std::exp(v[1]), std::exp(v[2]), std::exp(v[3])};
}

double log_likelihood(const MbgNbdParams& p, const detail::Histories& h,
                      std::span<double> gradient) {
  return detail::beta_geometric_log_likelihood(p.r, p.alpha, p.a, p.b, /*modified=*/true, h,
                                               gradient);
}

}  // namespace

double mbgnbd_log_likelihood(const MbgNbdParams& params,
                             const std::vector<CustomerSummary>& customers) {
  return log_likelihood(params, detail::prepare_histories(customers), {});
}

Result<MbgNbdFit> fit_mbgnbd(const std::vector<CustomerSummary>& customers) {
  const auto m = detail::fit_beta_geometric(customers, /*modified=*/true);
  if (!m) return m.error();
  return MbgNbdFit{from_log(m->point), -m->value, customers.size(), m->evaluations};
}

double mbgnbd_p_alive(const MbgNbdParams& p, const CustomerSummary& c) {
  return detail::beta_geometric_p_alive(p.r, p.alpha, p.a, p.b, /*modified=*/true, c);
}

double mbgnbd_expected_purchases(const MbgNbdParams& p, const CustomerSummary& c, double horizon) {
  if (horizon <= 0) return 0.0;
  // Given alive, p ~ Beta(a, b+x+1): the BG/NBD expression with b + 1 for b.
  return mbgnbd_p_alive(p, c) *
         detail::beta_geometric_expected_if_alive(p.r, p.alpha, p.a, p.b + 1, c, horizon);
}

std::vector<AliveAndPurchases> mbgnbd_forecast(const MbgNbdParams& p,
                                               const std::vector<CustomerSummary>& customers,
                                               double horizon) {
  return detail::beta_geometric_forecast(p.r, p.alpha, p.a, p.b, /*modified=*/true, customers,
                                         horizon);
}

}  // namespace rapport::analytics
