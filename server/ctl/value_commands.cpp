// server/ctl/value_commands.cpp
//
// `rapportctl value summarize | fit | predict`: the customer value models of
// server/analytics/ on CSV files, for analysts and other tools (docs/value-models.md).

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/analytics/bgnbd.h"
#include "server/analytics/clv.h"
#include "server/analytics/gamma_gamma.h"
#include "server/analytics/mbgnbd.h"
#include "server/analytics/pareto_nbd.h"
#include "server/analytics/summary.h"
#include "server/analytics/transactions.h"
#include "server/ctl/commands.h"

namespace rapport::ctl {
namespace {

namespace analytics = rapport::analytics;

analytics::TimeUnit to_unit(const std::string& unit) {
  return unit == "days" ? analytics::TimeUnit::kDays : analytics::TimeUnit::kWeeks;
}

// The summary in `file`, or nullopt after printing why (with the row) on stderr.
std::optional<analytics::Summary> load_summary(const std::filesystem::path& file) {
  auto summary = analytics::read_summary(file);
  if (!summary) {
    std::cerr << "error: " << file.string() << ": " << summary.error().message() << "\n";
    return std::nullopt;
  }
  return std::move(*summary);
}

}  // namespace

int run_value_summarize(const ValueSummarizeOptions& o) {
  const auto end = analytics::parse_iso_date(o.calibration_end);
  if (!end) {
    std::cerr << "error: --calibration-end must be a date written YYYY-MM-DD, not '"
              << o.calibration_end << "'\n";
    return 2;
  }
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
  analytics::write_summary_csv(std::cout, summary);
  return EXIT_SUCCESS;
}

namespace {

// One JSON object on one line, numbers with 10 significant digits (Boost.JSON would print
// 2.42592903868068E-1, valid but unreadable). Keys and the model name are fixed ASCII words.
void print_fit(const std::string& model, const std::vector<std::pair<const char*, double>>& params,
               double log_likelihood, std::size_t customers) {
  std::printf("{\"model\":\"%s\",\"params\":{", model.c_str());
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::printf("%s\"%s\":%.10g", i == 0 ? "" : ",", params[i].first, params[i].second);
  }
  std::printf("},\"log_likelihood\":%.10g,\"customers\":%zu}\n", log_likelihood, customers);
}

}  // namespace

namespace {

// A fitted purchase model, as predict needs it: parameters bound into per-customer functions.
struct PurchaseModel {
  std::function<double(const analytics::CustomerSummary&)> p_alive;
  std::function<double(const analytics::CustomerSummary&, double)> expected_purchases;
};

// The fit's printed name for an error message.
const char* model_title(const std::string& model) {
  if (model == "paretonbd") return "Pareto/NBD";
  if (model == "mbgnbd") return "MBG/NBD";
  if (model == "gammagamma") return "Gamma-Gamma";
  return "BG/NBD";
}

// Fits purchase model `model` (bgnbd | paretonbd | mbgnbd) to `customers`, prints it as JSON
// when `print` is set, and returns it; nullopt after printing why on stderr.
std::optional<PurchaseModel> fit_purchase_model(
    const std::string& model, const std::vector<analytics::CustomerSummary>& customers,
    bool print) {
  auto fail = [&model](const boost::system::error_code& error) {
    std::cerr << "error: " << model_title(model) << " fit: " << error.message() << "\n";
    return std::nullopt;
  };
  if (model == "paretonbd") {
    const auto fit = analytics::fit_pareto_nbd(customers);
    if (!fit) return fail(fit.error());
    const auto p = fit->params;
    if (print) {
      print_fit(model, {{"r", p.r}, {"alpha", p.alpha}, {"s", p.s}, {"beta", p.beta}},
                fit->log_likelihood, fit->customers);
    }
    return PurchaseModel{
        [p](const auto& c) { return analytics::pareto_nbd_p_alive(p, c); },
        [p](const auto& c, double t) { return analytics::pareto_nbd_expected_purchases(p, c, t); }};
  }
  if (model == "mbgnbd") {
    const auto fit = analytics::fit_mbgnbd(customers);
    if (!fit) return fail(fit.error());
    const auto p = fit->params;
    if (print) {
      print_fit(model, {{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}},
                fit->log_likelihood, fit->customers);
    }
    return PurchaseModel{
        [p](const auto& c) { return analytics::mbgnbd_p_alive(p, c); },
        [p](const auto& c, double t) { return analytics::mbgnbd_expected_purchases(p, c, t); }};
  }
  // bgnbd: CLI11 admits no other value
  const auto fit = analytics::fit_bgnbd(customers);
  if (!fit) return fail(fit.error());
  const auto p = fit->params;
  if (print) {
    print_fit(model, {{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}}, fit->log_likelihood,
              fit->customers);
  }
  return PurchaseModel{
      [p](const auto& c) { return analytics::bgnbd_p_alive(p, c); },
      [p](const auto& c, double t) { return analytics::bgnbd_expected_purchases(p, c, t); }};
}

}  // namespace

int run_value_fit(const ValueFitOptions& o) {
  const auto summary = load_summary(o.summary);
  if (!summary) return 1;
  if (o.model != "gammagamma") {
    return fit_purchase_model(o.model, summary->customers, /*print=*/true) ? EXIT_SUCCESS : 1;
  }
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
            fit->log_likelihood, static_cast<std::size_t>(fit->customers));
  return EXIT_SUCCESS;
}

int run_value_predict(const ValuePredictOptions& o) {
  if (!(o.horizon >= 0) || !(o.discount_rate > -1)) {
    std::cerr << "error: --horizon must be >= 0 and --discount-rate > -1\n";
    return 2;
  }
  const auto summary = load_summary(o.summary);
  if (!summary) return 1;
  const auto purchases = fit_purchase_model(o.model, summary->customers, /*print=*/false);
  if (!purchases) return 1;
  std::optional<analytics::GammaGammaParams> spend;
  if (summary->has_monetary_value) {
    const auto fit = analytics::fit_gamma_gamma(summary->customers);
    if (!fit) {
      std::cerr << "error: Gamma-Gamma fit (spend): " << fit.error().message() << "\n";
      return 1;
    }
    spend = fit->params;
  }
  const analytics::ClvOptions clv{o.horizon, to_unit(o.unit), o.margin, o.discount_rate};

  std::cout.precision(10);
  std::cout << "id,p_alive,expected_purchases" << (spend ? ",expected_spend,clv" : "") << "\n";
  for (const auto& c : summary->customers) {
    std::cout << c.id << ',' << purchases->p_alive(c) << ','
              << purchases->expected_purchases(c, o.horizon);
    if (spend) {
      const double mean_spend = analytics::gamma_gamma_expected_spend(*spend, c);
      std::cout << ',' << mean_spend << ','
                << analytics::customer_lifetime_value(
                       [&](double t) { return purchases->expected_purchases(c, t); }, mean_spend,
                       clv);
    }
    std::cout << '\n';
  }
  return EXIT_SUCCESS;
}

}  // namespace rapport::ctl
