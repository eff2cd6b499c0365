// server/reports/acquisition.h
//
// Members by acquisition channel and campaign (members' recorded channel; a campaign holds the
// members of its channel who enrolled on its days), with each campaign's recorded spend, its
// cost per acquired member and their forecast lifetime value. Campaign spend and cost per
// member are the whole chain's; --store/--region narrow the members.
// docs/reports.md explains the columns.

#pragma once

#include <memory>

#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> acquisition_report();

}  // namespace rapport::server::reports
