// server/analytics/value_report.h
//
// The customer value report: one self-contained HTML page (the charting script inlined, no
// network needed) with the purchase models' fits and which one was chosen, heat maps of
// probability alive and expected purchases over frequency and recency, the hold-out check by
// number of calibration purchases, and the distribution of lifetime value. Computing its
// numbers and rendering them are separate pure functions; every chart's numbers are also in
// the page as JSON (docs/value-models.md, "Report").

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/analytics/clv.h"
#include "server/analytics/gamma_gamma.h"
#include "server/analytics/holdout.h"
#include "server/analytics/model_selection.h"
#include "server/analytics/progress.h"
#include "server/analytics/purchase_model.h"
#include "server/analytics/summary.h"
#include "shared/util/result.h"

namespace rapport::analytics {

struct ReportOptions {
  ClvOptions clv;                   // lifetime value; its horizon is also the heat map's
  std::size_t heatmap_size = 40;    // at most this many rows and columns per heat map
  std::size_t histogram_bins = 30;  // bins of the value histogram
  std::string title = "Customer value report";
  std::string source;  // the input's name, shown under the title
};

// A quantity of a hypothetical customer with age T = `age` over a grid of frequency (rows)
// and recency (columns). The cell (i, j) is the customer {x = frequency[i], t_x = recency[j]
// (0 when x = 0, the only recency such a customer can have), T = age}.
struct Heatmap {
  std::vector<double> frequency;  // whole numbers from 0 to the largest x
  std::vector<double> recency;    // evenly spaced from 0 to age
  double age = 0;
  std::vector<std::vector<double>> values;  // values[i][j]
};

enum class HeatmapQuantity {
  kPAlive,             // PurchaseModel::p_alive()
  kExpectedPurchases,  // PurchaseModel::expected_purchases() over `horizon`
};

// The grid has min(size, max_frequency + 1) rows, frequency[i] = round(i * max_frequency /
// (rows - 1)), and min(size, ceil(age) + 1) columns (at least 2), recency[j] = j * age /
// (columns - 1). Requires size >= 2, max_frequency >= 0, age > 0.
[[nodiscard]] Heatmap make_heatmap(const PurchaseModel& model, HeatmapQuantity quantity,
                                   double max_frequency, double age, double horizon,
                                   std::size_t size);

// Counts of `values` in `bins` equal bins from min(0, smallest) up to the 99th percentile
// (nearest rank); the last bin also counts everything above, so a long tail does not squash
// the rest into one bar. Non-finite values are left out (and counted in `skipped`).
struct Histogram {
  std::vector<double> edges;        // bins + 1 increasing edges
  std::vector<std::size_t> counts;  // bins counts; the last is open-ended
  std::size_t skipped = 0;
  double mean = 0;
  double median = 0;
  double total = 0;
};

// Requires bins >= 1.
[[nodiscard]] Histogram make_histogram(std::vector<double> values, std::size_t bins);

struct ValueReport {
  std::size_t customers = 0;
  std::size_t repeat_customers = 0;
  ModelComparison comparison;          // the charts use comparison.chosen()
  std::optional<GammaGammaFit> spend;  // when the summary has spend
  Heatmap p_alive;
  Heatmap expected_purchases;  // over options.clv.horizon
  bool has_holdout = false;    // each candidate's `holdout` is set
  bool value_is_clv = false;   // false: `value` is of expected purchases (no spend)
  Histogram value;             // per customer, from score_customers()
};

// Fits the three purchase models (compare_purchase_models), Gamma-Gamma when the summary has
// spend, and computes every chart's numbers for the chosen model. `holdout`, when given, must
// be aligned with summary.customers (align_holdout). Errors: compare_purchase_models()'s, or
// fit_gamma_gamma()'s when the summary has spend.
[[nodiscard]] Result<ValueReport> compute_value_report(const Summary& summary,
                                                       const std::vector<HoldoutCustomer>* holdout,
                                                       const ReportOptions& options,
                                                       const ProgressCallback& progress = {});

// Where Debian's libjs-chart.js puts the Chart.js 3 bundle the page inlines.
inline constexpr const char* kDebianChartJsPath = "/usr/share/javascript/chart.js/chart.min.js";

// The page. `chart_js` is the Chart.js 3 UMD bundle, inlined as it is (any "</script" in it
// is escaped). Each chart's numbers are in a <script type="application/json"> block:
//   fit-data                 models, parameters, log-likelihoods, hold-out errors, chosen
//   p-alive-data             Heatmap of probability alive
//   expected-purchases-data  Heatmap of expected purchases (plus "horizon")
//   holdout-data             by calibration purchases: customers, actual and predicted means
//                            (only with a hold-out)
//   value-data               the Histogram (plus "quantity": "clv" or "expected_purchases")
[[nodiscard]] std::string render_value_report_html(const ValueReport& report,
                                                   const ReportOptions& options,
                                                   std::string_view chart_js);

}  // namespace rapport::analytics
