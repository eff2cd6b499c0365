// terminal/screen/local_sales.h
//
// The purchases recorded from this terminal's cashier screen (local_sales, terminal migration
// 9), kept so the cashier can pick one of the member's recent sales and refund it (whole or
// an amount): the outbox forgets an event once the server has it. Each row also says how much
// of the sale has been refunded here, so a second refund beyond the total is refused before
// it reaches the server.
//
// Thread-safety: as the Database it was given (one thread).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::terminal {

struct LocalSale {
  std::string event_id;  // the purchase event's id
  std::int64_t member_id = 0;
  std::string occurred_at;  // ISO 8601 UTC, the terminal's clock
  std::string summary;      // "2 x Flat white, Croissant"
  std::int64_t total_cents = 0;
  std::int64_t refunded_cents = 0;
};

class LocalSales {
 public:
  // Requires: `db` outlives this object.
  explicit LocalSales(storage::Database& db) : db_(db) {}

  // Requires: inside the sale's transaction (terminal/sales.h's `also`).
  [[nodiscard]] Result<void> add(const LocalSale& sale);
  // The sale with this id, when it was recorded here.
  [[nodiscard]] Result<std::optional<LocalSale>> find(std::string_view event_id);
  // Adds `cents` to what was refunded of the sale. Requires: inside the refund's transaction.
  [[nodiscard]] Result<void> add_refund(std::string_view event_id, std::int64_t cents);
  // The member's newest `limit` sales recorded here, newest first.
  [[nodiscard]] Result<std::vector<LocalSale>> recent(std::int64_t member_id, int limit);

 private:
  storage::Database& db_;
};

}  // namespace rapport::terminal
