// server/analytics/transactions.h
//
// A customer's purchases as read from a transaction log: the input of summarize(). Two
// formats, detected from the content (docs/value-models.md, "Input files").

#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/analytics/analytics_errc.h"

namespace rapport::analytics {

struct Transaction {
  std::string customer;
  std::chrono::sys_days date;
  double amount = 0;  // >= 0
};

// Parses a transaction log, in file order. Formats:
//  - CSV with a header naming the columns `customer` (or `id`, `customer_id`), `date`
//    (YYYY-MM-DD) and `amount`, in any order; other columns are ignored. No quoting.
//  - The CDNOW fixed-width log: blank-separated `customer date(YYYYMMDD) quantity amount`,
//    or the sample's five columns `master_id customer date quantity amount` (the customer is
//    the column before the date, its leading zeros dropped); an optional header line (first
//    field not a number).
// A first line containing a comma means CSV. Errors name the line: kEmptyInput,
// kMissingColumn, kWrongColumnCount, kBadDate, kBadNumber, kNegativeAmount.
[[nodiscard]] ParseResult<std::vector<Transaction>> parse_transactions(std::string_view text);

// parse_transactions() on the contents of `file` (kCannotOpen if it cannot be read).
[[nodiscard]] ParseResult<std::vector<Transaction>> read_transactions(
    const std::filesystem::path& file);

// "YYYY-MM-DD" as a calendar day; nullopt unless it is a real date in that exact form.
[[nodiscard]] std::optional<std::chrono::sys_days> parse_iso_date(std::string_view text);

}  // namespace rapport::analytics
