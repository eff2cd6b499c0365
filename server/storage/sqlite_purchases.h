// server/storage/sqlite_purchases.h
//
// Purchases, refunds and voids as the value engine reads them: one row per purchase, and
// per member the distinct purchase days, first and last purchase day, revenue and margin
// net of refunds, and spend by category, kept up to date in the transaction that stores the
// event. Internal to the SQLite backend.
//
// Thread-safety: as the Database (one thread). Requires: inside a write transaction.

#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "shared/domain/event.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

class PurchaseBook {
 public:
  // Requires: `db` outlives this.
  explicit PurchaseBook(storage::Database& db) : db_(db) {}

  // A new purchase event, of `member` (empty for a card nobody holds yet).
  [[nodiscard]] Result<void> record_purchase(const domain::Event& e,
                                             std::optional<std::int64_t> member);
  // A refund (amount) or void (everything left) of an earlier purchase. An unknown purchase
  // id is logged and ignored: the refund event itself is kept.
  [[nodiscard]] Result<void> record_refund(const domain::Event& e);
  [[nodiscard]] Result<void> record_void(const domain::Event& e);

 private:
  [[nodiscard]] Result<void> take_back(const domain::Event& e, const std::string& purchase_id,
                                       std::optional<std::int64_t> cents);

  storage::Database& db_;
  std::optional<storage::Statement> insert_;
  std::optional<storage::Statement> same_day_;
  std::optional<storage::Statement> member_totals_;
  std::optional<storage::Statement> category_;
  std::optional<storage::Statement> taken_back_;
};

// Attributes purchases of `token` recorded while nobody held it to `member_id` and recounts
// the member's purchase totals and categories from them.
[[nodiscard]] Result<void> attach_card_purchases(storage::Database& db, const std::string& token,
                                                 std::int64_t member_id);

// Recounts the member's purchase days, first and last purchase day, revenue and margin from
// the purchases table (after purchases moved to them).
[[nodiscard]] Result<void> recount_totals(storage::Database& db, std::int64_t member_id);

}  // namespace rapport::server::sqlite
