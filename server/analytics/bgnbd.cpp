// server/analytics/bgnbd.cpp
//
// BG/NBD likelihood in log space (lgamma, a two-term log-sum-exp), the fit over unique
// (x, t_x, T) rows weighted by their count, and the conditional expectations.

#include "server/analytics/bgnbd.h"

#include <cmath>
#include <span>

#include "server/analytics/purchase_model_support.h"

namespace rapport::analytics {
namespace {

BgNbdParams from_log(std::span<const double> v) {
  return {std::exp(v[0]), std::exp(v[1]), std::exp(v[2]), std::exp(v[3])};
}

double log_likelihood(const BgNbdParams& p, const detail::Histories& h,
                      std::span<double> gradient) {
  return detail::beta_geometric_log_likelihood(p.r, p.alpha, p.a, p.b, /*modified=*/false, h,
                                               gradient);
}

}  // namespace

double bgnbd_log_likelihood(const BgNbdParams& params,
                            const std::vector<CustomerSummary>& customers) {
  return log_likelihood(params, detail::prepare_histories(customers), {});
}

Result<BgNbdFit> fit_bgnbd(const std::vector<CustomerSummary>& customers) {
  const auto m = detail::fit_beta_geometric(customers, /*modified=*/false);
  if (!m) return m.error();
  return BgNbdFit{from_log(m->point), -m->value, customers.size(), m->evaluations};
}

double bgnbd_p_alive(const BgNbdParams& p, const CustomerSummary& c) {
  return detail::beta_geometric_p_alive(p.r, p.alpha, p.a, p.b, /*modified=*/false, c);
}

double bgnbd_expected_purchases(const BgNbdParams& p, const CustomerSummary& c, double horizon) {
  if (horizon <= 0) return 0.0;
  // Given alive, p ~ Beta(a, b+x).
  return bgnbd_p_alive(p, c) *
         detail::beta_geometric_expected_if_alive(p.r, p.alpha, p.a, p.b, c, horizon);
}

std::vector<AliveAndPurchases> bgnbd_forecast(const BgNbdParams& p,
                                              const std::vector<CustomerSummary>& customers,
                                              double horizon) {
  return detail::beta_geometric_forecast(p.r, p.alpha, p.a, p.b, /*modified=*/false, customers,
                                         horizon);
}

}  // namespace rapport::analytics
