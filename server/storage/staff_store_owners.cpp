// server/storage/staff_store_owners.cpp
//
// Relationship owners and follow-ups (migration 9, docs/dashboard.md): who may own a store's
// members, assigning an owner, the follow-up job and closing follow-ups.
#include <string>

#include "server/storage/sqlite_staff_store.h"

namespace rapport::server::sqlite {
namespace {

// The columns read_follow_up() reads, in its order; `f` follow_ups, `m` members.
constexpr std::string_view kFollowUpColumns =
    "SELECT f.id, f.member_id, m.name, m.home_store, f.reason, f.detail, f.created_at, "
    "f.due_at, f.closed_at, (SELECT u.name FROM relationship_owners o JOIN staff_users u "
    "ON u.id = o.owner_id WHERE o.member_id = f.member_id) "
    "FROM follow_ups f JOIN members m ON m.id = f.member_id ";

FollowUp read_follow_up(const storage::Statement& stmt) {
  FollowUp f;
  f.id = stmt.column_int64(0);
  f.member_id = stmt.column_int64(1);
  f.member_name = stmt.column_text(2);
  f.home_store = stmt.column_text(3);
  f.reason = stmt.column_text(4);
  f.detail = stmt.column_text(5);
  f.created_at = stmt.column_text(6);
  f.due_at = stmt.column_text(7);
  f.closed_at = stmt.column_optional_text(8);
  f.owner = stmt.column_optional_text(9);
  return f;
}

// Days a follow-up is given before it is due.
constexpr int kSlippingDueDays = 7;
constexpr int kLapsedOwnerDueDays = 3;
constexpr int kComplaintDueDays = 2;  // someone calls the customer back soon

}  // namespace

Result<std::vector<OwnerCandidate>> SqliteStaffStore::owner_candidates(
    const std::string& store_id) {
  RAPPORT_TRY(auto stmt,
              db_.prepare("SELECT u.id, u.name FROM staff_users u JOIN staff_user_stores s "
                          "ON s.user_id = u.id WHERE s.store_id = ? AND u.disabled_at IS NULL "
                          "AND u.role IN ('cashier', 'store-manager') ORDER BY u.name"));
  stmt.bind(1, store_id);
  std::vector<OwnerCandidate> users;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    users.push_back({stmt.column_int64(0), stmt.column_text(1)});
  }
  return users;
}

Result<void> SqliteStaffStore::set_owner(std::int64_t member_id, std::int64_t owner_id,
                                         std::int64_t assigned_by, const std::string& at) {
  RAPPORT_TRY(auto stmt,
              db_.prepare("INSERT INTO relationship_owners(member_id, owner_id, assigned_by, "
                          "assigned_at) VALUES (?, ?, ?, ?) ON CONFLICT(member_id) DO UPDATE SET "
                          "owner_id = excluded.owner_id, assigned_by = excluded.assigned_by, "
                          "assigned_at = excluded.assigned_at"));
  stmt.bind(1, member_id).bind(2, owner_id).bind(3, assigned_by).bind(4, at);
  return stmt.run();
}

Result<std::size_t> SqliteStaffStore::raise_follow_ups(const std::string& now) {
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  // A valuable member slipping: once per snapshot that says so (a follow-up closed before the
  // latest value refresh does not stop a new one; one opened since does).
  RAPPORT_TRY(auto slipping,
              db_.prepare("INSERT OR IGNORE INTO follow_ups(member_id, reason, detail, created_at, "
                          "due_at) SELECT v.member_id, 'valuable-slipping', "
                          "'value tier ' || v.tier || ', at risk since the value refresh of ' || "
                          "v.computed_at, ?1, strftime('%Y-%m-%dT%H:%M:%fZ', ?1, ?2) "
                          "FROM value_snapshots v WHERE v.at_risk <> 0 AND v.tier IN ('MVC', "
                          "'MGC') AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.member_id = "
                          "v.member_id AND f.reason = 'valuable-slipping' AND (f.closed_at IS NULL "
                          "OR f.created_at >= v.computed_at))"));
  slipping.bind(1, now).bind(2, "+" + std::to_string(kSlippingDueDays) + " days");
  RAPPORT_TRY_VOID(slipping.run());
  std::size_t opened = static_cast<std::size_t>(db_.changes());
  // A lapsed owner: the owner's account was disabled; someone must take the member on.
  RAPPORT_TRY(auto lapsed,
              db_.prepare("INSERT OR IGNORE INTO follow_ups(member_id, reason, detail, created_at, "
                          "due_at) SELECT o.member_id, 'owner-lapsed', "
                          "'owner ' || u.name || ' disabled ' || u.disabled_at, ?1, "
                          "strftime('%Y-%m-%dT%H:%M:%fZ', ?1, ?2) "
                          "FROM relationship_owners o JOIN staff_users u ON u.id = o.owner_id "
                          "WHERE u.disabled_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                          "follow_ups f WHERE f.member_id = o.member_id AND f.reason = "
                          "'owner-lapsed' AND (f.closed_at IS NULL OR f.created_at >= "
                          "u.disabled_at))"));
  lapsed.bind(1, now).bind(2, "+" + std::to_string(kLapsedOwnerDueDays) + " days");
  RAPPORT_TRY_VOID(lapsed.run());
  opened += static_cast<std::size_t>(db_.changes());
  // A complaint noted at the counter: once per complaint, unless one is open or was opened
  // since the latest complaint was noted. The detail names the store and day, not the text
  // (the customer's words stay in notes, which erasure clears).
  RAPPORT_TRY(auto complaint,
              db_.prepare("INSERT OR IGNORE INTO follow_ups(member_id, reason, detail, created_at, "
                          "due_at) SELECT c.member_id, 'complaint', 'complaint noted at ' || "
                          "c.store_id || ' on ' || substr(c.last, 1, 10), ?1, "
                          "strftime('%Y-%m-%dT%H:%M:%fZ', ?1, ?2) FROM (SELECT member_id, "
                          "store_id, max(noted_at) AS last FROM notes WHERE topic = 'complaint' "
                          "AND member_id IS NOT NULL GROUP BY member_id) c WHERE NOT EXISTS ("
                          "SELECT 1 FROM follow_ups f WHERE f.member_id = c.member_id AND "
                          "f.reason = 'complaint' AND (f.closed_at IS NULL OR f.created_at >= "
                          "c.last))"));
  complaint.bind(1, now).bind(2, "+" + std::to_string(kComplaintDueDays) + " days");
  RAPPORT_TRY_VOID(complaint.run());
  opened += static_cast<std::size_t>(db_.changes());
  RAPPORT_TRY_VOID(tx.commit());
  return opened;
}

Result<std::vector<FollowUp>> SqliteStaffStore::follow_ups_where(std::string_view where,
                                                                 const BindOne& bind) {
  RAPPORT_TRY(auto stmt, db_.prepare(std::string(kFollowUpColumns) + "WHERE " +
                                     std::string(where) + " ORDER BY f.due_at, f.id"));
  bind(stmt);
  std::vector<FollowUp> rows;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    rows.push_back(read_follow_up(stmt));
  }
  return rows;
}

Result<std::vector<FollowUp>> SqliteStaffStore::open_follow_ups(const std::string& store_id) {
  return follow_ups_where("m.home_store = ? AND f.closed_at IS NULL",
                          [&](storage::Statement& s) { s.bind(1, store_id); });
}

Result<std::optional<FollowUp>> SqliteStaffStore::follow_up(std::int64_t id) {
  RAPPORT_TRY(auto rows, follow_ups_where("f.id = ?", [&](storage::Statement& s) { s.bind(1, id); }));
  if (rows.empty()) return std::optional<FollowUp>{};
  return std::optional<FollowUp>(std::move(rows.front()));
}

Result<bool> SqliteStaffStore::close_follow_up(std::int64_t id, std::int64_t closed_by,
                                               const std::string& at) {
  RAPPORT_TRY(auto stmt, db_.prepare("UPDATE follow_ups SET closed_at = ?, closed_by = ? "
                                     "WHERE id = ? AND closed_at IS NULL"));
  stmt.bind(1, at).bind(2, closed_by).bind(3, id);
  RAPPORT_TRY_VOID(stmt.run());
  return db_.changes() == 1;
}

}  // namespace rapport::server::sqlite
