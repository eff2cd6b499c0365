// terminal/screen/local_sales.h
//
// The purchases the cashier may refund from the screen (whole or an amount): those recorded at
// this terminal, from its cashier screen or its POS API (local_sales, terminal migration 9:
// the outbox forgets an event once the server has it), and the member's recent purchases at
// any till of the chain as the server sent them (member_purchases, terminal migration 12;
// docs/protocol.md, "Recent purchases"). Each says how much of it has been refunded, so a
// refund beyond the total is refused before it reaches the server. For a purchase of another
// till that count is the server's at the last pull plus the refunds made here since: a refund
// at another till since then is not in it, and the server takes back at most what is left.
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
  std::string store_id{};  // where it was rung up; empty for a sale recorded at this terminal
};

class LocalSales {
 public:
  // Requires: `db` outlives this object.
  explicit LocalSales(storage::Database& db) : db_(db) {}

  // Adds a sale recorded here. Requires: inside the sale's transaction (terminal/sales.h's
  // `also`).
  [[nodiscard]] Result<void> add(const LocalSale& sale);
  // What a sale event recorded here (Sales::record, from the screen or the POS API) does to
  // this table, the one way both keep it: a purchase is added, a refund adds to what was
  // refunded of its purchase, a void refunds all of it (a purchase not recorded here: nothing).
  // Requires: inside the event's transaction (Sales::record's `also`).
  [[nodiscard]] Result<void> keep(const RecordedSale& recorded);
  // The sale with this id, when it was recorded here or the server sent it with its member.
  [[nodiscard]] Result<std::optional<LocalSale>> find(std::string_view event_id);
  // Adds `cents` to what was refunded of the sale (never beyond its total), in both tables.
  // Requires: inside the refund's transaction.
  [[nodiscard]] Result<void> add_refund(std::string_view event_id, std::int64_t cents);
  // The member's newest `limit` sales, recorded here or sent by the server, newest first.
  [[nodiscard]] Result<std::vector<LocalSale>> recent(std::int64_t member_id, int limit);

 private:
  storage::Database& db_;
};

}  // namespace rapport::terminal
