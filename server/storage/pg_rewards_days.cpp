// server/storage/pg_rewards_days.cpp
#include "server/storage/pg_rewards_days.h"

namespace rapport::server::pg {

Result<void> stage_rewards_moves(Connection& db) {
  // As RewardsTierMoves on SQLite: a member whose tier changes (from their previous
  // snapshot's, 'none' for a first) moves with their balance; one merged away counts nowhere.
  // The balance is one index-only probe of points_entries_member per changed member.
  RAPPORT_TRY_VOID(db.exec(
      "CREATE TEMPORARY TABLE rewards_moves ON COMMIT DROP AS "
      "SELECT m.home_store AS store, coalesce(p.tier, 'none') AS from_tier, s.tier AS to_tier, "
      "  count(*) AS members, sum(coalesce((SELECT sum(e.points) FROM points_entries e "
      "    WHERE e.member_id = s.member_id), 0)) AS points "
      "FROM value_save s JOIN members m ON m.id = s.member_id "
      "LEFT JOIN value_snapshots p ON p.member_id = s.member_id "
      "WHERE m.merged_into IS NULL AND coalesce(p.tier, 'none') <> s.tier "
      "GROUP BY 1, 2, 3"));
  return {};
}

Result<void> write_rewards_moves(Connection& db, const std::string& day) {
  RAPPORT_TRY_VOID(db.exec(
      "SELECT rewards_days_add(ARRAY(SELECT ROW(r.store, $1::text, t.tier, t.sign * r.members, "
      "  t.sign * r.points, 0, 0, 0, 0, 0, 0, 0, 0)::rewards_days FROM rewards_moves r "
      "  CROSS JOIN LATERAL (VALUES (r.from_tier, -1), (r.to_tier, 1)) t(tier, sign)))",
      {param(day)}));
  return {};
}

}  // namespace rapport::server::pg
