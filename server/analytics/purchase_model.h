// server/analytics/purchase_model.h
//
// The three purchase models (BG/NBD, MBG/NBD, Pareto/NBD) behind one value type: fit one by
// kind, then ask it for a customer's probability alive and expected purchases. What model
// comparison, the hold-out check, scoring and the report share (docs/value-models.md).

#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "server/analytics/bgnbd.h"
#include "server/analytics/mbgnbd.h"
#include "server/analytics/pareto_nbd.h"
#include "server/analytics/summary.h"
#include "shared/util/result.h"

namespace rapport::analytics {

enum class PurchaseModelKind { kBgNbd, kMbgNbd, kParetoNbd };

inline constexpr std::array<PurchaseModelKind, 3> kPurchaseModelKinds = {
    PurchaseModelKind::kBgNbd, PurchaseModelKind::kMbgNbd, PurchaseModelKind::kParetoNbd};

// The command line's name: "bgnbd", "mbgnbd", "paretonbd".
[[nodiscard]] std::string_view model_name(PurchaseModelKind kind);

// The name people write: "BG/NBD", "MBG/NBD", "Pareto/NBD".
[[nodiscard]] std::string_view model_title(PurchaseModelKind kind);

// The kind named `name` (as model_name() spells it); nullopt for anything else.
[[nodiscard]] std::optional<PurchaseModelKind> parse_model_name(std::string_view name);

struct NamedParam {
  std::string_view name;  // "r", "alpha", "a", "b", "s", "beta"
  double value = 0;
};

// One purchase model with its parameters. A small value; copy freely.
class PurchaseModel {
 public:
  explicit PurchaseModel(const BgNbdParams& params) : params_(params) {}
  explicit PurchaseModel(const MbgNbdParams& params) : params_(params) {}
  explicit PurchaseModel(const ParetoNbdParams& params) : params_(params) {}

  [[nodiscard]] PurchaseModelKind kind() const;

  // The parameters in the order `rapportctl value fit` prints them.
  [[nodiscard]] std::vector<NamedParam> params() const;

  // P(still active | x, t_x, T), as the model's own *_p_alive().
  [[nodiscard]] double p_alive(const CustomerSummary& customer) const;

  // E[purchases in (T, T + horizon] | x, t_x, T], as the model's own *_expected_purchases()
  // (and with its requirements: horizon >= 0; a != 1 for the beta-geometric models).
  [[nodiscard]] double expected_purchases(const CustomerSummary& customer, double horizon) const;

  // The same given alive: every model here factors as
  //   expected_purchases(c, h) = p_alive(c) * expected_purchases_if_alive(c.frequency, c.age, h),
  // and this part does not depend on t_x. Many customers share (x, T) where few share
  // (x, t_x, T), so scoring caches it (scoring.cpp).
  [[nodiscard]] double expected_purchases_if_alive(double frequency, double age,
                                                   double horizon) const;

  [[nodiscard]] const std::variant<BgNbdParams, MbgNbdParams, ParetoNbdParams>& variant() const {
    return params_;
  }

 private:
  std::variant<BgNbdParams, MbgNbdParams, ParetoNbdParams> params_;
};

struct PurchaseModelFit {
  PurchaseModel model;
  double log_likelihood = 0;  // summed over customers
  std::size_t customers = 0;
  int evaluations = 0;
};

// fit_bgnbd(), fit_mbgnbd() or fit_pareto_nbd(), with their errors.
[[nodiscard]] Result<PurchaseModelFit> fit_purchase_model(
    PurchaseModelKind kind, const std::vector<CustomerSummary>& customers);

}  // namespace rapport::analytics
