// server/storage/pg_tier_checkpoints.h
//
// tier_checkpoints on PostgreSQL (its migration 11; docs/schema.md), as
// sqlite_tier_checkpoints.h keeps them on SQLite: a day's row (bytea) is every member's tier
// at its end, written by the value refresh's save from the day before's row and the members
// whose tier it changed. When an edit of tier_history, a clock that went back, a copy from
// SQLite (`storage migrate` leaves them behind) or the migration has left them not current,
// the save rebuilds them all from tier_history instead (one ordered pass over it).
//
// Thread-safety: one thread (the Connection's); the writer inside the refresh's transaction,
// after its tier_history rows.

#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "server/storage/pg_connection.h"
#include "server/storage/tier_checkpoint.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// Whether the checkpoints are true to tier_history (else a reader uses tier_history).
[[nodiscard]] Result<bool> tier_checkpoints_current(Connection& db);

// The checkpoint of the last day on or before `day` (`inclusive`) or before it; none when
// no tier had been given by then.
[[nodiscard]] Result<std::optional<TierCheckpoint>> tier_checkpoint_at(Connection& db,
                                                                       std::string_view day,
                                                                       bool inclusive);

// The changes one save makes: add() each member whose tier changed, write() at the end.
class TierCheckpointChanges {
 public:
  explicit TierCheckpointChanges(Connection& db) : db_(&db) {}
  void add(std::int64_t member_id, std::string_view tier) {
    changes_.emplace_back(member_id, tier_code(tier));
  }
  // Writes the checkpoint of `day` (YYYY-MM-DD, the day tier_history was stamped with), or
  // rebuilds them all when they are not current or `day` comes before the last one.
  [[nodiscard]] Result<void> write(std::string_view day);

 private:
  Connection* db_;
  std::vector<std::pair<std::int64_t, std::uint8_t>> changes_;
};

// Rebuilds every checkpoint from tier_history and marks them current. Requires: inside a
// transaction (it reads the history through a cursor).
[[nodiscard]] Result<void> rebuild_tier_checkpoints(Connection& db);

}  // namespace rapport::server::pg
