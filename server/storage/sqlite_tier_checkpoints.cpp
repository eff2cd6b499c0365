// server/storage/sqlite_tier_checkpoints.cpp
#include "server/storage/sqlite_tier_checkpoints.h"

#include <string>

namespace rapport::server::sqlite {
namespace {

Result<void> save_checkpoint(storage::Database& db, std::string_view day,
                             const TierCheckpoint& checkpoint) {
  RAPPORT_TRY(auto put, db.prepare("INSERT INTO tier_checkpoints(day, tiers) VALUES (?1, ?2) "
                                   "ON CONFLICT(day) DO UPDATE SET tiers = excluded.tiers"));
  return put.bind(1, day).bind_blob(2, checkpoint.packed()).run();
}

Result<std::optional<std::pair<std::string, TierCheckpoint>>> last_checkpoint(
    storage::Database& db) {
  RAPPORT_TRY(auto last,
              db.prepare("SELECT day, tiers FROM tier_checkpoints ORDER BY day DESC LIMIT 1"));
  RAPPORT_TRY(const bool row, last.step());
  if (!row) return std::optional<std::pair<std::string, TierCheckpoint>>{};
  return std::optional(std::pair(last.column_text(0), TierCheckpoint(last.column_blob(1))));
}

}  // namespace

Result<bool> tier_checkpoints_current(storage::Database& db) {
  RAPPORT_TRY(auto state, db.prepare("SELECT current FROM tier_checkpoints_state"));
  RAPPORT_TRY(const bool row, state.step());
  return row && state.column_int64(0) != 0;
}

Result<std::optional<TierCheckpoint>> tier_checkpoint_at(storage::Database& db,
                                                         std::string_view day, bool inclusive) {
  RAPPORT_TRY(auto at, db.prepare(inclusive ? "SELECT tiers FROM tier_checkpoints WHERE day <= "
                                              "?1 ORDER BY day DESC LIMIT 1"
                                            : "SELECT tiers FROM tier_checkpoints WHERE day < "
                                              "?1 ORDER BY day DESC LIMIT 1"));
  at.bind(1, day);
  RAPPORT_TRY(const bool row, at.step());
  if (!row) return std::optional<TierCheckpoint>{};
  return std::optional(TierCheckpoint(at.column_blob(0)));
}

Result<void> TierCheckpointChanges::write(std::string_view day) {
  RAPPORT_TRY(const bool current, tier_checkpoints_current(*db_));
  if (!current) return rebuild_tier_checkpoints(*db_);
  RAPPORT_TRY(auto last, last_checkpoint(*db_));
  // A clock that went back stamped tier_history before the last checkpoint: only a rebuild
  // (which orders the history by its stamps) keeps every day true.
  if (last && last->first > day) return rebuild_tier_checkpoints(*db_);
  if (changes_.empty()) return {};
  TierCheckpoint checkpoint = last ? std::move(last->second) : TierCheckpoint{};
  for (const auto& [member_id, code] : changes_) checkpoint.set(member_id, code);
  return save_checkpoint(*db_, day, checkpoint);
}

Result<void> rebuild_tier_checkpoints(storage::Database& db) {
  RAPPORT_TRY_VOID(db.execute("DELETE FROM tier_checkpoints"));
  // The same order the reports' own reading of the history takes: by stamp, then insertion.
  RAPPORT_TRY(auto history, db.prepare("SELECT substr(changed_at, 1, 10), member_id, tier "
                                       "FROM tier_history ORDER BY changed_at, rowid"));
  TierCheckpoint checkpoint;
  std::string day;
  for (;;) {
    RAPPORT_TRY(const bool row, history.step());
    std::string next = row ? history.column_text(0) : std::string();
    if (!day.empty() && next != day) RAPPORT_TRY_VOID(save_checkpoint(db, day, checkpoint));
    if (!row) break;
    day = std::move(next);
    checkpoint.set(history.column_int64(1), tier_code(history.column_text(2)));
  }
  return db.execute("UPDATE tier_checkpoints_state SET current = 1");
}

}  // namespace rapport::server::sqlite
