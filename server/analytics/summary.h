// server/analytics/summary.h
//
// The RFM summary every value model reads: per customer the number of repeat purchases, the
// time of the last one, the customer's age and mean repeat spend (docs/value-models.md).

#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "server/analytics/analytics_errc.h"
#include "server/analytics/transactions.h"

namespace rapport::analytics {

enum class TimeUnit { kWeeks, kDays };

struct CustomerSummary {
  std::string id;
  double frequency = 0;       // x: repeat purchase days, a whole number >= 0
  double recency = 0;         // t_x: first purchase to last repeat purchase; 0 when x = 0
  double age = 0;             // T: first purchase to the end of calibration; >= recency
  double monetary_value = 0;  // mean amount of the repeat purchase days; 0 when x = 0
};

struct Summary {
  std::vector<CustomerSummary> customers;
  bool has_monetary_value = false;  // whether monetary_value was computed or read
};

// Summarises `transactions` at `calibration_end` (inclusive; later transactions are
// ignored, as are customers whose first purchase is later). All orders of one customer on
// one day are one purchase with their amounts summed. Customers keep the order of their
// first appearance in `transactions`. Times are whole days, divided by 7 for weeks.
[[nodiscard]] Summary summarize(const std::vector<Transaction>& transactions,
                                std::chrono::sys_days calibration_end, TimeUnit unit);

// Parses a summary CSV. The header names an id column (`id`, `customer`, `customer_id`,
// any case; otherwise the first column not named below), `frequency` or `x`, `recency` or
// `t_x`, `T`, and optionally `monetary_value` or `zbar`. Errors name the line: kEmptyInput,
// kMissingColumn, kWrongColumnCount, kBadNumber, kNegativeTime, kRecencyAfterAge,
// kBadFrequency, kBadSpend (a negative monetary value).
[[nodiscard]] ParseResult<Summary> parse_summary(std::string_view text);

// parse_summary() on the contents of `file` (kCannotOpen if it cannot be read).
[[nodiscard]] ParseResult<Summary> read_summary(const std::filesystem::path& file);

// Writes `id,frequency,recency,T,monetary_value` and one row per customer.
void write_summary_csv(std::ostream& out, const Summary& summary);

}  // namespace rapport::analytics
