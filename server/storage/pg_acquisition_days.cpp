// server/storage/pg_acquisition_days.cpp
#include "server/storage/pg_acquisition_days.h"

namespace rapport::server::pg {

Result<void> add_acquisition_value_changes(Connection& db) {
  RAPPORT_TRY_VOID(db.exec(
      "SELECT acquisition_apply(array_agg(c.scope), array_agg(c.day), array_agg(c.channel), "
      "  array_agg(0::bigint), array_agg(c.valued), array_agg(c.cents)) "
      "FROM (SELECT sc.scope, coalesce(m.enrolled_on, '') AS day, "
      "    coalesce(m.channel, '') AS channel, count(*) FILTER (WHERE p.member_id IS NULL) "
      "    AS valued, sum(s.lifetime_value_cents - coalesce(p.lifetime_value_cents, 0))::bigint "
      "    AS cents "
      "  FROM value_save s JOIN members m ON m.id = s.member_id AND m.merged_into IS NULL "
      "  LEFT JOIN value_snapshots p ON p.member_id = s.member_id "
      "  LEFT JOIN stores st ON st.id = m.home_store "
      "  CROSS JOIN LATERAL (VALUES (''::text), (nullif(st.region, ''))) AS sc(scope) "
      "  WHERE sc.scope IS NOT NULL GROUP BY 1, 2, 3) c"));
  return {};
}

}  // namespace rapport::server::pg
