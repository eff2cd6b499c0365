// server/reports/forecast_accuracy.h
//
// Forecast against actual: the value engine's latest check of each forecast cohort on the
// chain's own purchases (value_accuracy), in total and by bin of expected purchase days.
// docs/reports.md explains the columns.

#pragma once

#include <memory>

#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> forecast_accuracy_report();

}  // namespace rapport::server::reports
