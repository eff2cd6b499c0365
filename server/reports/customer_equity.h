// server/reports/customer_equity.h
//
// Customer equity by store (docs/reports.md): the sum of members' lifetime values from their
// latest value snapshots, by home store, with how many members it covers. `from`/`to`
// select snapshots by the day their forecast starts (as_of). Erased members count: their
// snapshots stay under the member id.

#pragma once

#include <memory>

#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<Report> customer_equity_report();
// Its change between two days and the parts of it, by home store (customer_equity_change.cpp).
[[nodiscard]] std::unique_ptr<Report> customer_equity_change_report();

}  // namespace rapport::server::reports
