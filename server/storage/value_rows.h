// server/storage/value_rows.h
//
// What both backends' value engine code (sqlite_value.cpp, pg_value.cpp) writes and reads
// the same way: a fit's text columns, a day column, and the rules for forecast cohorts, so a
// refresh saved on SQLite and one saved on PostgreSQL hold the same rows
// (docs/value-engine.md). Internal to server/storage.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/value/value_model.h"

namespace rapport::server::value_rows {

// A forecast cohort every kForecastCohortDays: each member's forecast with what the model saw,
// to compare later with what they did (docs/value-engine.md, "Forecast against actual").
inline constexpr int kForecastCohortDays = 28;
// The check compares totals per bin of expected purchase days, which a panel of this many
// buyers measures to well under 1 % (docs/value-engine.md). A bigger chain keeps every k-th
// member id (a systematic sample across enrollment dates, the same members cohort after
// cohort) rather than every buyer: at 1,000,000 members that is 100,000 rows a cohort, not a
// million, so the refresh that keeps a cohort stays within its 10 s (it was 1.5-2 s more)
// and the table grows by 65 MB a year instead of 650.
inline constexpr std::size_t kForecastPanelBuyers = 100'000;

// Every stride-th member id of the buyers joins a cohort (1: every buyer).
[[nodiscard]] std::int64_t forecast_panel_stride(const value::ValueRefresh& refresh);

// True when a new cohort is due on `as_of` after the latest one (nullopt: none yet).
[[nodiscard]] bool forecast_cohort_due(const std::optional<std::string>& latest_as_of,
                                       const std::string& as_of);

// A YYYY-MM-DD column as a day; nullopt for NULL or anything else.
[[nodiscard]] std::optional<std::chrono::sys_days> day_of(const std::optional<std::string>& text);

// A member's rhythm in whole days as terminals show it; -1 without one.
[[nodiscard]] long whole_days(const std::optional<double>& days);

// The columns value_fits keeps a fit in: model, params, spend_params ("name=value ...").
struct FitText {
  std::string model;
  std::string params;
  std::optional<std::string> spend_params;
};
[[nodiscard]] FitText fit_text(const value::ValueFitInfo& fit);

// A fit back from its columns; nullopt when the model or its parameters are not known.
[[nodiscard]] std::optional<value::ValueFitInfo> fit_from_text(
    const std::string& model, const std::string& params, double log_likelihood,
    std::int64_t customers, const std::optional<std::string>& spend_params);

}  // namespace rapport::server::value_rows
