// server/storage/sqlite_tier_checkpoints.h
//
// Every member's value tier at the end of each day a refresh changed one (tier_checkpoints,
// migration 25; docs/schema.md): tier migrations between any two days is then two rows read
// and one pass over an array, whatever the number of members who changed tier in between.
// A day's row is 4 bits per member id (500 KB at 1,000,000 members), written by the value
// refresh's save from the day before's row and the members whose tier it changed. When an
// edit of tier_history, a clock that went back, or the migration has left them not current,
// the save rebuilds them all from tier_history instead (one ordered pass over it).
//
// Thread-safety: one thread (the Database's); the writer inside the refresh's transaction,
// after its tier_history rows.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/storage/tier_checkpoint.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

// Whether the checkpoints are true to tier_history (else a reader uses tier_history).
[[nodiscard]] Result<bool> tier_checkpoints_current(storage::Database& db);

// The checkpoint of the last day on or before `day` (`inclusive`) or before it; none when
// no tier had been given by then (everyone's is none).
[[nodiscard]] Result<std::optional<TierCheckpoint>> tier_checkpoint_at(storage::Database& db,
                                                                       std::string_view day,
                                                                       bool inclusive);

// The changes one save makes: add() each member whose tier changed, write() at the end.
class TierCheckpointChanges {
 public:
  explicit TierCheckpointChanges(storage::Database& db) : db_(&db) {}
  void add(std::int64_t member_id, std::string_view tier) {
    changes_.emplace_back(member_id, tier_code(tier));
  }
  // Writes the checkpoint of `day` (YYYY-MM-DD, the day tier_history was stamped with), or
  // rebuilds them all when they are not current or `day` comes before the last one.
  [[nodiscard]] Result<void> write(std::string_view day);

 private:
  storage::Database* db_;
  std::vector<std::pair<std::int64_t, std::uint8_t>> changes_;
};

// Rebuilds every checkpoint from tier_history and marks them current.
[[nodiscard]] Result<void> rebuild_tier_checkpoints(storage::Database& db);

}  // namespace rapport::server::sqlite
