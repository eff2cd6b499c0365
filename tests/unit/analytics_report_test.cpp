// tests/unit/analytics_report_test.cpp
//
// The HTML value report: every chart's embedded JSON equals the numbers the model functions
// compute, the page is self-contained, and text is escaped (docs/value-models.md, "Report").

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "server/analytics/bgnbd.h"
#include "server/analytics/clv.h"
#include "server/analytics/gamma_gamma.h"
#include "server/analytics/holdout.h"
#include "server/analytics/mbgnbd.h"
#include "server/analytics/pareto_nbd.h"
#include "server/analytics/purchase_model.h"
#include "server/analytics/summary.h"
#include "server/analytics/transactions.h"
#include "server/analytics/value_report.h"
#include "tests/support/catch_result.h"

namespace {

using namespace rapport::analytics;
namespace json = boost::json;
using Catch::Detail::Approx;

const std::filesystem::path kData = std::filesystem::path(RAPPORT_TEST_DATA_DIR) / "cdnow";

// The real Chart.js bundle from Debian's libjs-chart.js (scripts/install-deps.sh installs it),
// as `rapportctl value report` inlines it.
std::string debian_chart_js() {
  std::ifstream file(kDebianChartJsPath, std::ios::binary);
  REQUIRE(file.good());  // missing: install libjs-chart.js (scripts/install-deps.sh)
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

Summary load(const std::string& name) {
  auto summary = read_summary(kData / name);
  REQUIRE(summary.has_value());
  return *summary;
}

// The JSON of <script type="application/json" id="`id`">, or null when there is none.
json::value embedded(const std::string& html, const std::string& id) {
  const std::string open = "<script type=\"application/json\" id=\"" + id + "\">";
  const auto start = html.find(open);
  if (start == std::string::npos) return nullptr;
  const auto body = start + open.size();
  const auto end = html.find("</script>", body);
  REQUIRE(end != std::string::npos);
  return json::parse(html.substr(body, end - body));
}

double num(const json::value& v) { return v.to_number<double>(); }

// Boost.JSON 1.81 prints doubles exactly (shortest round trip) but may parse them 1 ulp off.
bool same(double page, double computed) {
  return std::abs(page - computed) <= 1e-15 * std::abs(computed);
}

std::vector<double> nums(const json::value& v) {
  std::vector<double> out;
  for (const auto& e : v.as_array()) out.push_back(num(e));
  return out;
}

// The chosen model rebuilt from the page's own parameters.
PurchaseModel model_from(const json::object& fit) {
  const auto chosen = fit.at("chosen").as_string();
  for (const auto& m : fit.at("models").as_array()) {
    const auto& o = m.as_object();
    if (o.at("model").as_string() != chosen) continue;
    const auto& p = o.at("params").as_object();
    if (chosen == "paretonbd") {
      return PurchaseModel(
          ParetoNbdParams{num(p.at("r")), num(p.at("alpha")), num(p.at("s")), num(p.at("beta"))});
    }
    if (chosen == "mbgnbd") {
      return PurchaseModel(
          MbgNbdParams{num(p.at("r")), num(p.at("alpha")), num(p.at("a")), num(p.at("b"))});
    }
    return PurchaseModel(
        BgNbdParams{num(p.at("r")), num(p.at("alpha")), num(p.at("a")), num(p.at("b"))});
  }
  FAIL("the chosen model is not among the models");
  return PurchaseModel(BgNbdParams{});
}

// Each heat-map cell is the model's own function at {x, t_x (0 for x = 0), T}.
void check_heatmap(const json::object& map, const PurchaseModel& model, double horizon,
                   bool p_alive, double max_frequency, double max_age) {
  const auto frequency = nums(map.at("frequency"));
  const auto recency = nums(map.at("recency"));
  const double age = num(map.at("age"));
  CHECK(age == max_age);
  REQUIRE(frequency.size() == static_cast<std::size_t>(max_frequency) + 1);  // under 40
  CHECK(frequency.back() == max_frequency);
  REQUIRE(recency.size() == 40);
  CHECK(recency.front() == 0);
  CHECK(recency.back() == Approx(max_age));
  const auto& rows = map.at("values").as_array();
  REQUIRE(rows.size() == frequency.size());
  for (std::size_t i = 0; i < frequency.size(); ++i) {
    const auto row = nums(rows[i]);
    REQUIRE(row.size() == recency.size());
    for (std::size_t j = 0; j < recency.size(); ++j) {
      const CustomerSummary c{"", frequency[i], frequency[i] == 0 ? 0.0 : recency[j], age, 0};
      const double expected = p_alive ? model.p_alive(c) : model.expected_purchases(c, horizon);
      INFO("x=" << frequency[i] << " t_x=" << recency[j]);
      REQUIRE(row[j] == Approx(expected).epsilon(1e-12));
    }
  }
}

}  // namespace

TEST_CASE("the report's embedded chart data equal the models' numbers on CDNOW",
          "[analytics][report]") {
  const auto summary = load("cdnow_customers_summary_with_transactions.csv");
  auto log = read_transactions(kData / "CDNOW_sample.txt");
  REQUIRE(log.has_value());
  const auto holdout_rows = summarize_holdout(*log, *parse_iso_date("1997-09-30"),
                                              *parse_iso_date("1998-06-30"), TimeUnit::kWeeks);
  const auto holdout = align_holdout(summary.customers, holdout_rows);
  REQUIRE(holdout.has_value());

  ReportOptions options;
  options.clv = {52, TimeUnit::kWeeks, 0.3, 0.1};
  options.source = "cdnow";
  const auto report = compute_value_report(summary, &*holdout, options);
  REQUIRE(report);
  const std::string chart_js = debian_chart_js();
  const auto html = render_value_report_html(*report, options, chart_js);

  // Self-contained: the chart script inline, nothing loaded from elsewhere.
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  const auto bundle_at = html.find(chart_js);
  REQUIRE(bundle_at != std::string::npos);  // the whole bundle, inline
  // The page's own markup loads nothing (the bundle's licence comment names its web site,
  // which loads nothing either).
  std::string page = html;
  page.erase(bundle_at, chart_js.size());
  CHECK(page.find(" src=") == std::string::npos);
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);

  // Fit: each model's parameters and log-likelihood as its own fit function gives them.
  const auto fit_value = embedded(html, "fit-data");
  REQUIRE(fit_value.is_object());
  const auto& fit = fit_value.as_object();
  CHECK(num(fit.at("customers")) == 2357);
  CHECK(num(fit.at("repeat_customers")) == 946);
  CHECK(fit.at("criterion").as_string() == "holdout_rmse");
  const auto bg = fit_bgnbd(summary.customers);
  const auto mbg = fit_mbgnbd(summary.customers);
  REQUIRE(bg);
  REQUIRE(mbg);
  std::vector<std::pair<double, std::string>> by_rmse;
  for (const auto& m : fit.at("models").as_array()) {
    const auto& o = m.as_object();
    const std::string name(o.at("model").as_string());
    const auto& p = o.at("params").as_object();
    INFO(name);
    if (name == "bgnbd") {
      CHECK(same(num(p.at("r")), bg->params.r));
      CHECK(same(num(p.at("alpha")), bg->params.alpha));
      CHECK(same(num(p.at("a")), bg->params.a));
      CHECK(same(num(p.at("b")), bg->params.b));
      CHECK(same(num(o.at("log_likelihood")), bg->log_likelihood));
    } else if (name == "mbgnbd") {
      CHECK(same(num(p.at("r")), mbg->params.r));
      CHECK(same(num(p.at("b")), mbg->params.b));
      CHECK(same(num(o.at("log_likelihood")), mbg->log_likelihood));
    } else {
      // The Pareto/NBD fit costs a second in a debug build: checked against the published
      // estimates rather than fitted twice.
      CHECK(name == "paretonbd");
      CHECK(num(p.at("r")) == Approx(0.553).margin(0.001));
      CHECK(num(p.at("beta")) == Approx(11.67).margin(0.01));
      CHECK(num(o.at("log_likelihood")) == Approx(-9594.97).margin(0.01));
    }
    const auto& h = o.at("holdout").as_object();
    CHECK(num(h.at("actual")) == 1882);
    by_rmse.emplace_back(num(h.at("rmse")), name);
  }
  REQUIRE(by_rmse.size() == 3);
  CHECK(std::is_sorted(by_rmse.begin(), by_rmse.end()));
  CHECK(fit.at("chosen").as_string() == by_rmse.front().second);
  const auto& spend = fit.at("spend").as_object();
  const auto gg = fit_gamma_gamma(summary.customers);
  REQUIRE(gg);
  CHECK(same(num(spend.at("params").at("p")), gg->params.p));
  CHECK(same(num(spend.at("params").at("q")), gg->params.q));
  CHECK(same(num(spend.at("params").at("v")), gg->params.v));
  CHECK(num(spend.at("customers")) == 946);

  const auto model = model_from(fit);
  double max_frequency = 0, max_age = 0;
  for (const auto& c : summary.customers) {
    max_frequency = std::max(max_frequency, c.frequency);
    max_age = std::max(max_age, c.age);
  }
  REQUIRE(max_frequency == 29);

  {  // heat maps
    check_heatmap(embedded(html, "p-alive-data").as_object(), model, 0, true, max_frequency,
                  max_age);
    const auto expected = embedded(html, "expected-purchases-data");
    CHECK(num(expected.at("horizon")) == 52);
    check_heatmap(expected.as_object(), model, 52, false, max_frequency, max_age);
  }

  {  // predicted against actual hold-out purchases by calibration purchases
    const auto data = embedded(html, "holdout-data").as_object();
    const std::vector<std::string> labels{"0", "1", "2", "3", "4", "5", "6", "7+"};
    std::vector<double> customers(8), actual(8), bg_predicted(8), mbg_predicted(8);
    for (std::size_t i = 0; i < summary.customers.size(); ++i) {
      const auto& c = summary.customers[i];
      const auto k = std::min<std::size_t>(static_cast<std::size_t>(c.frequency), 7);
      customers[k] += 1;
      actual[k] += (*holdout)[i].frequency;
      bg_predicted[k] += bgnbd_expected_purchases(bg->params, c, 39);
      mbg_predicted[k] += mbgnbd_expected_purchases(mbg->params, c, 39);
    }
    const auto& page_labels = data.at("labels").as_array();
    REQUIRE(page_labels.size() == 8);
    const auto page_customers = nums(data.at("customers"));
    const auto page_actual = nums(data.at("actual"));
    const auto page_bg = nums(data.at("predicted").at("bgnbd"));
    const auto page_mbg = nums(data.at("predicted").at("mbgnbd"));
    REQUIRE(nums(data.at("predicted").at("paretonbd")).size() == 8);
    for (std::size_t k = 0; k < 8; ++k) {
      INFO("bucket " << labels[k]);
      CHECK(page_labels[k].as_string() == labels[k]);
      CHECK(page_customers[k] == customers[k]);
      CHECK(page_actual[k] == Approx(actual[k] / customers[k]).epsilon(1e-12));
      CHECK(page_bg[k] == Approx(bg_predicted[k] / customers[k]).epsilon(1e-12));
      CHECK(page_mbg[k] == Approx(mbg_predicted[k] / customers[k]).epsilon(1e-12));
    }
    CHECK(num(data.at("total_actual")) == 1882);
  }

  {  // distribution of lifetime value
    const auto data = embedded(html, "value-data").as_object();
    CHECK(data.at("quantity").as_string() == "clv");
    std::vector<double> values;
    for (const auto& c : summary.customers) {
      values.push_back(
          customer_lifetime_value([&](double t) { return model.expected_purchases(c, t); },
                                  gamma_gamma_expected_spend(gg->params, c), options.clv));
    }
    std::sort(values.begin(), values.end());
    const auto edges = nums(data.at("edges"));
    const auto counts = nums(data.at("counts"));
    REQUIRE(counts.size() == 30);
    REQUIRE(edges.size() == 31);
    CHECK(edges.front() == 0);
    // The last edge is the 99th percentile (nearest rank: value 2,334 of 2,357).
    CHECK(edges.back() == Approx(values[2333]).epsilon(1e-9));
    std::vector<double> expected(30);
    const double width = (edges.back() - edges.front()) / 30;
    double total = 0;
    for (const double v : values) {
      const auto k = static_cast<std::size_t>(std::floor((v - edges.front()) / width));
      expected[std::min<std::size_t>(k, 29)] += 1;
      total += v;
    }
    for (std::size_t k = 0; k < 30; ++k) {
      INFO("bin " << k << " from " << edges[k]);
      CHECK(counts[k] == expected[k]);
    }
    CHECK(num(data.at("total")) == Approx(total).epsilon(1e-9));
    CHECK(num(data.at("mean")) == Approx(total / 2357).epsilon(1e-9));
    CHECK(num(data.at("median")) == Approx(values[1178]).epsilon(1e-9));
    CHECK(num(data.at("skipped")) == 0);
  }
}

TEST_CASE("a report without spend or hold-out charts expected purchases and no hold-out",
          "[analytics][report]") {
  auto summary = load("cdnow_customers_summary.csv");
  REQUIRE_FALSE(summary.has_monetary_value);
  summary.customers.resize(400);  // keeps the three fits quick
  ReportOptions options;
  options.title = "Shop <North> & \"South\"";
  const auto report = compute_value_report(summary, nullptr, options);
  REQUIRE(report);
  CHECK_FALSE(report->value_is_clv);
  CHECK(report->comparison.criterion == SelectionCriterion::kLogLikelihood);
  const auto html = render_value_report_html(*report, options, "var s = '</script>';");
  CHECK(embedded(html, "holdout-data").is_null());
  CHECK(embedded(html, "fit-data").at("spend").is_null());
  const auto value = embedded(html, "value-data");
  CHECK(value.at("quantity").as_string() == "expected_purchases");
  double total = 0;
  for (const auto& c : summary.customers) {
    total += report->comparison.chosen().fit->model.expected_purchases(c, 52);
  }
  CHECK(num(value.at("total")) == Approx(total).epsilon(1e-9));
  // The title is escaped, and the script cannot close its element early.
  CHECK(html.find("Shop &lt;North&gt; &amp; &quot;South&quot;") != std::string::npos);
  CHECK(html.find("var s = '<\\/script>';") != std::string::npos);
}

TEST_CASE("histograms keep the long tail in the last bin", "[analytics][report]") {
  std::vector<double> values;
  for (int i = 1; i <= 100; ++i) values.push_back(i);
  values.push_back(10000);
  values.push_back(std::nan(""));
  const auto h = make_histogram(values, 10);
  REQUIRE(h.edges.size() == 11);
  CHECK(h.edges.front() == 0);
  CHECK(h.edges.back() == 100);  // nearest-rank 99th percentile of 101 values: the 100th
  CHECK(h.skipped == 1);
  std::size_t counted = 0;
  for (const auto c : h.counts) counted += c;
  CHECK(counted == 101);
  CHECK(h.counts.back() == 12);  // 90..99, 100 and 10000
  CHECK(h.counts.front() == 9);  // 1..9
  CHECK(h.median == 51);
  CHECK(h.total == 5050 + 10000);

  const auto same = make_histogram({2, 2, 2}, 4);
  CHECK(same.edges.back() > same.edges.front());
  CHECK(same.counts[0] + same.counts[1] + same.counts[2] + same.counts[3] == 3);
  const auto empty = make_histogram({}, 3);
  CHECK(empty.counts == std::vector<std::size_t>{0, 0, 0});
}
