// server/reports/offer_uplift.h
//
// Offer effectiveness by value tier: per offer and tier, the members shown it against those
// held out, and the uplift in purchase days and net spend over the window that follows
// (docs/offers.md).
// docs/reports.md explains the columns.

#pragma once

#include <memory>

#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> offer_uplift_report();

}  // namespace rapport::server::reports
