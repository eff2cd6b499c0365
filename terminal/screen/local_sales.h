// terminal/screen/local_sales.h
//
// The purchases recorded at this terminal, from its cashier screen or its POS API (local_sales,
// terminal migration 9), kept so the cashier can pick one of the member's recent sales and
// refund it (whole or an amount): the outbox forgets an event once the server has it. Each row also says how much
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

#include "shared/protocol/event_payloads.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"
#include "terminal/sales.h"

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
  // What a sale event recorded here (Sales::record, from the screen or the POS API) does to
  // this table, the one way both keep it: a purchase is added, a refund adds to what was
  // refunded of its purchase, a void refunds all of it (a purchase not recorded here: nothing).
  // Requires: inside the event's transaction (Sales::record's `also`).
  [[nodiscard]] Result<void> keep(const RecordedSale& recorded);
  // The sale with this id, when it was recorded here.
  [[nodiscard]] Result<std::optional<LocalSale>> find(std::string_view event_id);
  // Adds `cents` to what was refunded of the sale. Requires: inside the refund's transaction.
  [[nodiscard]] Result<void> add_refund(std::string_view event_id, std::int64_t cents);
  // The member's newest `limit` sales recorded here, newest first.
  [[nodiscard]] Result<std::vector<LocalSale>> recent(std::int64_t member_id, int limit);

 private:
  storage::Database& db_;
};

// "2 x Flat white, Croissant": what a sale was, for the refund list (at most 200 bytes).
[[nodiscard]] std::string sale_summary(const std::vector<protocol::SaleLine>& lines);

}  // namespace rapport::terminal
