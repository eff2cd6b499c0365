// server/storage/sqlite_usual_order.h
//
// A member's usual order (docs/offers.md, "The usual order"): of their last
// kUsualOrderPurchases purchases (newest by the terminal's clock, a purchase refunded or voided
// in full left out), the product found in the most of them, at least 2; a tie goes to the
// product bought most recently, then to the first by name. Kept in members.usual_order,
// derived from purchase_products (one row per purchase and product, written as purchases
// arrive) so neither ingest nor sync parses event payloads. Internal to the SQLite backend.
//
// Thread-safety: as the Database (one thread). Requires: inside a write transaction.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/protocol/event_payloads.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

inline constexpr int kUsualOrderPurchases = 10;
inline constexpr int kUsualOrderMinPurchases = 2;

// The rule as a scalar subquery for the member whose id is the SQL expression `member`
// ("?1", "members.id"). Migration 17 holds the same text for "members.id" (a test checks).
[[nodiscard]] std::string usual_order_sql(std::string_view member);

// Writes one purchase_products row per distinct product of the purchase.
[[nodiscard]] Result<void> add_purchase_products(storage::Database& db,
                                                 const std::string& purchase_id,
                                                 const protocol::PurchasePayload& purchase);

// Derives members' usual orders again, with its two statements prepared once (the event
// recorder keeps one for every purchase, refund and void).
class UsualOrders {
 public:
  // Requires: `db` outlives this.
  explicit UsualOrders(storage::Database& db) : db_(db) {}
  // True when the member's usual order changed (the caller marks the member changed so
  // terminals pull it). An erased member is left alone.
  [[nodiscard]] Result<bool> update(std::int64_t member_id);

 private:
  storage::Database& db_;
  std::optional<storage::Statement> derive_;
  std::optional<storage::Statement> store_;
};

// The same for one member, on rarer paths (a card's purchases attached, a merge).
[[nodiscard]] Result<bool> update_usual_order(storage::Database& db, std::int64_t member_id);

}  // namespace rapport::server::sqlite
