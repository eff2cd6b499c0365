// server/analytics/purchase_model.cpp
#include "server/analytics/purchase_model.h"

#include "server/analytics/purchase_model_support.h"

namespace rapport::analytics {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

std::string_view model_name(PurchaseModelKind kind) {
  switch (kind) {
    case PurchaseModelKind::kBgNbd:
      return "bgnbd";
    case PurchaseModelKind::kMbgNbd:
      return "mbgnbd";
    case PurchaseModelKind::kParetoNbd:
      return "paretonbd";
  }
  return "unknown";
}

std::string_view model_title(PurchaseModelKind kind) {
  switch (kind) {
    case PurchaseModelKind::kBgNbd:
      return "BG/NBD";
    case PurchaseModelKind::kMbgNbd:
      return "MBG/NBD";
    case PurchaseModelKind::kParetoNbd:
      return "Pareto/NBD";
  }
  return "unknown";
}

std::optional<PurchaseModelKind> parse_model_name(std::string_view name) {
  for (const auto kind : kPurchaseModelKinds) {
    if (model_name(kind) == name) return kind;
  }
  return std::nullopt;
}

PurchaseModelKind PurchaseModel::kind() const {
  return std::visit(
      Overloaded{[](const BgNbdParams&) { return PurchaseModelKind::kBgNbd; },
                 [](const MbgNbdParams&) { return PurchaseModelKind::kMbgNbd; },
                 [](const ParetoNbdParams&) { return PurchaseModelKind::kParetoNbd; }},
      params_);
}

std::vector<NamedParam> PurchaseModel::params() const {
  return std::visit(
      Overloaded{
          [](const BgNbdParams& p) {
            return std::vector<NamedParam>{{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}};
          },
          [](const MbgNbdParams& p) {
            return std::vector<NamedParam>{{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}};
          },
          [](const ParetoNbdParams& p) {
            return std::vector<NamedParam>{
                {"r", p.r}, {"alpha", p.alpha}, {"s", p.s}, {"beta", p.beta}};
          }},
      params_);
}

double PurchaseModel::p_alive(const CustomerSummary& customer) const {
  return std::visit(
      Overloaded{[&](const BgNbdParams& p) { return bgnbd_p_alive(p, customer); },
                 [&](const MbgNbdParams& p) { return mbgnbd_p_alive(p, customer); },
                 [&](const ParetoNbdParams& p) { return pareto_nbd_p_alive(p, customer); }},
      params_);
}

double PurchaseModel::expected_purchases(const CustomerSummary& customer, double horizon) const {
  return std::visit(
      Overloaded{
          [&](const BgNbdParams& p) { return bgnbd_expected_purchases(p, customer, horizon); },
          [&](const MbgNbdParams& p) { return mbgnbd_expected_purchases(p, customer, horizon); },
          [&](const ParetoNbdParams& p) {
            return pareto_nbd_expected_purchases(p, customer, horizon);
          }},
      params_);
}

double PurchaseModel::expected_purchases_if_alive(double frequency, double age,
                                                 double horizon) const {
  if (horizon <= 0) return 0.0;
  return std::visit(
      Overloaded{[&](const BgNbdParams& p) {
                   return detail::beta_geometric_expected_if_alive(p.r, p.alpha, p.a, p.b,
                                                                   frequency, age, horizon);
                 },
                 [&](const MbgNbdParams& p) {
                   // Given alive, p ~ Beta(a, b+x+1): the BG/NBD expression with b + 1.
                   return detail::beta_geometric_expected_if_alive(p.r, p.alpha, p.a, p.b + 1,
                                                                   frequency, age, horizon);
                 },
                 [&](const ParetoNbdParams& p) {
                   return pareto_nbd_expected_if_alive(p, frequency, age, horizon);
                 }},
      params_);
}

Result<PurchaseModelFit> fit_purchase_model(PurchaseModelKind kind,
                                            const std::vector<CustomerSummary>& customers) {
  auto wrap = [](const auto& fit) -> Result<PurchaseModelFit> {
    if (!fit) return fit.error();
    return PurchaseModelFit{PurchaseModel(fit->params), fit->log_likelihood, fit->customers,
                            fit->evaluations};
  };
  switch (kind) {
    case PurchaseModelKind::kBgNbd:
      return wrap(fit_bgnbd(customers));
    case PurchaseModelKind::kMbgNbd:
      return wrap(fit_mbgnbd(customers));
    case PurchaseModelKind::kParetoNbd:
      return wrap(fit_pareto_nbd(customers));
  }
  return make_error_code(AnalyticsErrc::kFitFailed);
}

}  // namespace rapport::analytics
