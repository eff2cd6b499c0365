// server/analytics/analytics_errc.h
//
// Why customer-value input or a model fit was refused. Every value is an expected outcome of
// analysts' files (a typo, a wrong export, too little data); parse errors also name the line.

#pragma once

#include <cstddef>
#include <string>
#include <type_traits>

#include "shared/util/result.h"

namespace rapport::analytics {

enum class AnalyticsErrc {
  kCannotOpen = 1,    // the input file cannot be opened or read
  kEmptyInput,        // no header, or a header and no data rows
  kMissingColumn,     // the header lacks a required column
  kWrongColumnCount,  // a row has more or fewer fields than the header (or the log format)
  kBadNumber,         // a field that must be a number is not one
  kBadDate,           // a date that is not a real calendar date written YYYY-MM-DD / YYYYMMDD
  kNegativeAmount,    // a transaction amount below zero
  kNegativeTime,      // recency or T below zero
  kRecencyAfterAge,   // recency (t_x) greater than T
  kBadFrequency,      // frequency that is not a non-negative whole number
  kBadSpend,          // a repeat buyer's mean spend that is zero, negative or missing
  kTooFewCustomers,   // not enough (repeat) customers to fit the model
  kFitFailed,         // the optimiser found no finite likelihood or did not converge
  kHoldoutMismatch,   // a hold-out file whose customers are not the summary's
};

[[nodiscard]] const boost::system::error_category& analytics_category() noexcept;

inline ErrorCode make_error_code(AnalyticsErrc e) noexcept {
  return {static_cast<int>(e), analytics_category()};
}

// A refused input file: the kind of problem, the 1-based line it was found on (0 when it
// concerns the whole file) and a detail naming the offending field or value.
struct ParseError {
  AnalyticsErrc code;
  std::size_t line = 0;
  std::string detail;

  // "line 12: amount is negative: '-3.50'" (or the category's message when detail is empty).
  [[nodiscard]] std::string message() const;
};

// Result of reading an input file: the value, or the ParseError naming the row.
template <class T>
using ParseResult = boost::system::result<T, ParseError>;

// Lets ParseResult::value() throw (as Result does) when called on an error.
[[noreturn]] void throw_exception_from_error(const ParseError& e,
                                             const boost::source_location& loc);

}  // namespace rapport::analytics

template <>
struct boost::system::is_error_code_enum<rapport::analytics::AnalyticsErrc> : std::true_type {};
