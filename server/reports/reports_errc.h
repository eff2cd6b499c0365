// server/reports/reports_errc.h
//
// Why a head-office report refused to run: expected outcomes of what an operator asked for.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::server::reports {

enum class ReportsErrc {
  kChainWideOnly = 1,  // the report's figures exist for the whole chain only: no --store/--region
  // The report has no PostgreSQL version yet (docs/reports.md, "On PostgreSQL"): an error,
  // never empty rows, so nobody reads "nothing to report" into a report that did not run.
  kNotOnPostgresql = 2,
};

[[nodiscard]] const boost::system::error_category& reports_category() noexcept;

inline ErrorCode make_error_code(ReportsErrc e) noexcept {
  return {static_cast<int>(e), reports_category()};
}

}  // namespace rapport::server::reports

template <>
struct boost::system::is_error_code_enum<rapport::server::reports::ReportsErrc> : std::true_type {};
