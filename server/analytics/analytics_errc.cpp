// server/analytics/analytics_errc.cpp
#include "server/analytics/analytics_errc.h"

#include <stdexcept>

#include "shared/util/error_category.h"

namespace rapport::analytics {
namespace {

const char* describe(int value) {
  switch (static_cast<AnalyticsErrc>(value)) {
    case AnalyticsErrc::kCannotOpen:
      return "cannot open or read the file";
    case AnalyticsErrc::kEmptyInput:
      return "the file has no data rows";
    case AnalyticsErrc::kMissingColumn:
      return "a required column is missing from the header";
    case AnalyticsErrc::kWrongColumnCount:
      return "wrong number of columns";
    case AnalyticsErrc::kBadNumber:
      return "not a number";
    case AnalyticsErrc::kBadDate:
      return "not a valid date";
    case AnalyticsErrc::kNegativeAmount:
      return "amount is negative";
    case AnalyticsErrc::kNegativeTime:
      return "recency and T must not be negative";
    case AnalyticsErrc::kRecencyAfterAge:
      return "recency is greater than T";
    case AnalyticsErrc::kBadFrequency:
      return "frequency must be a non-negative whole number";
    case AnalyticsErrc::kBadSpend:
      return "a repeat buyer's mean spend must be positive";
    case AnalyticsErrc::kTooFewCustomers:
      return "too few customers to fit the model";
    case AnalyticsErrc::kFitFailed:
      return "the model fit did not converge";
    case AnalyticsErrc::kHoldoutMismatch:
      return "the hold-out file does not hold the summary's customers";
  }
  return "unknown analytics error";
}

}  // namespace

const boost::system::error_category& analytics_category() noexcept {
  static const NamedErrorCategory category("rapport.analytics", &describe);
  return category;
}

std::string ParseError::message() const {
  std::string text = line > 0 ? "line " + std::to_string(line) + ": " : std::string{};
  text += make_error_code(code).message();
  if (!detail.empty()) text += ": " + detail;
  return text;
}

void throw_exception_from_error(const ParseError& e, const boost::source_location&) {
  throw std::runtime_error(e.message());
}

}  // namespace rapport::analytics
