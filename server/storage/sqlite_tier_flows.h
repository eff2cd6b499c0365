// server/storage/sqlite_tier_flows.h
//
// Keeps tier_moves and tier_retierings (migration 24; docs/schema.md) equal to tier_history
// while a value refresh is saved: the save hands each member whose tier changed here, and
// write() adds the changes per place (the chain, the member's home store and its region) and
// the day: a few thousand rows at most, even on the first refresh when everyone gets a tier.
// When an edit of tier_history has marked them stale, write() rebuilds them from it instead.
// Internal to the SQLite backend.
//
// Thread-safety: one thread, inside the refresh's transaction, after its tier_history rows.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

class TierFlowChanges {
 public:
  explicit TierFlowChanges(storage::Database& db) : db_(&db) {}

  // A member's tier changed from `before` (none: their first tier) to `tier`; `home_store`:
  // where they belong now (none: unknown member, counted nowhere).
  void add(std::int64_t member_id, std::optional<std::string_view> before, std::string_view tier,
           const std::optional<std::string>& home_store);
  // Writes the changes as of `day` (YYYY-MM-DD, the day tier_history was stamped with).
  [[nodiscard]] Result<void> write(std::string_view day);

 private:
  std::int32_t index_of(std::vector<std::string>& names, std::string_view name);

  storage::Database* db_;
  std::vector<std::string> stores_, tiers_;  // tiers_[0] is '' (none)
  std::unordered_map<std::string, std::int32_t> store_index_;  // into stores_
  std::unordered_map<std::int64_t, std::int64_t> moves_;  // (store, from, to) packed -> members
  struct Retiering {
    std::int64_t member_id = 0;
    std::int32_t from = 0, to = 0;  // indexes into tiers_
    std::int32_t store = -1;        // index into stores_; -1: unknown member (not kept)
  };
  std::vector<Retiering> retiered_;  // members whose tier changed from one to another
};

// Migration 24's backfill of tier_moves and tier_retierings from tier_history (the
// migration holds the same text), for the rebuild.
[[nodiscard]] std::string_view tier_flows_backfill_sql();

// Rebuilds tier_moves and tier_retierings from tier_history and clears the stale mark.
[[nodiscard]] Result<void> rebuild_tier_flows(storage::Database& db);

}  // namespace rapport::server::sqlite
