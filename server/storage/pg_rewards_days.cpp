// server/storage/pg_rewards_days.cpp
#include "server/storage/pg_rewards_days.h"

namespace rapport::server::pg {

Result<void> stage_rewards_moves(Connection& db) {
  // As RewardsTierMoves on SQLite: a member whose tier changes (from their previous
  // snapshot's, 'none' for a first). Only who moves from and to which tier: where they count
  // and their balance are read by write_rewards_moves once the save holds the member, so a
  // sale, a move or a merge committed meanwhile is counted where it went.
  RAPPORT_TRY_VOID(db.exec(
      "CREATE TEMPORARY TABLE rewards_moves ON COMMIT DROP AS "
      "SELECT s.member_id, coalesce(p.tier, 'none') AS from_tier, s.tier AS to_tier "
      "FROM value_save s LEFT JOIN value_snapshots p ON p.member_id = s.member_id "
      "WHERE coalesce(p.tier, 'none') <> s.tier"));
  return {};
}

Result<void> write_rewards_moves(Connection& db, const std::string& day) {
  // Each moving member with their balance now (one index-only probe of points_entries_member
  // each), at their home store; one merged away counts nowhere.
  RAPPORT_TRY_VOID(db.exec(
      "WITH moved AS (SELECT m.home_store AS store, r.from_tier, r.to_tier, count(*) AS members, "
      "  sum(coalesce((SELECT sum(e.points) FROM points_entries e "
      "    WHERE e.member_id = r.member_id), 0)) AS points "
      "  FROM rewards_moves r JOIN members m ON m.id = r.member_id "
      "  WHERE m.merged_into IS NULL GROUP BY 1, 2, 3) "
      "SELECT rewards_days_add(ARRAY(SELECT ROW(r.store, $1::text, t.tier, t.sign * r.members, "
      "  t.sign * r.points, 0, 0, 0, 0, 0, 0, 0, 0)::rewards_days FROM moved r "
      "  CROSS JOIN LATERAL (VALUES (r.from_tier, -1), (r.to_tier, 1)) t(tier, sign)))",
      {param(day)}));
  return {};
}

}  // namespace rapport::server::pg
