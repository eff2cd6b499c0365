// server/storage/pg_tier_checkpoints.cpp
#include "server/storage/pg_tier_checkpoints.h"

#include <string>

namespace rapport::server::pg {
namespace {

// bytea travels as text in its hex form ("\x0a1f..."), as libpq gives and takes it.
std::string hex_bytea(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "\\x";
  text.reserve(2 + bytes.size() * 2);
  for (const auto b : bytes) {
    text.push_back(kDigits[b >> 4]);
    text.push_back(kDigits[b & 0x0f]);
  }
  return text;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

// Requires: `text` is encode(tiers, 'hex') (read so whatever the session's bytea_output).
TierCheckpoint from_hex(const std::string& text) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(text.size() / 2);
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    bytes.push_back(static_cast<std::uint8_t>(hex_digit(text[i]) << 4 | hex_digit(text[i + 1])));
  }
  return TierCheckpoint(std::move(bytes));
}

Result<void> save_checkpoint(Connection& db, std::string_view day,
                             const TierCheckpoint& checkpoint) {
  RAPPORT_TRY_VOID(db.exec("INSERT INTO tier_checkpoints(day, tiers) VALUES ($1, $2::bytea) "
                           "ON CONFLICT (day) DO UPDATE SET tiers = excluded.tiers",
                           {param(day), param(hex_bytea(checkpoint.packed()))}));
  return {};
}

}  // namespace

Result<bool> tier_checkpoints_current(Connection& db) {
  RAPPORT_TRY(const auto state, db.exec("SELECT current FROM tier_checkpoints_state"));
  return !state.empty() && state.boolean(0, 0);
}

Result<std::optional<TierCheckpoint>> tier_checkpoint_at(Connection& db, std::string_view day,
                                                         bool inclusive) {
  RAPPORT_TRY(const auto at,
              db.exec(inclusive ? "SELECT encode(tiers, 'hex') FROM tier_checkpoints WHERE day <= $1 "
                                  "ORDER BY day DESC LIMIT 1"
                                : "SELECT encode(tiers, 'hex') FROM tier_checkpoints WHERE day < $1 "
                                  "ORDER BY day DESC LIMIT 1",
                      {param(day)}));
  if (at.empty()) return std::optional<TierCheckpoint>{};
  return std::optional(from_hex(at.text(0, 0)));
}

Result<void> TierCheckpointChanges::write(std::string_view day) {
  RAPPORT_TRY(const bool current, tier_checkpoints_current(*db_));
  if (!current) return rebuild_tier_checkpoints(*db_);
  RAPPORT_TRY(const auto last,
              db_->exec("SELECT day, encode(tiers, 'hex') FROM tier_checkpoints ORDER BY day DESC LIMIT 1"));
  // A clock that went back stamped tier_history before the last checkpoint: only a rebuild
  // (which orders the history by its stamps) keeps every day true.
  if (!last.empty() && last.text(0, 0) > day) return rebuild_tier_checkpoints(*db_);
  if (changes_.empty()) return {};
  TierCheckpoint checkpoint = last.empty() ? TierCheckpoint{} : from_hex(last.text(0, 1));
  for (const auto& [member_id, code] : changes_) checkpoint.set(member_id, code);
  return save_checkpoint(*db_, day, checkpoint);
}

Result<void> rebuild_tier_checkpoints(Connection& db) {
  RAPPORT_TRY_VOID(db.exec("DELETE FROM tier_checkpoints"));
  // By stamp, as the report's reading of the history takes it (a member has one row per
  // stamp: a save writes each member once); through a cursor, since a year of nightly
  // refreshes of a large chain is millions of rows.
  constexpr int kFetchRows = 100'000;
  RAPPORT_TRY_VOID(db.exec("DECLARE tier_history_rows NO SCROLL CURSOR FOR "
                           "SELECT substr(changed_at, 1, 10), member_id, tier FROM tier_history "
                           "ORDER BY changed_at, member_id"));
  TierCheckpoint checkpoint;
  std::string day;
  for (bool more = true; more;) {
    RAPPORT_TRY(const auto rows,
                db.exec("FETCH " + std::to_string(kFetchRows) + " FROM tier_history_rows"));
    more = rows.size() == static_cast<std::size_t>(kFetchRows);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::string next = rows.text(r, 0);
      if (!day.empty() && next != day) RAPPORT_TRY_VOID(save_checkpoint(db, day, checkpoint));
      day = std::move(next);
      checkpoint.set(rows.int64(r, 1), tier_code(rows.text(r, 2)));
    }
  }
  RAPPORT_TRY_VOID(db.exec("CLOSE tier_history_rows"));
  if (!day.empty()) RAPPORT_TRY_VOID(save_checkpoint(db, day, checkpoint));
  RAPPORT_TRY_VOID(db.exec("DELETE FROM tier_checkpoints_state"));
  RAPPORT_TRY_VOID(db.exec("INSERT INTO tier_checkpoints_state(current) VALUES (true)"));
  return {};
}

}  // namespace rapport::server::pg
