// server/value/forecast_accuracy.h
//
// Forecast against actual on the chain's own data (docs/value-engine.md, "Forecast against
// actual"): the forecasts a full refresh kept for each member are compared, once time has
// passed, with the purchase days and spend the members actually had, in total and by bins of
// the forecast. Pure computation: the store supplies the rows.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/analytics/purchase_model.h"
#include "server/analytics/summary.h"

namespace rapport::value {

// One member of a forecast cohort and what they did since.
struct ForecastOutcome {
  analytics::CustomerSummary history;  // x, t_x, T in weeks at the forecast
  double expected_visits = 0;          // over the whole horizon, as the snapshot said
  std::int64_t expected_spend_cents = 0;
  std::int64_t actual_visits = 0;  // purchase days in the window
  std::int64_t actual_spend_cents = 0;
};

struct AccuracyBin {
  std::string bin;  // "all", then the forecast's bins: "0-1", "1-2", "2-4", "4-8", "8+"
  std::size_t members = 0;
  double expected_visits = 0;
  std::int64_t actual_visits = 0;
  std::int64_t expected_spend_cents = 0;
  std::int64_t actual_spend_cents = 0;
};

// `elapsed_weeks` of the `horizon_weeks` have passed: a shorter window is forecast again
// with `model` for that time (spend per visit as the snapshot's); a full one is the
// snapshot's own forecast. Bins follow the window's expected purchase days.
[[nodiscard]] std::vector<AccuracyBin> compare_forecasts(const analytics::PurchaseModel& model,
                                                         const std::vector<ForecastOutcome>& rows,
                                                         double elapsed_weeks,
                                                         double horizon_weeks);

}  // namespace rapport::value
