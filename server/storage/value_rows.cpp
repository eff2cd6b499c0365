// server/storage/value_rows.cpp
#include "server/storage/value_rows.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "shared/util/clock.h"

namespace rapport::server::value_rows {
namespace {

std::string params_text(const std::vector<analytics::NamedParam>& params) {
  std::ostringstream out;
  out.precision(10);
  for (std::size_t i = 0; i < params.size(); ++i) {
    out << (i ? " " : "") << params[i].name << "=" << params[i].value;
  }
  return out.str();
}

std::map<std::string, double> named_values(const std::string& text) {
  std::map<std::string, double> values;
  std::istringstream in(text);
  std::string field;
  while (in >> field) {
    const auto eq = field.find('=');
    if (eq == std::string::npos) continue;
    try {
      values[field.substr(0, eq)] = std::stod(field.substr(eq + 1));
    } catch (const std::exception&) {
    }
  }
  return values;
}

}  // namespace

std::int64_t forecast_panel_stride(const value::ValueRefresh& refresh) {
  const auto buyers =
      static_cast<std::size_t>(std::count_if(refresh.snapshots.begin(), refresh.snapshots.end(),
                                             [](const auto& s) { return s.history.has_value(); }));
  return static_cast<std::int64_t>((buyers + kForecastPanelBuyers - 1) / kForecastPanelBuyers);
}

bool forecast_cohort_due(const std::optional<std::string>& latest_as_of, const std::string& as_of) {
  const auto before = day_of(latest_as_of);
  const auto now = day_of(as_of);
  return !before || !now || *now - *before >= std::chrono::days(kForecastCohortDays);
}

std::optional<std::chrono::sys_days> day_of(const std::optional<std::string>& text) {
  if (!text || text->size() != 10) return std::nullopt;
  const auto midnight = from_iso8601(*text + "T00:00:00Z");
  if (!midnight) return std::nullopt;
  return std::chrono::floor<std::chrono::days>(*midnight);
}

long whole_days(const std::optional<double>& days) {
  return days ? static_cast<long>(std::lround(*days)) : -1;
}

FitText fit_text(const value::ValueFitInfo& fit) {
  FitText text{std::string(analytics::model_name(fit.model)), params_text(fit.params), {}};
  if (const auto& g = fit.spend)
    text.spend_params = params_text({{"p", g->p}, {"q", g->q}, {"v", g->v}});
  return text;
}

std::optional<value::ValueFitInfo> fit_from_text(const std::string& model,
                                                 const std::string& params_column,
                                                 double log_likelihood, std::int64_t customers,
                                                 const std::optional<std::string>& spend_params) {
  const auto kind = analytics::parse_model_name(model);
  if (!kind) return std::nullopt;
  const auto params = named_values(params_column);
  const auto spend = named_values(spend_params.value_or(""));
  // NamedParam names are views: the fit takes them from the model's own list.
  value::ValueFitInfo probe{*kind, {}, 0, 0, {}};
  for (const auto& [name, v] : params) probe.params.push_back({name, v});
  const auto fitted = value::model_of(probe);
  if (!fitted) return std::nullopt;
  value::ValueFitInfo fit{
      *kind, fitted->params(), log_likelihood, static_cast<std::size_t>(customers), {}};
  if (spend.contains("p") && spend.contains("q") && spend.contains("v")) {
    fit.spend = analytics::GammaGammaParams{spend.at("p"), spend.at("q"), spend.at("v")};
  }
  return fit;
}

}  // namespace rapport::server::value_rows
