// server/storage/pg_acquisition_days.cpp
#include "server/storage/pg_acquisition_days.h"

namespace rapport::server::pg {

Result<void> stage_acquisition_value_changes(Connection& db) {
  RAPPORT_TRY_VOID(db.exec(
      "CREATE TEMPORARY TABLE acquisition_save ON COMMIT DROP AS "
      "SELECT s.member_id, (p.member_id IS NULL)::int AS valued, "
      "  (s.lifetime_value_cents - coalesce(p.lifetime_value_cents, 0))::bigint AS cents "
      "FROM value_save s LEFT JOIN value_snapshots p ON p.member_id = s.member_id"));
  return {};
}

Result<void> add_acquisition_value_changes(Connection& db) {
  RAPPORT_TRY_VOID(db.exec(
      "SELECT acquisition_apply(array_agg(c.scope), array_agg(c.day), array_agg(c.channel), "
      "  array_agg(0::bigint), array_agg(c.valued), array_agg(c.cents)) "
      "FROM (SELECT sc.scope, coalesce(m.enrolled_on, '') AS day, "
      "    coalesce(m.channel, '') AS channel, sum(a.valued)::bigint AS valued, "
      "    sum(a.cents)::bigint AS cents "
      "  FROM acquisition_save a JOIN members m ON m.id = a.member_id AND m.merged_into IS NULL "
      "  LEFT JOIN stores st ON st.id = m.home_store "
      "  CROSS JOIN LATERAL (VALUES (''::text), (nullif(st.region, ''))) AS sc(scope) "
      "  WHERE sc.scope IS NOT NULL GROUP BY 1, 2, 3) c"));
  return {};
}

}  // namespace rapport::server::pg
