// server/analytics/value_report.cpp
#include "server/analytics/value_report.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "server/analytics/scoring.h"

namespace rapport::analytics {
namespace json = boost::json;

Heatmap make_heatmap(const PurchaseModel& model, HeatmapQuantity quantity, double max_frequency,
                     double age, double horizon, std::size_t size) {
  Heatmap out;
  out.age = age;
  const auto rows = std::min(size, static_cast<std::size_t>(max_frequency) + 1);
  const auto columns =
      std::max<std::size_t>(2, std::min(size, static_cast<std::size_t>(std::ceil(age)) + 1));
  for (std::size_t i = 0; i < rows; ++i) {
    out.frequency.push_back(rows == 1 ? 0.0
                                      : std::round(static_cast<double>(i) * max_frequency /
                                                   static_cast<double>(rows - 1)));
  }
  for (std::size_t j = 0; j < columns; ++j) {
    out.recency.push_back(static_cast<double>(j) * age / static_cast<double>(columns - 1));
  }
  for (const double x : out.frequency) {
    auto& row = out.values.emplace_back();
    for (const double t : out.recency) {
      const CustomerSummary c{"", x, x == 0 ? 0.0 : t, age, 0};
      row.push_back(quantity == HeatmapQuantity::kPAlive ? model.p_alive(c)
                                                         : model.expected_purchases(c, horizon));
    }
  }
  return out;
}

Histogram make_histogram(std::vector<double> values, std::size_t bins) {
  Histogram out;
  const auto finite_end =
      std::partition(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  out.skipped = static_cast<std::size_t>(values.end() - finite_end);
  values.erase(finite_end, values.end());
  std::sort(values.begin(), values.end());
  out.counts.assign(bins, 0);
  double low = 0;
  double high = 1;
  if (!values.empty()) {
    const std::size_t n = values.size();
    low = std::min(0.0, values.front());
    // Nearest rank: the smallest value with at least 99 % of the values at or below it.
    const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(n)));
    high = values[std::max<std::size_t>(rank, 1) - 1];
    if (!(high > low)) high = low + 1;
    double sum = 0;
    for (const double v : values) sum += v;
    out.total = sum;
    out.mean = sum / static_cast<double>(n);
    out.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
  const double width = (high - low) / static_cast<double>(bins);
  for (std::size_t k = 0; k <= bins; ++k) {
    out.edges.push_back(k == bins ? high : low + static_cast<double>(k) * width);
  }
  for (const double v : values) {
    const auto k = static_cast<std::size_t>(std::max(0.0, std::floor((v - low) / width)));
    out.counts[std::min(k, bins - 1)] += 1;
  }
  return out;
}

Result<ValueReport> compute_value_report(const Summary& summary,
                                         const std::vector<HoldoutCustomer>* holdout,
                                         const ReportOptions& options,
                                         const ProgressCallback& progress) {
  const auto& customers = summary.customers;
  ValueReport out;
  out.customers = customers.size();
  out.has_holdout = holdout != nullptr;
  double max_frequency = 0;
  double max_age = 0;
  for (const auto& c : customers) {
    if (c.frequency > 0) ++out.repeat_customers;
    max_frequency = std::max(max_frequency, c.frequency);
    max_age = std::max(max_age, c.age);
  }
  RAPPORT_TRY(out.comparison, compare_purchase_models(customers, holdout, progress));
  const PurchaseModel& model = out.comparison.chosen().fit->model;

  std::optional<GammaGammaParams> spend;
  if (summary.has_monetary_value) {
    report_stage(progress, "fitting Gamma-Gamma");
    RAPPORT_TRY(out.spend, fit_gamma_gamma(customers));
    spend = out.spend->params;
  }
  out.value_is_clv = spend.has_value();

  report_stage(progress, "computing heat maps");
  const double age = max_age > 0 ? max_age : 1.0;
  const std::size_t size = std::max<std::size_t>(2, options.heatmap_size);
  out.p_alive = make_heatmap(model, HeatmapQuantity::kPAlive, max_frequency, age, 0, size);
  out.expected_purchases = make_heatmap(model, HeatmapQuantity::kExpectedPurchases, max_frequency,
                                        age, options.clv.horizon, size);

  const auto scores = score_customers(model, spend, customers, options.clv, progress);
  std::vector<double> values;
  values.reserve(scores.size());
  for (const auto& s : scores) values.push_back(out.value_is_clv ? s.clv : s.expected_purchases);
  out.value = make_histogram(std::move(values), std::max<std::size_t>(1, options.histogram_bins));
  return out;
}

namespace {

// ---- JSON blocks ----------------------------------------------------------------------------

json::value number(double v) { return std::isfinite(v) ? json::value(v) : json::value(nullptr); }

json::array numbers(const std::vector<double>& values) {
  json::array out;
  for (const double v : values) out.push_back(number(v));
  return out;
}

const char* criterion_name(SelectionCriterion c) {
  return c == SelectionCriterion::kHoldoutRmse ? "holdout_rmse" : "log_likelihood";
}

json::object fit_json(const ValueReport& report) {
  json::array models;
  for (const auto& c : report.comparison.candidates) {
    json::object m;
    m["model"] = model_name(c.kind);
    m["title"] = model_title(c.kind);
    if (c.fit) {
      json::object params;
      for (const auto& p : c.fit->model.params()) params[p.name] = number(p.value);
      m["params"] = std::move(params);
      m["log_likelihood"] = number(c.fit->log_likelihood);
      m["error"] = nullptr;
    } else {
      m["params"] = nullptr;
      m["log_likelihood"] = nullptr;
      m["error"] = c.error.message();
    }
    if (c.holdout) {
      m["holdout"] = json::object{{"rmse", number(c.holdout->rmse)},
                                  {"mae", number(c.holdout->mae)},
                                  {"predicted", number(c.holdout->total.predicted)},
                                  {"actual", number(c.holdout->total.actual)}};
    } else {
      m["holdout"] = nullptr;
    }
    models.push_back(std::move(m));
  }
  json::object out{{"customers", report.customers},
                   {"repeat_customers", report.repeat_customers},
                   {"criterion", criterion_name(report.comparison.criterion)},
                   {"chosen", model_name(report.comparison.chosen().kind)},
                   {"models", std::move(models)}};
  if (report.spend) {
    const auto& s = *report.spend;
    out["spend"] = json::object{{"model", "gammagamma"},
                                {"params", json::object{{"p", number(s.params.p)},
                                                        {"q", number(s.params.q)},
                                                        {"v", number(s.params.v)}}},
                                {"log_likelihood", number(s.log_likelihood)},
                                {"customers", s.customers}};
  } else {
    out["spend"] = nullptr;
  }
  return out;
}

json::object heatmap_json(const Heatmap& h, const ValueReport& report) {
  json::array values;
  for (const auto& row : h.values) values.push_back(numbers(row));
  return json::object{{"model", model_name(report.comparison.chosen().kind)},
                      {"age", number(h.age)},
                      {"frequency", numbers(h.frequency)},
                      {"recency", numbers(h.recency)},
                      {"values", std::move(values)}};
}

json::object holdout_json(const ValueReport& report) {
  const auto& first = *report.comparison.chosen().holdout;
  json::array labels, customers, actual;
  for (const auto& b : first.buckets) {
    labels.push_back(json::string(b.label));
    customers.push_back(b.customers);
    actual.push_back(number(b.actual_mean()));
  }
  json::object predicted, totals;
  for (const auto& c : report.comparison.candidates) {
    if (!c.holdout) continue;
    json::array means;
    for (const auto& b : c.holdout->buckets) means.push_back(number(b.predicted_mean()));
    predicted[model_name(c.kind)] = std::move(means);
    totals[model_name(c.kind)] = number(c.holdout->total.predicted);
  }
  return json::object{{"labels", std::move(labels)},
                      {"customers", std::move(customers)},
                      {"actual", std::move(actual)},
                      {"predicted", std::move(predicted)},
                      {"total_actual", number(first.total.actual)},
                      {"total_predicted", std::move(totals)}};
}

json::object value_json(const ValueReport& report) {
  const auto& h = report.value;
  json::array counts;
  for (const auto c : h.counts) counts.push_back(c);
  return json::object{{"quantity", report.value_is_clv ? "clv" : "expected_purchases"},
                      {"edges", numbers(h.edges)},
                      {"counts", std::move(counts)},
                      {"skipped", h.skipped},
                      {"mean", number(h.mean)},
                      {"median", number(h.median)},
                      {"total", number(h.total)}};
}

// ---- HTML -----------------------------------------------------------------------------------

std::string escape_html(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// `text` safe inside a <script> element: no "</" can close it ("<\/" means the same in JSON
// strings and JavaScript strings).
std::string escape_script(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += '\\';
  }
  return out;
}

std::string fmt(double v, const char* format = "%.4g") {
  if (!std::isfinite(v)) return "–";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

void json_block(std::string& html, const char* id, const json::object& data) {
  html += "<script type=\"application/json\" id=\"";
  html += id;
  html += "\">";
  html += escape_script(json::serialize(data));
  html += "</script>\n";
}

const char* unit_name(TimeUnit unit) { return unit == TimeUnit::kWeeks ? "weeks" : "days"; }

void fit_section(std::string& html, const ValueReport& report) {
  const auto& comparison = report.comparison;
  const auto& chosen = comparison.chosen();
  html += "<section><h2>Purchase models</h2>\n<p>Chosen: <strong>";
  html += model_title(chosen.kind);
  html += comparison.criterion == SelectionCriterion::kHoldoutRmse
              ? "</strong>, the lowest hold-out error (per-customer RMSE of hold-out purchases)."
              : "</strong>, the highest log-likelihood (all three have four parameters).";
  html += "</p>\n<table><thead><tr><th>model</th><th>parameters</th><th>log-likelihood</th>";
  if (report.has_holdout) {
    html +=
        "<th>hold-out RMSE</th><th>hold-out MAE</th><th>hold-out purchases predicted</th>"
        "<th>actual</th>";
  }
  html += "</tr></thead><tbody>\n";
  for (const auto& c : comparison.candidates) {
    html += &c == &chosen ? "<tr class=\"chosen\">" : "<tr>";
    html += "<td>";
    html += model_title(c.kind);
    html += "</td><td>";
    if (c.fit) {
      bool first = true;
      for (const auto& p : c.fit->model.params()) {
        html += first ? "" : ", ";
        first = false;
        html += std::string(p.name) + " = " + fmt(p.value);
      }
      html += "</td><td>" + fmt(c.fit->log_likelihood, "%.3f") + "</td>";
    } else {
      html += "fit failed: " + escape_html(c.error.message()) + "</td><td>–</td>";
    }
    if (report.has_holdout) {
      if (c.holdout) {
        html += "<td>" + fmt(c.holdout->rmse) + "</td><td>" + fmt(c.holdout->mae) + "</td><td>" +
                fmt(c.holdout->total.predicted, "%.1f") + "</td><td>" +
                fmt(c.holdout->total.actual, "%.0f") + "</td>";
      } else {
        html += "<td>–</td><td>–</td><td>–</td><td>–</td>";
      }
    }
    html += "</tr>\n";
  }
  html += "</tbody></table>\n";
  if (report.spend) {
    const auto& s = *report.spend;
    html += "<p>Spend (Gamma-Gamma, " + std::to_string(s.customers) +
            " repeat buyers): p = " + fmt(s.params.p) + ", q = " + fmt(s.params.q) +
            ", v = " + fmt(s.params.v) + ", log-likelihood " + fmt(s.log_likelihood, "%.3f") +
            ".</p>\n";
  } else {
    html += "<p>The summary has no spend column: no spend model and no lifetime value.</p>\n";
  }
  html += "</section>\n";
}

void holdout_section(std::string& html, const ValueReport& report) {
  html +=
      "<section><h2>Hold-out check: predicted against actual purchases</h2>\n"
      "<p>Mean purchases per customer in the hold-out period, by number of repeat purchases in "
      "the calibration period: the customers' actual purchases (bars) and each model's "
      "conditional expectation (lines).</p>\n"
      "<div class=\"chart wide\"><canvas id=\"holdout-chart\"></canvas></div>\n"
      "<table><thead><tr><th>calibration purchases</th><th>customers</th><th>actual</th>";
  std::vector<const ModelCandidate*> with_holdout;
  for (const auto& c : report.comparison.candidates) {
    if (!c.holdout) continue;
    with_holdout.push_back(&c);
    html += "<th>" + std::string(model_title(c.kind)) + "</th>";
  }
  html += "</tr></thead><tbody>\n";
  const auto& reference = *with_holdout.front()->holdout;
  for (std::size_t k = 0; k <= reference.buckets.size(); ++k) {
    const bool total = k == reference.buckets.size();
    const auto& b = total ? reference.total : reference.buckets[k];
    html += total ? "<tr class=\"total\"><td>all (sum)</td>" : "<tr><td>" + b.label + "</td>";
    html += "<td>" + std::to_string(b.customers) + "</td><td>" +
            (total ? fmt(b.actual, "%.0f") : fmt(b.actual_mean(), "%.3f")) + "</td>";
    for (const auto* c : with_holdout) {
      const auto& m = total ? c->holdout->total : c->holdout->buckets[k];
      html +=
          "<td>" + (total ? fmt(m.predicted, "%.1f") : fmt(m.predicted_mean(), "%.3f")) + "</td>";
    }
    html += "</tr>\n";
  }
  html += "</tbody></table></section>\n";
}

constexpr const char* kStyle = R"(
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 1180px; margin: 0 auto; padding: 24px; background: #fafafa; }
h1 { margin-bottom: 0; } h2 { margin-top: 0; font-size: 1.2em; }
.sub { color: #666; margin-top: 4px; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 8px; padding: 18px 22px;
          margin: 18px 0; }
table { border-collapse: collapse; margin: 10px 0; }
th, td { padding: 4px 12px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.chosen td { background: #eef6ee; font-weight: 600; }
tr.total td { border-top: 2px solid #ccc; font-weight: 600; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.chart { position: relative; height: 420px; } .chart.wide { height: 340px; }
.legend { display: flex; align-items: center; gap: 8px; font-size: 13px; color: #555; }
.legend .bar { flex: 1; height: 12px; border-radius: 3px; }
.note { color: #666; font-size: 13px; }
)";

// Draws the heat maps (a scatter chart whose cells a small plugin fills), the hold-out chart
// and the histogram from the JSON blocks.
constexpr const char* kScript = R"(
(function () {
  const data = id => { const e = document.getElementById(id); return e ? JSON.parse(e.textContent) : null; };
  const unit = document.body.dataset.unit;
  const stops = [[68,1,84],[59,82,139],[33,145,140],[94,201,98],[253,231,37]];
  const color = t => {
    t = Math.min(1, Math.max(0, t)); const s = t * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(s)), f = s - i;
    return 'rgb(' + stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f)).join(',') + ')';
  };
  const fmt = v => v === null ? '–' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) < 1e-3 ? (v === 0 ? '0' : v.toExponential(1)) : v.toPrecision(3);
  const titles = { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD', paretonbd: 'Pareto/NBD' };
  const palette = ['#d62728', '#1f77b4', '#ff7f0e', '#2ca02c'];

  function heatmap(canvasId, legendId, d, what) {
    if (!d) return;
    const vals = d.values.flat().filter(v => v !== null);
    let lo = Math.min(...vals), hi = Math.max(...vals); if (!(hi > lo)) hi = lo + 1;
    const points = [];
    d.frequency.forEach((x, i) => d.recency.forEach((t, j) => points.push({ x: t, y: x, v: d.values[i][j] })));
    const dx = d.recency.length > 1 ? d.recency[1] - d.recency[0] : 1;
    const dy = d.frequency.length > 1 ? d.frequency[1] - d.frequency[0] : 1;
    const cells = { id: 'cells', beforeDatasetsDraw(chart) {
      const { ctx, scales: { x, y } } = chart; ctx.save();
      for (const p of points) {
        if (p.v === null) continue;
        const x0 = x.getPixelForValue(p.x - dx / 2), x1 = x.getPixelForValue(p.x + dx / 2);
        const y0 = y.getPixelForValue(p.y + dy / 2), y1 = y.getPixelForValue(p.y - dy / 2);
        ctx.fillStyle = color((p.v - lo) / (hi - lo)); ctx.fillRect(x0, y0, x1 - x0 + 0.6, y1 - y0 + 0.6);
      }
      ctx.restore(); } };
    new Chart(document.getElementById(canvasId), {
      type: 'scatter', plugins: [cells],
      data: { datasets: [{ data: points, pointRadius: 0, pointHoverRadius: 0, pointHitRadius: 4 }] },
      options: { animation: false, maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { min: -dx / 2, max: d.recency[d.recency.length - 1] + dx / 2, grid: { display: false },
               ticks: { includeBounds: false },
               title: { display: true, text: 'recency: time of the last purchase (' + unit + ')' } },
          y: { min: -dy / 2, max: d.frequency[d.frequency.length - 1] + dy / 2, grid: { display: false },
               ticks: { includeBounds: false },
               title: { display: true, text: 'frequency: repeat purchases' } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          label: c => 'x = ' + c.raw.y + ', t_x = ' + c.raw.x.toFixed(1) + ': ' + what + ' ' + fmt(c.raw.v) } } } } });
    const legend = document.getElementById(legendId);
    legend.innerHTML = '<span>' + fmt(lo) + '</span><span class="bar"></span><span>' + fmt(hi) + '</span>';
    legend.querySelector('.bar').style.background =
      'linear-gradient(to right,' + [0, 0.25, 0.5, 0.75, 1].map(color).join(',') + ')';
  }

  heatmap('p-alive-chart', 'p-alive-legend', data('p-alive-data'), 'P(alive)');
  heatmap('expected-purchases-chart', 'expected-purchases-legend', data('expected-purchases-data'), 'E[purchases]');

  const h = data('holdout-data');
  if (h) {
    const datasets = [{ type: 'bar', label: 'actual', data: h.actual, backgroundColor: '#b9c7d8', order: 2 }];
    Object.keys(h.predicted).forEach((m, i) => datasets.push({ type: 'line', label: titles[m] || m, data: h.predicted[m],
      borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], order: 1, tension: 0 }));
    new Chart(document.getElementById('holdout-chart'), { type: 'bar', data: { labels: h.labels, datasets },
      options: { animation: false, maintainAspectRatio: false, scales: {
        x: { title: { display: true, text: 'repeat purchases in the calibration period' } },
        y: { beginAtZero: true, title: { display: true, text: 'mean purchases in the hold-out period' } } } } });
  }

  const v = data('value-data');
  if (v) {
    const last = v.counts.length - 1;
    const labels = v.counts.map((_, k) => k === last ? '≥ ' + fmt(v.edges[k]) : fmt(v.edges[k]) + '–' + fmt(v.edges[k + 1]));
    new Chart(document.getElementById('value-chart'), { type: 'bar',
      data: { labels, datasets: [{ label: 'customers', data: v.counts, backgroundColor: '#4c78a8',
                                   barPercentage: 1, categoryPercentage: 1 }] },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } },
        scales: { x: { title: { display: true, text: v.quantity === 'clv' ? 'lifetime value' : 'expected purchases' } },
                  y: { beginAtZero: true, title: { display: true, text: 'customers' } } } } });
  }
})();
)";

}  // namespace

std::string render_value_report_html(const ValueReport& report, const ReportOptions& options,
                                     std::string_view chart_js) {
  const char* unit = unit_name(options.clv.unit);
  const std::string horizon = fmt(options.clv.horizon, "%g") + " " + unit;
  std::string html;
  html.reserve(chart_js.size() + 200000);
  html +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  html += escape_html(options.title);
  html += "</title>\n<style>";
  html += kStyle;
  html += "</style>\n<script>";
  html += escape_script(chart_js);
  html += "</script>\n</head>\n<body data-unit=\"";
  html += unit;
  html += "\">\n<h1>";
  html += escape_html(options.title);
  html += "</h1>\n<p class=\"sub\">";
  if (!options.source.empty()) html += escape_html(options.source) + " · ";
  html += std::to_string(report.customers) + " customers, " +
          std::to_string(report.repeat_customers) + " with repeat purchases · times in " + unit +
          "</p>\n";

  fit_section(html, report);

  const std::string chosen(model_title(report.comparison.chosen().kind));
  html += "<section><h2>Probability alive and expected purchases (";
  html += chosen;
  html += ")</h2>\n<p>For a customer whose first purchase was " + fmt(report.p_alive.age, "%.2f") +
          " " + unit +
          " before the calibration end, by number of repeat purchases (frequency) and time of "
          "the last one (recency). Left: the probability the customer is still active. Right: "
          "expected purchases in the next " +
          horizon + ".</p>\n<div class=\"grid\">\n";
  for (const char* id : {"p-alive", "expected-purchases"}) {
    html += "<div><div class=\"chart\"><canvas id=\"" + std::string(id) +
            "-chart\"></canvas></div><div class=\"legend\" id=\"" + id + "-legend\"></div></div>\n";
  }
  html += "</div></section>\n";

  if (report.has_holdout) holdout_section(html, report);

  const auto& v = report.value;
  html += "<section><h2>";
  html += report.value_is_clv ? "Lifetime value over the next " + horizon
                              : "Expected purchases over the next " + horizon;
  html += "</h2>\n<p>Customers by ";
  html += report.value_is_clv
              ? "expected discounted margin (" + chosen +
                    " purchases × Gamma-Gamma spend × margin " + fmt(options.clv.margin, "%g") +
                    ", annual discount rate " + fmt(options.clv.annual_discount_rate, "%g") + ")"
              : "expected purchases (the summary has no spend)";
  html += ". Mean " + fmt(v.mean) + ", median " + fmt(v.median) + ", total " +
          fmt(v.total, "%.1f") +
          ". The last bar holds the top 1 % and everything above.</p>\n"
          "<div class=\"chart wide\"><canvas id=\"value-chart\"></canvas></div>";
  if (v.skipped > 0) {
    html += "<p class=\"note\">" + std::to_string(v.skipped) +
            " customers left out: their value is not a finite number.</p>";
  }
  html += "</section>\n";

  json_block(html, "fit-data", fit_json(report));
  json_block(html, "p-alive-data", heatmap_json(report.p_alive, report));
  auto expected = heatmap_json(report.expected_purchases, report);
  expected["horizon"] = number(options.clv.horizon);
  json_block(html, "expected-purchases-data", expected);
  if (report.has_holdout) json_block(html, "holdout-data", holdout_json(report));
  json_block(html, "value-data", value_json(report));
  html += "<script>";
  html += kScript;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace rapport::analytics
