// server/storage/sqlite_rewards_days.h
//
// Keeps rewards_days (migration 26; docs/schema.md) true while a value refresh is saved: a
// member whose tier changes takes their count and their points balance from their old tier
// to the new one on the day of the change, at their home store, its region and the chain.
// Triggers follow the ledger, offers, reward costs, home-store moves and merges; tier
// changes come from the save instead, since the first full refresh gives a million members
// their first tier and a trigger per member would cost seconds. The save hands each change
// here, and write() adds them per store and pair of tiers: a few thousand rows at most.
// Internal to the SQLite backend.
//
// Thread-safety: one thread, inside the refresh's transaction (balances are read there).

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

// Above this many changes one pass over member_rewards (a million rows: a few hundred ms)
// is cheaper than a look-up each (a microsecond or two each).
inline constexpr std::size_t kRewardsScanAbove = 20'000;

class RewardsTierMoves {
 public:
  // `scan_above`: kRewardsScanAbove but in tests, which take both ways on a small chain.
  explicit RewardsTierMoves(storage::Database& db, std::size_t scan_above = kRewardsScanAbove)
      : db_(&db), scan_above_(scan_above) {}

  // A member's tier changed from `before` (none: their first tier) to `tier`; `home_store`:
  // where they count now (none: merged away or unknown, counted nowhere).
  void add(std::int64_t member_id, std::optional<std::string_view> before, std::string_view tier,
           const std::optional<std::string>& home_store);
  // Reads the members' balances and writes the moves as of `day` (YYYY-MM-DD, the day
  // tier_history was stamped with). Balances: one by one for the few members of a nightly
  // refresh, one ordered pass over member_rewards for the many of a first refresh.
  [[nodiscard]] Result<void> write(std::string_view day);

 private:
  std::int32_t index_of(std::vector<std::string>& names, std::string_view name);
  [[nodiscard]] Result<void> read_balances();

  struct Change {
    std::int64_t member_id = 0;
    std::int32_t store = 0, from = 0, to = 0;  // indexes into stores_, tiers_
    std::int64_t balance = 0;
  };
  struct Move {
    std::int64_t members = 0;
    std::int64_t points = 0;
  };

  storage::Database* db_;
  std::size_t scan_above_;
  std::vector<std::string> stores_, tiers_;
  std::unordered_map<std::string, std::int32_t> store_index_;  // into stores_
  std::vector<Change> changes_;
};

// Migration 26's backfill of rewards_days (the migration holds the same text; a test checks).
[[nodiscard]] std::string_view rewards_days_backfill_sql();

// Rebuilds rewards_days from what is stored (for a bulk-written ledger, whose triggers did not
// run): every member counted at their home store now.
[[nodiscard]] Result<void> rebuild_rewards_days(storage::Database& db);

}  // namespace rapport::server::sqlite
