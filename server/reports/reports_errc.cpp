// server/reports/reports_errc.cpp
#include "server/reports/reports_errc.h"

#include "shared/util/error_category.h"

namespace rapport::server::reports {
namespace {

const char* describe(int value) {
  switch (static_cast<ReportsErrc>(value)) {
    case ReportsErrc::kChainWideOnly:
      return "this report is kept for the whole chain only: run it without --store and --region";
    case ReportsErrc::kNotOnPostgresql:
      return "this report is not yet supported on PostgreSQL: it runs on a SQLite database "
             "only (docs/reports.md, \"On PostgreSQL\")";
  }
  return "unknown report error";
}

}  // namespace

const boost::system::error_category& reports_category() noexcept {
  static const NamedErrorCategory category("rapport.reports", &describe);
  return category;
}

}  // namespace rapport::server::reports
