// server/reports/all_reports.cpp
//
// The list of reports: add a report here and `rapportctl report NAME` (and any page that
// lists reports) offers it.
#include "server/reports/acquisition.h"
#include "server/reports/acquisition_cost.h"
#include "server/reports/customer_equity.h"
#include "server/reports/forecast_accuracy.h"
#include "server/reports/offer_uplift.h"
#include "server/reports/rewards.h"
#include "server/reports/report.h"

namespace rapport::server::reports {

std::vector<std::unique_ptr<Report>> all_reports() {
  std::vector<std::unique_ptr<Report>> reports;
  reports.push_back(customer_equity_report());
  reports.push_back(acquisition_report());
  reports.push_back(acquisition_cost_report());
  reports.push_back(rewards_report());
  reports.push_back(offer_uplift_report());
  reports.push_back(forecast_accuracy_report());
  return reports;
}

std::unique_ptr<Report> find_report(std::string_view name) {
  for (auto& report : all_reports()) {
    if (report->name() == name) return std::move(report);
  }
  return nullptr;
}

}  // namespace rapport::server::reports
