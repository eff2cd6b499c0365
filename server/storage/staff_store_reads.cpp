// server/storage/staff_store_reads.cpp
//
// The dashboard's reads: a store's regulars ranked by their latest value snapshot, the
// members of other stores who visit it (their visits there only), one member's overview and
// their visits at given stores.
#include <optional>
#include <string>
#include <string_view>

#include "server/storage/sqlite_members.h"
#include "server/storage/sqlite_staff_store.h"

namespace rapport::server::sqlite {
namespace {

std::optional<double> optional_double(const storage::Statement& stmt, int column) {
  if (stmt.column_is_null(column)) return std::nullopt;
  return stmt.column_double(column);
}

std::optional<std::int64_t> optional_int(const storage::Statement& stmt, int column) {
  if (stmt.column_is_null(column)) return std::nullopt;
  return stmt.column_int64(column);
}

// The latest snapshot's columns both the regulars and a member's overview show, read by
// read_value_columns() in this order.
constexpr std::string_view kValueColumns =
    "v.tier, v.total_value_cents, v.p_alive, v.rhythm_days, coalesce(v.at_risk, 0)";

template <typename Row>
void read_value_columns(const storage::Statement& stmt, int first, Row& row) {
  row.tier = stmt.column_optional_text(first);
  row.total_value_cents = optional_int(stmt, first + 1);
  row.p_alive = optional_double(stmt, first + 2);
  row.rhythm_days = optional_double(stmt, first + 3);
  row.at_risk = stmt.column_int64(first + 4) != 0;
}

}  // namespace

Result<bool> SqliteStaffStore::store_exists(const std::string& store_id) {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT 1 FROM stores WHERE id = ?"));
  stmt.bind(1, store_id);
  return stmt.step();
}

Result<std::vector<std::string>> SqliteStaffStore::all_stores() {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT id FROM stores ORDER BY id"));
  std::vector<std::string> ids;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    ids.push_back(stmt.column_text(0));
  }
  return ids;
}

Result<std::vector<RegularRow>> SqliteStaffStore::regulars(const std::string& store_id,
                                                           std::size_t limit) {
  RAPPORT_TRY(auto stmt,
              db_.prepare("SELECT m.id, " + std::string(kMemberName) +
                          ", m.visit_count, m.last_visit, " +
                          std::string(kValueColumns) +
                          ", v.segment, u.name, u.disabled_at IS NOT NULL "
                          "FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id "
                          "LEFT JOIN relationship_owners o ON o.member_id = m.id "
                          "LEFT JOIN staff_users u ON u.id = o.owner_id "
                          "WHERE m.home_store = ? AND m.merged_into IS NULL "
                          "ORDER BY v.total_value_cents IS NULL, v.total_value_cents DESC, m.id "
                          "LIMIT ?"));
  stmt.bind(1, store_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<RegularRow> rows;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    RegularRow r;
    r.member_id = stmt.column_int64(0);
    r.name = stmt.column_text(1);
    r.visit_count = stmt.column_int64(2);
    r.last_visit = stmt.column_optional_text(3);
    read_value_columns(stmt, 4, r);
    r.segment = stmt.column_optional_text(9);
    r.owner = stmt.column_optional_text(10);
    r.owner_disabled = r.owner && stmt.column_int64(11) != 0;
    rows.push_back(std::move(r));
  }
  return rows;
}

Result<std::vector<VisitorRow>> SqliteStaffStore::visitors(const std::string& store_id,
                                                           std::size_t limit) {
  RAPPORT_TRY(auto stmt,
              db_.prepare("SELECT m.id, " + std::string(kMemberName) +
                          ", m.home_store, count(*) AS visits, "
                          "max(e.occurred_at) FROM events e JOIN members m ON m.id = e.member_id "
                          "WHERE e.store_id = ?1 AND e.kind = 'visit' AND m.home_store <> ?1 "
                          "GROUP BY m.id ORDER BY visits DESC, m.id LIMIT ?2"));
  stmt.bind(1, store_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<VisitorRow> rows;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    rows.push_back({stmt.column_int64(0), stmt.column_text(1), stmt.column_text(2),
                    stmt.column_int64(3), stmt.column_text(4)});
  }
  return rows;
}

Result<bool> SqliteStaffStore::has_value_snapshots() {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT 1 FROM value_snapshots LIMIT 1"));
  return stmt.step();
}

Result<std::optional<MemberOverview>> SqliteStaffStore::member(std::int64_t id) {
  RAPPORT_TRY(auto stmt,
              db_.prepare("SELECT m.id, " + std::string(kMemberName) +
                          ", m.home_store, m.visit_count, m.last_visit, " +
                          std::string(kValueColumns) +
                          ", m.merged_into "
                          "FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id "
                          "WHERE m.id = ?"));
  stmt.bind(1, id);
  RAPPORT_TRY(const bool row, stmt.step());
  if (!row) return std::optional<MemberOverview>{};
  MemberOverview m;
  m.id = stmt.column_int64(0);
  m.name = stmt.column_text(1);
  m.home_store = stmt.column_text(2);
  m.visit_count = stmt.column_int64(3);
  m.last_visit = stmt.column_optional_text(4);
  read_value_columns(stmt, 5, m);
  m.merged_into = optional_int(stmt, 10);
  return std::optional<MemberOverview>(std::move(m));
}

Result<std::vector<StoreVisits>> SqliteStaffStore::member_visits_at(
    std::int64_t id, const std::vector<std::string>& stores) {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT count(*), max(occurred_at) FROM events "
                                     "WHERE member_id = ? AND kind = 'visit' AND store_id = ?"));
  std::vector<StoreVisits> visits;
  for (const auto& store : stores) {
    stmt.reset();
    stmt.bind(1, id).bind(2, store);
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row || stmt.column_int64(0) == 0) continue;
    visits.push_back({store, stmt.column_int64(0), stmt.column_text(1)});
  }
  return visits;
}

}  // namespace rapport::server::sqlite
