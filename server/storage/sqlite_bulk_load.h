// server/storage/sqlite_bulk_load.h
//
// Loads a new chain's events straight into the server's SQLite file, writing every table and
// derived column that Store::record_events would (events, members with their visit and
// purchase totals and usual order, cards, purchases, purchase_products, member_categories,
// member_store_visits, card_alerts),
// but a member at a time in memory and each row once, in large transactions with the
// journal relaxed. For `rapportctl seed --bulk` (a benchmark-sized chain in minutes); a test
// holds it equal, table by table, to the event path (docs/value-engine.md, "Seeding").
//
// Thread-safety: one thread. The loader holds its own connection; nothing else may write the
// file until finish() or destruction.

#pragma once

#include <filesystem>
#include <memory>
#include <span>

#include "shared/domain/event.h"
#include "shared/util/result.h"

namespace rapport::server {

class BulkLoader {
 public:
  virtual ~BulkLoader() = default;

  // Stores `events` in one transaction, as record_events would with one batch.
  // Requires: every event's card is enrolled by an enrollment event earlier in the same call
  // (a referral may name a card enrolled by any earlier call); kinds are enrollment, visit
  // and purchase only; ids are new. Anything else is refused (kMisuse) before any write.
  [[nodiscard]] virtual Result<void> add(std::span<const domain::Event> events) = 0;

  // Puts the file back in its normal mode (WAL, full sync). Requires: called once, last.
  [[nodiscard]] virtual Result<void> finish() = 0;
};

// Opens the SQLite store at `file` (created and migrated as needed) for a bulk load.
// Requires: the file has no members yet (kConstraint otherwise): a bulk load is for a fresh
// chain; everything else goes through Store::record_events.
[[nodiscard]] Result<std::unique_ptr<BulkLoader>> open_sqlite_bulk_loader(
    const std::filesystem::path& file);

}  // namespace rapport::server
