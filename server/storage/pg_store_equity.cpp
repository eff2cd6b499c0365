// server/storage/pg_store_equity.cpp
#include "server/storage/pg_store_equity.h"

#include "server/storage/sqlite_store_equity.h"  // kLostPAlive: one threshold for both

namespace rapport::server::pg {

// The home store is the member's now (SQLite's save takes it from the inputs the model read
// moments before: the same unless the member moved store in between). A member counts as
// lost only if they had a snapshot; an unchanged value counts as decline (0), as on SQLite.
Result<void> stage_store_equity(Connection& db) {
  RAPPORT_TRY_VOID(db.exec(
      "CREATE TEMPORARY TABLE equity_save ON COMMIT DROP AS "
      "WITH changes AS (SELECT m.home_store AS store_id, p.member_id IS NULL AS new, "
      "  p.member_id IS NOT NULL AND p.p_alive >= $1 AND s.p_alive < $1 AS lost, "
      "  s.lifetime_value_cents AS value, "
      "  s.lifetime_value_cents - coalesce(p.lifetime_value_cents, 0) AS change "
      "  FROM value_save s JOIN members m ON m.id = s.member_id "
      "  LEFT JOIN value_snapshots p ON p.member_id = s.member_id) "
      "SELECT store_id, count(*) FILTER (WHERE new) AS members, sum(change) AS equity, "
      "  count(*) FILTER (WHERE new) AS new_members, "
      "  coalesce(sum(value) FILTER (WHERE new), 0) AS new_cents, "
      "  coalesce(sum(change) FILTER (WHERE NOT new AND NOT lost AND change > 0), 0) AS growth, "
      "  coalesce(sum(change) FILTER (WHERE NOT new AND NOT lost AND change <= 0), 0) "
      "    AS decline, "
      "  count(*) FILTER (WHERE lost) AS lost_members, "
      "  coalesce(sum(change) FILTER (WHERE lost), 0) AS lost_cents "
      "FROM changes GROUP BY store_id",
      {real_text(sqlite::kLostPAlive)}));
  return {};
}

Result<void> write_store_equity(Connection& db, std::int64_t refresh_id, const std::string& as_of) {
  RAPPORT_TRY_VOID(
      db.exec("INSERT INTO store_equity(refresh_id, as_of, store_id, members, equity_cents, "
              "new_members, new_cents, growth_cents, decline_cents, lost_members, lost_cents) "
              "SELECT $1, $2, e.store_id, coalesce(l.members, 0) + e.members, "
              "coalesce(l.equity_cents, 0) + e.equity, e.new_members, e.new_cents, e.growth, "
              "e.decline, e.lost_members, e.lost_cents FROM equity_save e "
              "LEFT JOIN LATERAL (SELECT x.members, x.equity_cents FROM store_equity x "
              "  WHERE x.store_id = e.store_id ORDER BY x.refresh_id DESC LIMIT 1) l ON true",
              {param(refresh_id), as_of}));
  return {};
}

}  // namespace rapport::server::pg
