// tests/unit/analytics_holdout_test.cpp
//
// The forecast-quality check and model choice on CDNOW (fit on weeks 1-39, forecast weeks
// 40-78), the hold-out file format, and progress reporting (docs/value-models.md, "Hold-out
// check", "Choosing a model").

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "server/analytics/bgnbd.h"
#include "server/analytics/holdout.h"
#include "server/analytics/model_selection.h"
#include "server/analytics/progress.h"
#include "server/analytics/purchase_model.h"
#include "server/analytics/summary.h"
#include "server/analytics/transactions.h"
#include "tests/support/catch_result.h"

namespace {

using namespace rapport::analytics;
using Catch::Detail::Approx;

const std::filesystem::path kData = std::filesystem::path(RAPPORT_TEST_DATA_DIR) / "cdnow";

// Purchase days after 1997-09-30 per customer, counted straight from the raw log's text
// (blank-separated `master_id customer YYYYMMDD cds dollars`), independently of the readers.
std::map<std::string, double> holdout_days_from_raw_log() {
  std::ifstream in(kData / "CDNOW_sample.txt");
  std::set<std::pair<std::string, long>> days;
  std::string master, customer;
  long date = 0;
  double cds = 0, dollars = 0;
  std::map<std::string, double> out;
  while (in >> master >> customer >> date >> cds >> dollars) {
    customer = std::to_string(std::stol(customer));  // "0001" -> "1"
    out.try_emplace(customer, 0.0);
    if (date > 19970930 && days.emplace(customer, date).second) out[customer] += 1;
  }
  return out;
}

std::vector<Transaction> cdnow_log() {
  auto log = read_transactions(kData / "CDNOW_sample.txt");
  REQUIRE(log.has_value());
  return *log;
}

Summary shipped_summary() {
  auto summary = read_summary(kData / "cdnow_customers_summary.csv");
  REQUIRE(summary.has_value());
  return *summary;
}

std::vector<HoldoutCustomer> cdnow_holdout(const Summary& summary) {
  const auto log = cdnow_log();
  const auto holdout = summarize_holdout(log, *parse_iso_date("1997-09-30"),
                                         *parse_iso_date("1998-06-30"), TimeUnit::kWeeks);
  auto aligned = align_holdout(summary.customers, holdout);
  INFO((aligned ? std::string("ok") : aligned.error().message()));
  REQUIRE(aligned.has_value());
  return *aligned;
}

}  // namespace

TEST_CASE("the CDNOW hold-out counts each customer's purchase days in weeks 40-78",
          "[analytics][holdout]") {
  const auto log = cdnow_log();
  REQUIRE(last_transaction_date(log) == *parse_iso_date("1998-06-30"));
  const auto holdout = summarize_holdout(log, *parse_iso_date("1997-09-30"),
                                         last_transaction_date(log), TimeUnit::kWeeks);
  const auto expected = holdout_days_from_raw_log();
  REQUIRE(holdout.size() == 2357);
  REQUIRE(expected.size() == 2357);
  double total = 0;
  for (const auto& h : holdout) {
    INFO("customer " << h.id);
    REQUIRE(expected.count(h.id) == 1);
    CHECK(h.frequency == expected.at(h.id));
    CHECK(h.duration == 39.0);  // 1997-10-01 .. 1998-06-30: 273 days
    total += h.frequency;
  }
  // 1,959 rows after the calibration end, 1,882 distinct (customer, day) pairs.
  CHECK(total == 1882);
}

TEST_CASE("the hold-out CSV round-trips and bad files are refused with the row named",
          "[analytics][holdout]") {
  const std::vector<HoldoutCustomer> rows{{"7", 3, 39}, {"8", 0, 39}, {"9", 12, 38.5}};
  std::ostringstream out;
  write_holdout_csv(out, rows);
  CHECK(out.str() == "id,frequency_holdout,duration_holdout\n7,3,39\n8,0,39\n9,12,38.5\n");
  const auto back = parse_holdout(out.str());
  REQUIRE(back.has_value());
  REQUIRE(back->size() == 3);
  CHECK((*back)[2].id == "9");
  CHECK((*back)[2].frequency == 12);
  CHECK((*back)[2].duration == 38.5);

  const auto missing = parse_holdout("id,frequency_holdout\n1,2\n");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == AnalyticsErrc::kMissingColumn);
  const auto fractional =
      parse_holdout("id,frequency_holdout,duration_holdout\n1,2,39\n2,1.5,39\n");
  REQUIRE_FALSE(fractional.has_value());
  CHECK(fractional.error().code == AnalyticsErrc::kBadFrequency);
  CHECK(fractional.error().line == 3);
  const auto zero = parse_holdout("id,frequency_holdout,duration_holdout\n1,2,0\n");
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().code == AnalyticsErrc::kNegativeTime);
  const auto text = parse_holdout("id,frequency_holdout,duration_holdout\n1,two,39\n");
  REQUIRE_FALSE(text.has_value());
  CHECK(text.error().code == AnalyticsErrc::kBadNumber);
  CHECK(text.error().message().find("frequency_holdout 'two'") != std::string::npos);
}

TEST_CASE("a hold-out file must hold exactly the summary's customers", "[analytics][holdout]") {
  const std::vector<CustomerSummary> customers{{"a", 1, 2, 3, 0}, {"b", 0, 0, 3, 0}};
  const auto aligned = align_holdout(customers, {{"b", 4, 39}, {"a", 1, 39}});
  REQUIRE(aligned.has_value());
  CHECK((*aligned)[0].id == "a");
  CHECK((*aligned)[1].frequency == 4);

  const auto lacking = align_holdout(customers, {{"a", 1, 39}});
  REQUIRE_FALSE(lacking.has_value());
  CHECK(lacking.error().code == AnalyticsErrc::kHoldoutMismatch);
  CHECK(lacking.error().detail.find("'b'") != std::string::npos);
  const auto extra = align_holdout(customers, {{"a", 1, 39}, {"b", 0, 39}, {"c", 0, 39}});
  REQUIRE_FALSE(extra.has_value());
  CHECK(extra.error().detail.find("'c'") != std::string::npos);
  const auto twice = align_holdout(customers, {{"a", 1, 39}, {"a", 0, 39}});
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().detail.find("twice") != std::string::npos);
}

TEST_CASE("BG/NBD fitted on CDNOW weeks 1-39 forecasts weeks 40-78", "[analytics][holdout]") {
  const auto summary = shipped_summary();
  const auto holdout = cdnow_holdout(summary);
  const auto fit = fit_bgnbd(summary.customers);
  REQUIRE(fit);
  const auto table =
      compare_holdout(PurchaseModel(fit->params), summary.customers, holdout, kHoldoutLastBucket);

  // Actual: purchase days per bucket of calibration repeat purchases (0..6, 7+), counted from
  // the raw log with awk as well. Predicted: sum of E[Y(39) | x, t_x, T] per bucket, computed
  // independently with mpmath's hyp2f1 (30 digits) at the fitted parameters on this file.
  struct Expected {
    const char* label;
    std::size_t customers;
    double actual;
    double predicted;
  };
  const Expected expected[] = {{"0", 1411, 334, 317.597}, {"1", 439, 306, 229.652},
                               {"2", 214, 298, 223.445},  {"3", 100, 156, 152.026},
                               {"4", 62, 157, 134.162},   {"5", 38, 112, 100.849},
                               {"6", 29, 112, 101.619},   {"7+", 64, 407, 394.074}};
  REQUIRE(table.buckets.size() == 8);
  for (std::size_t k = 0; k < 8; ++k) {
    const auto& b = table.buckets[k];
    INFO("bucket " << b.label);
    CHECK(b.label == expected[k].label);
    CHECK(b.customers == expected[k].customers);
    CHECK(b.actual == expected[k].actual);
    CHECK(std::abs(b.predicted - expected[k].predicted) < 0.01);
    CHECK(b.actual_mean() == Approx(expected[k].actual / static_cast<double>(b.customers)));
  }
  CHECK(table.total.label == "all");
  CHECK(table.total.customers == 2357);
  CHECK(table.total.actual == 1882);
  CHECK(std::abs(table.total.predicted - 1653.423) < 0.01);
  // In aggregate BG/NBD forecasts 12 % fewer purchases than the customers made.
  CHECK(table.total.predicted / table.total.actual == Approx(0.8786).margin(0.001));

  double squared = 0, absolute = 0;
  for (std::size_t i = 0; i < holdout.size(); ++i) {
    const double e = bgnbd_expected_purchases(fit->params, summary.customers[i], 39);
    squared += (e - holdout[i].frequency) * (e - holdout[i].frequency);
    absolute += std::abs(e - holdout[i].frequency);
  }
  CHECK(table.rmse == Approx(std::sqrt(squared / 2357)).epsilon(1e-12));
  CHECK(table.mae == Approx(absolute / 2357).epsilon(1e-12));
}

TEST_CASE("the three purchase models are ranked by log-likelihood without a hold-out",
          "[analytics][holdout]") {
  const auto summary = shipped_summary();
  const auto comparison = compare_purchase_models(summary.customers);
  REQUIRE(comparison);
  CHECK(comparison->criterion == SelectionCriterion::kLogLikelihood);
  REQUIRE(comparison->candidates.size() == 3);
  // Published log-likelihoods: MBG/NBD -9582.13, BG/NBD -9582.43, Pareto/NBD -9594.97.
  CHECK(comparison->candidates[0].kind == PurchaseModelKind::kMbgNbd);
  CHECK(comparison->candidates[1].kind == PurchaseModelKind::kBgNbd);
  CHECK(comparison->candidates[2].kind == PurchaseModelKind::kParetoNbd);
  CHECK(comparison->chosen().fit->log_likelihood == Approx(-9582.133).margin(0.001));
  CHECK(comparison->candidates[1].fit->log_likelihood == Approx(-9582.426).margin(0.001));
  CHECK(comparison->candidates[2].fit->log_likelihood == Approx(-9594.974).margin(0.001));
  for (const auto& c : comparison->candidates) CHECK_FALSE(c.holdout.has_value());
}

TEST_CASE("with a hold-out the models are ranked by their hold-out error", "[analytics][holdout]") {
  const auto summary = shipped_summary();
  const auto holdout = cdnow_holdout(summary);
  const auto comparison = compare_purchase_models(summary.customers, &holdout);
  REQUIRE(comparison);
  CHECK(comparison->criterion == SelectionCriterion::kHoldoutRmse);
  REQUIRE(comparison->candidates.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& c = comparison->candidates[i];
    INFO(model_name(c.kind) << " rmse " << c.holdout->rmse);
    REQUIRE(c.fit);
    REQUIRE(c.holdout);
    // Each candidate's table is compare_holdout() of its own fit.
    const auto own = compare_holdout(c.fit->model, summary.customers, holdout);
    CHECK(c.holdout->rmse == own.rmse);
    CHECK(c.holdout->total.actual == 1882);
    if (i > 0) CHECK(comparison->candidates[i - 1].holdout->rmse <= c.holdout->rmse);
  }
}

TEST_CASE("progress is reported at the start, about every 1 % and at the end",
          "[analytics][progress]") {
  std::vector<Progress> seen;
  std::vector<std::string> stages;
  const ProgressCallback callback = [&](const Progress& p) {
    seen.push_back(p);
    stages.emplace_back(p.stage);
  };
  {
    ProgressTicker ticker(callback, "scoring customers", 1000);
    for (int i = 0; i < 1000; ++i) ticker.tick();
    ticker.finish();
    ticker.finish();  // once only
  }
  REQUIRE(seen.size() == 101);
  CHECK(seen.front().done == 0);
  CHECK(seen.back().done == 1000);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    CHECK(seen[i].done > seen[i - 1].done);
    CHECK(seen[i].total == 1000);
    CHECK(stages[i] == "scoring customers");
  }
  report_stage(callback, "fitting BG/NBD");
  CHECK(seen.back().total == 0);
  CHECK(stages.back() == "fitting BG/NBD");

  // No callback: nothing to call, and ticking stays cheap.
  ProgressTicker quiet({}, "nothing", 10);
  for (int i = 0; i < 10; ++i) quiet.tick();
  quiet.finish();
}
