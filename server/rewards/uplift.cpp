// server/rewards/uplift.cpp
#include "server/rewards/uplift.h"

#include <cmath>
#include <span>
#include <string>

#include "shared/crypto/digest.h"

namespace rapport::rewards {
namespace {

constexpr double kZ95 = 1.959963984540054;

struct Moments {
  std::size_t n = 0;
  double mean = 0;
  double m2 = 0;  // sum of squared deviations (Welford)
  void add(double x) {
    ++n;
    const double delta = x - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (x - mean);
  }
  [[nodiscard]] double variance_of_mean() const {
    return n < 2 ? 0 : m2 / static_cast<double>(n - 1) / static_cast<double>(n);
  }
};

MeanDifference difference(const Moments& treated, const Moments& held_out) {
  MeanDifference d;
  d.treated_mean = treated.mean;
  d.held_out_mean = held_out.mean;
  d.uplift = treated.mean - held_out.mean;
  if (treated.n >= 2 && held_out.n >= 2) {
    d.standard_error = std::sqrt(treated.variance_of_mean() + held_out.variance_of_mean());
  }
  d.ci_low = d.uplift - kZ95 * d.standard_error;
  d.ci_high = d.uplift + kZ95 * d.standard_error;
  return d;
}

}  // namespace

bool in_holdout(std::int64_t member, std::string_view offer, std::string_view salt, double share) {
  if (share <= 0) return false;
  std::string key(salt);
  key += ":" + std::to_string(member) + ":";
  key += offer;
  const auto digest =
      crypto::sha256(std::span(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value = (value << 8U) | digest[i];
  // The top 53 bits as a fraction in [0, 1).
  const double fraction = static_cast<double>(value >> 11U) * 0x1.0p-53;
  return fraction < share;
}

Uplift measure_uplift(const std::vector<UpliftObservation>& observations) {
  Moments visits_t, visits_h, spend_t, spend_h;
  for (const auto& o : observations) {
    (o.treated ? visits_t : visits_h).add(o.visits);
    (o.treated ? spend_t : spend_h).add(o.spend_cents);
  }
  Uplift u;
  u.treated = visits_t.n;
  u.held_out = visits_h.n;
  u.visits = difference(visits_t, visits_h);
  u.spend_cents = difference(spend_t, spend_h);
  return u;
}

}  // namespace rapport::rewards
