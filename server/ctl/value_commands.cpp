// server/ctl/value_commands.cpp
//
// `rapportctl value summarize | fit | predict | compare | holdout | report`: the customer value
// models of server/analytics/ on CSV files, for analysts and other tools
// (docs/value-models.md). Results go to standard output (or the report file); errors and
// progress to standard error.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/analytics/clv.h"
#include "server/analytics/gamma_gamma.h"
#include "server/analytics/holdout.h"
#include "server/analytics/model_selection.h"
#include "server/analytics/progress.h"
#include "server/analytics/purchase_model.h"
#include "server/analytics/scoring.h"
#include "server/analytics/summary.h"
#include "server/analytics/transactions.h"
#include "server/analytics/value_report.h"
#include "server/ctl/commands.h"
#include "server/ctl/progress_printer.h"
#include "shared/util/files.h"

namespace rapport::ctl {
namespace {

namespace analytics = rapport::analytics;

analytics::TimeUnit to_unit(const std::string& unit) {
  return unit == "days" ? analytics::TimeUnit::kDays : analytics::TimeUnit::kWeeks;
}


// The summary in `file`, or nullopt after printing why (with the row) on stderr.
std::optional<analytics::Summary> load_summary(const std::filesystem::path& file,
                                               ProgressPrinter& printer) {
  auto summary = analytics::read_summary(file);
  if (!summary) {
    printer.clear();
    std::cerr << "error: " << file.string() << ": " << summary.error().message() << "\n";
    return std::nullopt;
  }
  return std::move(*summary);
}

// The hold-out rows of `file` in the order of `customers`, or nullopt after printing why.
std::optional<std::vector<analytics::HoldoutCustomer>> load_holdout(
    const std::filesystem::path& file, const std::vector<analytics::CustomerSummary>& customers,
    ProgressPrinter& printer) {
  auto holdout = analytics::read_holdout(file);
  if (holdout) holdout = analytics::align_holdout(customers, *holdout);
  if (!holdout) {
    printer.clear();
    std::cerr << "error: " << file.string() << ": " << holdout.error().message() << "\n";
    return std::nullopt;
  }
  return std::move(*holdout);
}

// A summary and, when a hold-out file is given, its rows in the summary's order.
struct SummaryWithHoldout {
  analytics::Summary summary;
  std::optional<std::vector<analytics::HoldoutCustomer>> holdout;
};

// Both files, or nullopt after printing why.
std::optional<SummaryWithHoldout> load_summary_with_holdout(
    const std::filesystem::path& summary_file,
    const std::optional<std::filesystem::path>& holdout_file, ProgressPrinter& printer) {
  auto summary = load_summary(summary_file, printer);
  if (!summary) return std::nullopt;
  SummaryWithHoldout loaded{std::move(*summary), std::nullopt};
  if (holdout_file) {
    loaded.holdout = load_holdout(*holdout_file, loaded.summary.customers, printer);
    if (!loaded.holdout) return std::nullopt;
  }
  return loaded;
}

// A YYYY-MM-DD option, or nullopt after printing why.
std::optional<std::chrono::sys_days> date_option(const char* option, const std::string& text) {
  const auto date = analytics::parse_iso_date(text);
  if (!date) {
    std::cerr << "error: " << option << " must be a date written YYYY-MM-DD, not '" << text
              << "'\n";
  }
  return date;
}

// An optional YYYY-MM-DD option: true with `out` set (or left empty when the option was not
// given), false after printing why.
bool optional_date_option(const char* option, const std::optional<std::string>& text,
                          std::optional<std::chrono::sys_days>& out) {
  if (!text) return true;
  out = date_option(option, *text);
  return out.has_value();
}

// One JSON object on one line, numbers with 10 significant digits (Boost.JSON would print
// 2.42592903868068E-1, valid but unreadable). Keys and the model name are fixed ASCII words.
void print_fit(std::string_view model, const std::vector<analytics::NamedParam>& params,
               double log_likelihood, std::size_t customers) {
  std::printf("{\"model\":\"%.*s\",\"params\":{", static_cast<int>(model.size()), model.data());
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::printf("%s\"%.*s\":%.10g", i == 0 ? "" : ",", static_cast<int>(params[i].name.size()),
                params[i].name.data(), params[i].value);
  }
  std::printf("},\"log_likelihood\":%.10g,\"customers\":%zu}\n", log_likelihood, customers);
}

// Fits `kind`, or nullopt after printing why.
std::optional<analytics::PurchaseModelFit> fit_model(
    analytics::PurchaseModelKind kind, const std::vector<analytics::CustomerSummary>& customers,
    ProgressPrinter& printer) {
  auto fit = analytics::fit_purchase_model(kind, customers);
  if (!fit) {
    printer.clear();
    std::cerr << "error: " << analytics::model_title(kind) << " fit: " << fit.error().message()
              << "\n";
    return std::nullopt;
  }
  return std::move(*fit);
}

}  // namespace

int run_value_summarize(const ValueSummarizeOptions& o) {
  const auto end = date_option("--calibration-end", o.calibration_end);
  if (!end) return 2;
  std::optional<std::chrono::sys_days> holdout_end;
  if (!optional_date_option("--holdout-end", o.holdout_end, holdout_end)) return 2;
  const auto log = analytics::read_transactions(o.transactions);
  if (!log) {
    std::cerr << "error: " << o.transactions.string() << ": " << log.error().message() << "\n";
    return 1;
  }
  const auto summary = analytics::summarize(*log, *end, to_unit(o.unit));
  if (summary.customers.empty()) {
    std::cerr << "error: no transaction on or before " << o.calibration_end << "\n";
    return 1;
  }
  if (o.holdout_out) {
    if (!holdout_end) holdout_end = analytics::last_transaction_date(*log);
    if (*holdout_end <= *end) {
      std::cerr << "error: the hold-out period must end after the calibration end\n";
      return o.holdout_end ? 2 : 1;
    }
    std::ostringstream csv;
    analytics::write_holdout_csv(
        csv, analytics::summarize_holdout(*log, *end, *holdout_end, to_unit(o.unit)));
    try {
      write_file_atomically(*o.holdout_out, csv.str(), /*owner_only=*/false);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
  }
  analytics::write_summary_csv(std::cout, summary);
  return EXIT_SUCCESS;
}

int run_value_fit(const ValueFitOptions& o) {
  ProgressPrinter printer(/*forced=*/false);  // no progress: a fit alone is quick enough
  const auto summary = load_summary(o.summary, printer);
  if (!summary) return 1;
  if (const auto kind = analytics::parse_model_name(o.model)) {
    const auto fit = fit_model(*kind, summary->customers, printer);
    if (!fit) return 1;
    print_fit(o.model, fit->model.params(), fit->log_likelihood, fit->customers);
    return EXIT_SUCCESS;
  }
  // gammagamma: CLI11 admits no other value
  if (!summary->has_monetary_value) {
    std::cerr << "error: " << o.summary.string()
              << ": the Gamma-Gamma model needs a monetary_value (or zbar) column\n";
    return 1;
  }
  const auto fit = analytics::fit_gamma_gamma(summary->customers);
  if (!fit) {
    std::cerr << "error: Gamma-Gamma fit: " << fit.error().message() << "\n";
    return 1;
  }
  print_fit(o.model, {{"p", fit->params.p}, {"q", fit->params.q}, {"v", fit->params.v}},
            fit->log_likelihood, fit->customers);
  return EXIT_SUCCESS;
}

int run_value_predict(const ValuePredictOptions& o) {
  if (!(o.horizon >= 0) || !(o.discount_rate > -1)) {
    std::cerr << "error: --horizon must be >= 0 and --discount-rate > -1\n";
    return 2;
  }
  ProgressPrinter printer(o.progress);
  const auto progress = printer.callback();
  analytics::report_stage(progress, "reading " + o.summary.string());
  const auto summary = load_summary(o.summary, printer);
  if (!summary) return 1;
  const auto kind = analytics::parse_model_name(o.model).value_or(analytics::PurchaseModelKind{});
  analytics::report_stage(progress, "fitting " + std::string(analytics::model_title(kind)));
  const auto purchases = fit_model(kind, summary->customers, printer);
  if (!purchases) return 1;
  std::optional<analytics::GammaGammaParams> spend;
  if (summary->has_monetary_value) {
    analytics::report_stage(progress, "fitting Gamma-Gamma");
    const auto fit = analytics::fit_gamma_gamma(summary->customers);
    if (!fit) {
      printer.clear();
      std::cerr << "error: Gamma-Gamma fit (spend): " << fit.error().message() << "\n";
      return 1;
    }
    spend = fit->params;
  }
  const analytics::ClvOptions clv{o.horizon, to_unit(o.unit), o.margin, o.discount_rate};
  const auto scores =
      analytics::score_customers(purchases->model, spend, summary->customers, clv, progress);
  printer.clear();

  std::cout.precision(10);
  std::cout << "id,p_alive,expected_purchases" << (spend ? ",expected_spend,clv" : "") << "\n";
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const auto& s = scores[i];
    std::cout << summary->customers[i].id << ',' << s.p_alive << ',' << s.expected_purchases;
    if (spend) std::cout << ',' << s.expected_spend << ',' << s.clv;
    std::cout << '\n';
  }
  return EXIT_SUCCESS;
}

int run_value_compare(const ValueCompareOptions& o) {
  ProgressPrinter printer(o.progress);
  const auto progress = printer.callback();
  const auto loaded = load_summary_with_holdout(o.summary, o.holdout, printer);
  if (!loaded) return 1;
  const auto* summary = &loaded->summary;
  const auto& holdout = loaded->holdout;
  const auto comparison = analytics::compare_purchase_models(
      summary->customers, holdout ? &*holdout : nullptr, progress);
  printer.clear();
  if (!comparison) {
    std::cerr << "error: no purchase model could be fitted: " << comparison.error().message()
              << "\n";
    return 1;
  }
  std::printf("{\"chosen\":\"%s\",\"criterion\":\"%s\",\"models\":[",
              std::string(analytics::model_name(comparison->chosen().kind)).c_str(),
              comparison->criterion == analytics::SelectionCriterion::kHoldoutRmse
                  ? "holdout_rmse"
                  : "log_likelihood");
  bool first = true;
  for (const auto& c : comparison->candidates) {
    std::printf("%s{\"model\":\"%s\"", first ? "" : ",",
                std::string(analytics::model_name(c.kind)).c_str());
    first = false;
    if (!c.fit) {
      // The messages are fixed ASCII sentences of analytics_category() without quotes.
      std::printf(",\"error\":\"%s\"}", c.error.message().c_str());
      continue;
    }
    std::printf(",\"params\":{");
    const auto params = c.fit->model.params();
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::printf("%s\"%s\":%.10g", i == 0 ? "" : ",", std::string(params[i].name).c_str(),
                  params[i].value);
    }
    std::printf("},\"log_likelihood\":%.10g,\"customers\":%zu", c.fit->log_likelihood,
                c.fit->customers);
    if (c.holdout) {
      std::printf(
          ",\"holdout\":{\"rmse\":%.10g,\"mae\":%.10g,\"predicted\":%.10g,\"actual\":%.10g}",
          c.holdout->rmse, c.holdout->mae, c.holdout->total.predicted, c.holdout->total.actual);
    }
    std::printf("}");
  }
  std::printf("]}\n");
  return EXIT_SUCCESS;
}

int run_value_holdout(const ValueHoldoutOptions& o) {
  const auto end = date_option("--calibration-end", o.calibration_end);
  if (!end) return 2;
  std::optional<std::chrono::sys_days> holdout_end;
  if (!optional_date_option("--end", o.end, holdout_end)) return 2;
  ProgressPrinter printer(o.progress);
  const auto progress = printer.callback();
  analytics::report_stage(progress, "reading " + o.transactions.string());
  const auto log = analytics::read_transactions(o.transactions);
  if (!log) {
    printer.clear();
    std::cerr << "error: " << o.transactions.string() << ": " << log.error().message() << "\n";
    return 1;
  }
  if (!holdout_end) holdout_end = analytics::last_transaction_date(*log);
  if (*holdout_end <= *end) {
    printer.clear();
    std::cerr << "error: the hold-out period must end after the calibration end\n";
    return o.end ? 2 : 1;
  }
  const auto unit = to_unit(o.unit);
  const auto summary = analytics::summarize(*log, *end, unit);
  if (summary.customers.empty()) {
    printer.clear();
    std::cerr << "error: no transaction on or before " << o.calibration_end << "\n";
    return 1;
  }
  const auto holdout = analytics::summarize_holdout(*log, *end, *holdout_end, unit);

  std::vector<analytics::PurchaseModelKind> kinds;
  if (const auto kind = analytics::parse_model_name(o.model)) {
    kinds.push_back(*kind);
  } else {
    kinds.assign(analytics::kPurchaseModelKinds.begin(), analytics::kPurchaseModelKinds.end());
  }
  std::vector<std::pair<analytics::PurchaseModelKind, analytics::HoldoutComparison>> tables;
  for (const auto kind : kinds) {
    analytics::report_stage(progress, "fitting " + std::string(analytics::model_title(kind)));
    const auto fit = fit_model(kind, summary.customers, printer);
    if (!fit) return 1;
    tables.emplace_back(kind, analytics::compare_holdout(fit->model, summary.customers, holdout,
                                                         analytics::kHoldoutLastBucket, progress));
  }
  printer.clear();

  std::printf(
      "model,calibration_purchases,customers,actual_mean,predicted_mean,actual,predicted\n");
  for (const auto& [kind, table] : tables) {
    const std::string name(analytics::model_name(kind));
    auto row = [&name](const analytics::HoldoutBucket& b) {
      std::printf("%s,%s,%zu,%.6g,%.6g,%.10g,%.10g\n", name.c_str(), b.label.c_str(), b.customers,
                  b.actual_mean(), b.predicted_mean(), b.actual, b.predicted);
    };
    for (const auto& b : table.buckets) row(b);
    row(table.total);
  }
  return EXIT_SUCCESS;
}

int run_value_report(const ValueReportOptions& o) {
  if (!(o.horizon >= 0) || !(o.discount_rate > -1)) {
    std::cerr << "error: --horizon must be >= 0 and --discount-rate > -1\n";
    return 2;
  }
  // Read first: a missing package should not cost the user a fit.
  const auto chart_js = read_file(o.chartjs);
  if (!chart_js) {
    std::cerr << "error: cannot read Chart.js from " << o.chartjs.string()
              << ": install the Debian package libjs-chart.js (scripts/install-deps.sh) or give "
                 "the bundle with --chartjs FILE\n";
    return 1;
  }
  ProgressPrinter printer(o.progress);
  const auto progress = printer.callback();
  const auto loaded = load_summary_with_holdout(o.summary, o.holdout, printer);
  if (!loaded) return 1;
  const auto* summary = &loaded->summary;
  const auto& holdout = loaded->holdout;
  analytics::ReportOptions options;
  options.clv = {o.horizon, to_unit(o.unit), o.margin, o.discount_rate};
  options.title = o.title;
  options.source = o.summary.filename().string();
  if (o.holdout) options.source += ", hold-out " + o.holdout->filename().string();
  const auto report =
      analytics::compute_value_report(*summary, holdout ? &*holdout : nullptr, options, progress);
  printer.clear();
  if (!report) {
    std::cerr << "error: " << o.summary.string() << ": " << report.error().message() << "\n";
    return 1;
  }
  try {
    write_file_atomically(o.out, analytics::render_value_report_html(*report, options, *chart_js),
                          /*owner_only=*/false);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return EXIT_SUCCESS;
}

}  // namespace rapport::ctl
