// server/rewards/uplift.h
//
// Measuring what an offer or gesture does (docs/offers.md, "Hold-out groups and uplift"):
// each offer keeps a random but reproducible share of the members it is chosen for out of it
// (a hash of member id, offer id and salt), and its uplift is the difference in later visits
// and spend between the members who were shown it and those held out, with the difference's
// standard error and a 95 % confidence interval. Pure computation.

#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace rapport::rewards {

// True when `member` is in `offer`'s hold-out group: the first 8 bytes of
// SHA-256(salt ":" member ":" offer) as a fraction of 2^64, below `share`. The same inputs
// always answer the same; each offer draws its own group. share 0: nobody; 0.5: half.
[[nodiscard]] bool in_holdout(std::int64_t member, std::string_view offer, std::string_view salt,
                              double share);

// One member's record for one offer: were they shown it (treated) or held out, and what
// they did in the window after.
struct UpliftObservation {
  bool treated = false;
  double visits = 0;       // purchase days in the window
  double spend_cents = 0;  // net spend in the window
};

// Difference of two means (treated - held out) with Welch's standard error.
struct MeanDifference {
  double treated_mean = 0;
  double held_out_mean = 0;
  double uplift = 0;
  double standard_error = 0;  // 0 when either group has fewer than 2 members
  double ci_low = 0;          // uplift -/+ 1.96 standard errors
  double ci_high = 0;
};

struct Uplift {
  std::size_t treated = 0;
  std::size_t held_out = 0;
  MeanDifference visits;
  MeanDifference spend_cents;
  // False while either group has fewer than 2 members: no uncertainty can be stated.
  [[nodiscard]] bool measurable() const { return treated >= 2 && held_out >= 2; }
};

[[nodiscard]] Uplift measure_uplift(const std::vector<UpliftObservation>& observations);

}  // namespace rapport::rewards
