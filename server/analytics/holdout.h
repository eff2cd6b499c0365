// server/analytics/holdout.h
//
// The hold-out check of a purchase model: what each customer did in a period after the
// calibration end, and the model's forecast for that period beside it, in aggregate and by
// number of calibration purchases (as Fader, Hardie & Lee 2005 show it). docs/value-models.md,
// "Hold-out check".

#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "server/analytics/analytics_errc.h"
#include "server/analytics/progress.h"
#include "server/analytics/purchase_model.h"
#include "server/analytics/summary.h"
#include "server/analytics/transactions.h"

namespace rapport::analytics {

// One customer's hold-out period.
struct HoldoutCustomer {
  std::string id;
  double frequency = 0;  // purchase days in the hold-out period (same-day orders are one)
  double duration = 0;   // the period's length in the summary's unit, > 0
};

// For every customer of summarize(transactions, calibration_end, unit), in the same order:
// the purchase days after calibration_end up to holdout_end (inclusive), and the period's
// length. Requires holdout_end > calibration_end.
[[nodiscard]] std::vector<HoldoutCustomer> summarize_holdout(
    const std::vector<Transaction>& transactions, std::chrono::sys_days calibration_end,
    std::chrono::sys_days holdout_end, TimeUnit unit);

// The last transaction's date (the natural hold-out end). Requires non-empty.
[[nodiscard]] std::chrono::sys_days last_transaction_date(
    const std::vector<Transaction>& transactions);

// Parses a hold-out CSV: a header naming an id column (`id`, `customer`, `customer_id`, any
// case; otherwise the first column not named below), `frequency_holdout` and
// `duration_holdout`. Errors name the line: kEmptyInput, kMissingColumn, kWrongColumnCount,
// kBadNumber, kBadFrequency (not a whole number >= 0), kNegativeTime (duration <= 0).
[[nodiscard]] ParseResult<std::vector<HoldoutCustomer>> parse_holdout(std::string_view text);

// parse_holdout() on the contents of `file` (kCannotOpen if it cannot be read).
[[nodiscard]] ParseResult<std::vector<HoldoutCustomer>> read_holdout(
    const std::filesystem::path& file);

// Writes `id,frequency_holdout,duration_holdout` and one row per customer.
void write_holdout_csv(std::ostream& out, const std::vector<HoldoutCustomer>& holdout);

// `holdout` reordered to match `customers` by id. Errors (kHoldoutMismatch, line 0, the
// detail naming the customer): a customer of the summary without a hold-out row, or a
// hold-out row for a customer the summary lacks, or an id twice.
[[nodiscard]] ParseResult<std::vector<HoldoutCustomer>> align_holdout(
    const std::vector<CustomerSummary>& customers, const std::vector<HoldoutCustomer>& holdout);

// Customers grouped by number of calibration purchases (repeat purchases x).
struct HoldoutBucket {
  std::string label;  // "0", "1", ..., "7+" (or "all" for the total)
  std::size_t customers = 0;
  double actual = 0;     // hold-out purchases the customers made, summed
  double predicted = 0;  // the model's conditional expectations, summed

  [[nodiscard]] double actual_mean() const;     // per customer; 0 for an empty bucket
  [[nodiscard]] double predicted_mean() const;  // per customer; 0 for an empty bucket
};

struct HoldoutComparison {
  std::vector<HoldoutBucket> buckets;  // x = 0, 1, ..., last - 1, then x >= last
  HoldoutBucket total;                 // every customer, labelled "all"
  double rmse = 0;                     // per customer: sqrt(mean((predicted - actual)^2))
  double mae = 0;                      // per customer: mean(|predicted - actual|)
};

inline constexpr std::size_t kHoldoutLastBucket = 7;  // "7+" as in Fader, Hardie & Lee

// The model's forecast E[Y(duration) | x, t_x, T] of each customer against the hold-out
// purchases. Requires: `holdout` aligned with `customers` (same size and order, see
// align_holdout), last_bucket >= 1.
[[nodiscard]] HoldoutComparison compare_holdout(const PurchaseModel& model,
                                                const std::vector<CustomerSummary>& customers,
                                                const std::vector<HoldoutCustomer>& holdout,
                                                std::size_t last_bucket = kHoldoutLastBucket,
                                                const ProgressCallback& progress = {});

}  // namespace rapport::analytics
