// server/value/forecast_accuracy.cpp
#include "server/value/forecast_accuracy.h"

#include <array>
#include <cmath>

namespace rapport::value {

std::vector<AccuracyBin> compare_forecasts(const analytics::PurchaseModel& model,
                                           const std::vector<ForecastOutcome>& rows,
                                           double elapsed_weeks, double horizon_weeks) {
  constexpr std::array<double, 4> kUpper{1, 2, 4, 8};
  std::vector<AccuracyBin> bins{{"all"}, {"0-1"}, {"1-2"}, {"2-4"}, {"4-8"}, {"8+"}};
  for (const auto& row : rows) {
    double visits = row.expected_visits;
    double spend = static_cast<double>(row.expected_spend_cents);
    if (elapsed_weeks < horizon_weeks) {
      const double per_visit = row.expected_visits > 0 ? spend / row.expected_visits : 0;
      visits = model.expected_purchases(row.history, elapsed_weeks);
      if (!std::isfinite(visits)) visits = 0;
      spend = visits * per_visit;
    }
    std::size_t bin = 1;
    while (bin - 1 < kUpper.size() && visits >= kUpper[bin - 1]) ++bin;
    for (const std::size_t b : {std::size_t{0}, bin}) {
      auto& out = bins[b];
      ++out.members;
      out.expected_visits += visits;
      out.actual_visits += row.actual_visits;
      out.expected_spend_cents += std::llround(spend);
      out.actual_spend_cents += row.actual_spend_cents;
    }
  }
  return bins;
}

}  // namespace rapport::value
