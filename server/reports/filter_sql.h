// server/reports/filter_sql.h
//
// The one way reports narrow rows to a store or region (Filter::store, Filter::region) and
// to a period, so every report reads the filter the same way.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/reports/report.h"
#include "shared/storage/statement.h"

namespace rapport::server::reports {

// An SQL condition: `store_column` (a store id) is the filter's store and lies in its region;
// true when neither is set. Parameters ?<first> (store) and ?<first + 1> (region).
[[nodiscard]] inline std::string place_condition(std::string_view store_column, int first) {
  const std::string s = "?" + std::to_string(first);
  const std::string r = "?" + std::to_string(first + 1);
  const std::string column(store_column);
  return "(" + s + " IS NULL OR " + column + " = " + s + ") AND (" + r + " IS NULL OR " +
         column + " IN (SELECT id FROM stores WHERE region = " + r + "))";
}

// An SQL condition: the day `day_expression` (YYYY-MM-DD) lies in the filter's period.
// Parameters ?<first> (from) and ?<first + 1> (to).
[[nodiscard]] inline std::string period_condition(std::string_view day_expression, int first) {
  const std::string f = "?" + std::to_string(first);
  const std::string t = "?" + std::to_string(first + 1);
  const std::string day(day_expression);
  return "(" + f + " IS NULL OR " + day + " >= " + f + ") AND (" + t + " IS NULL OR " + day +
         " <= " + t + ")";
}

inline void bind_place(storage::Statement& stmt, const Filter& filter, int first) {
  stmt.bind_optional(first, filter.store).bind_optional(first + 1, filter.region);
}

inline void bind_period(storage::Statement& stmt, const Filter& filter, int first) {
  stmt.bind_optional(first, filter.from).bind_optional(first + 1, filter.to);
}

// The text of a column that may be NULL, as a report cell (no value when NULL).
[[nodiscard]] inline Cell optional_text(const storage::Statement& stmt, int column) {
  if (stmt.column_is_null(column)) return std::monostate{};
  return stmt.column_text(column);
}

[[nodiscard]] inline Cell optional_int(const storage::Statement& stmt, int column) {
  if (stmt.column_is_null(column)) return std::monostate{};
  return stmt.column_int64(column);
}

// a / b rounded to the nearest whole (halves away from zero); no value when b is 0.
[[nodiscard]] inline Cell rounded_ratio(std::int64_t a, std::int64_t b) {
  if (b == 0) return std::monostate{};
  const std::int64_t half = (b < 0 ? -b : b) / 2;
  const bool negative = (a < 0) != (b < 0);
  const std::int64_t magnitude = ((a < 0 ? -a : a) + half) / (b < 0 ? -b : b);
  return negative ? -magnitude : magnitude;
}

}  // namespace rapport::server::reports
