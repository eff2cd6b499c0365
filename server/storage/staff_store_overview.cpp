// server/storage/staff_store_overview.cpp
//
// The regulars page's "this week" panels (docs/dashboard.md, "This week"): the store's new
// members of the last 7 days, its members' birthdays in the next 14 days, and the offers
// shown and accepted at the store in the last 30 days.
#include <string>

#include "server/storage/sqlite_members.h"
#include "server/storage/sqlite_staff_store.h"

namespace rapport::server::sqlite {

Result<StoreOverview> SqliteStaffStore::store_overview(const std::string& store_id,
                                                       const std::string& today) {
  StoreOverview overview;
  {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT m.id, " + std::string(kMemberName) +
                                       ", m.created_at FROM members m WHERE "
                                       "m.home_store = ?1 AND m.merged_into IS NULL AND "
                                       "substr(m.created_at, 1, 10) > date(?2, '-7 days') AND "
                                       "substr(m.created_at, 1, 10) <= ?2 "
                                       "ORDER BY m.created_at DESC, m.id"));
    stmt.bind(1, store_id).bind(2, today);
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      overview.new_members.push_back(
          {stmt.column_int64(0), stmt.column_text(1), stmt.column_text(2)});
    }
  }
  {
    // The next birthday on or after today (this year's, else next year's); 29 February
    // counts on 1 March in other years (SQLite's date() normalises it).
    RAPPORT_TRY(auto stmt,
                db_.prepare("SELECT id, name, next FROM (SELECT id, name, CASE WHEN "
                            "date(strftime('%Y', ?2) || substr(birth_date, 5, 6)) >= ?2 THEN "
                            "date(strftime('%Y', ?2) || substr(birth_date, 5, 6)) ELSE "
                            "date((strftime('%Y', ?2) + 1) || substr(birth_date, 5, 6)) END "
                            "AS next FROM members WHERE home_store = ?1 AND merged_into IS NULL "
                            "AND birth_date IS NOT NULL) WHERE next IS NOT NULL AND "
                            "next < date(?2, '+14 days') ORDER BY next, id"));
    stmt.bind(1, store_id).bind(2, today);
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      overview.birthdays.push_back(
          {stmt.column_int64(0), stmt.column_text(1), stmt.column_text(2)});
    }
  }
  {
    RAPPORT_TRY(auto stmt,
                db_.prepare("SELECT offer_id, sum(outcome = 'shown'), sum(outcome = 'accepted'), "
                            "sum(outcome = 'declined') FROM offer_events WHERE store_id = ?1 AND "
                            "substr(at, 1, 10) > date(?2, '-30 days') GROUP BY offer_id "
                            "ORDER BY offer_id"));
    stmt.bind(1, store_id).bind(2, today);
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      overview.offers.push_back({stmt.column_text(0), stmt.column_int64(1), stmt.column_int64(2),
                                 stmt.column_int64(3)});
    }
  }
  return overview;
}

}  // namespace rapport::server::sqlite

namespace rapport::server::sqlite {

Result<std::vector<OwnerResult>> SqliteStaffStore::owner_results(const std::string& store_id,
                                                                 const std::string& today) {
  // Per member: active (a visit) in the 90 days before the last 90, active in the last 90,
  // and revenue net of refunds in each window; summed per owner.
  RAPPORT_TRY(
      auto stmt,
      db_.prepare(
          "SELECT u.name, u.disabled_at IS NOT NULL, count(*), sum(x.before), "
          "sum(x.before AND x.recent), sum(x.revenue_recent), sum(x.revenue_before) FROM ("
          "SELECT o.owner_id AS owner_id, "
          "EXISTS (SELECT 1 FROM events e WHERE e.member_id = m.id AND e.kind = 'visit' AND "
          "  substr(e.occurred_at, 1, 10) > date(?2, '-180 days') AND "
          "  substr(e.occurred_at, 1, 10) <= date(?2, '-90 days')) AS before, "
          "EXISTS (SELECT 1 FROM events e WHERE e.member_id = m.id AND e.kind = 'visit' AND "
          "  substr(e.occurred_at, 1, 10) > date(?2, '-90 days') AND "
          "  substr(e.occurred_at, 1, 10) <= ?2) AS recent, "
          "(SELECT coalesce(sum(p.amount_cents - p.refunded_cents), 0) FROM purchases p WHERE "
          "  p.member_id = m.id AND p.day > date(?2, '-90 days') AND p.day <= ?2) "
          "  AS revenue_recent, "
          "(SELECT coalesce(sum(p.amount_cents - p.refunded_cents), 0) FROM purchases p WHERE "
          "  p.member_id = m.id AND p.day > date(?2, '-180 days') AND "
          "  p.day <= date(?2, '-90 days')) AS revenue_before "
          "FROM relationship_owners o JOIN members m ON m.id = o.member_id "
          "WHERE m.home_store = ?1 AND m.merged_into IS NULL) x "
          "JOIN staff_users u ON u.id = x.owner_id GROUP BY u.id ORDER BY u.name"));
  stmt.bind(1, store_id).bind(2, today);
  std::vector<OwnerResult> rows;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    rows.push_back({stmt.column_text(0), stmt.column_int64(1) != 0, stmt.column_int64(2),
                    stmt.column_int64(3), stmt.column_int64(4), stmt.column_int64(5),
                    stmt.column_int64(6)});
  }
  return rows;
}

}  // namespace rapport::server::sqlite
