// server/storage/pg_staff_owners.cpp
//
// Relationship owners and follow-ups on PostgreSQL (docs/dashboard.md), as
// staff_store_owners.cpp on SQLite: who may own a store's members, assigning an owner, the
// follow-up job and closing follow-ups.
#include <string>

#include "server/storage/pg_staff_store.h"

namespace rapport::server::pg {
namespace {

// The columns read_follow_up() reads, in its order; `f` follow_ups, `m` members.
constexpr std::string_view kFollowUpColumns =
    "SELECT f.id, f.member_id, m.name, m.home_store, f.reason, f.detail, f.created_at, "
    "f.due_at, f.closed_at, (SELECT u.name FROM relationship_owners o JOIN staff_users u "
    "ON u.id = o.owner_id WHERE o.member_id = f.member_id) "
    "FROM follow_ups f JOIN members m ON m.id = f.member_id ";

FollowUp read_follow_up(const Rows& rows, std::size_t r) {
  return {rows.int64(r, 0),         rows.int64(r, 1),        rows.text(r, 2), rows.text(r, 3),
          rows.text(r, 4),          rows.text(r, 5),         rows.text(r, 6), rows.text(r, 7),
          rows.optional_text(r, 8), rows.optional_text(r, 9)};
}

// Days a follow-up is given before it is due (as on SQLite).
constexpr int kSlippingDueDays = 7;
constexpr int kLapsedOwnerDueDays = 3;
constexpr int kComplaintDueDays = 2;  // someone calls the customer back soon

// `now` ($1) plus $2 days as ISO 8601 UTC with milliseconds, as SQLite's
// strftime('%Y-%m-%dT%H:%M:%fZ', now, '+N days') writes it (the session is in UTC).
constexpr std::string_view kDue =
    "to_char($1::text::timestamp + make_interval(days => $2::int), "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

}  // namespace

Result<std::vector<OwnerCandidate>> PgStaffStore::owner_candidates(const std::string& store_id) {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT u.id, u.name FROM staff_users u JOIN staff_user_stores s "
                       "ON s.user_id = u.id WHERE s.store_id = $1 AND u.disabled_at IS NULL "
                       "AND u.role IN ('cashier', 'store-manager') ORDER BY u.name",
                       {param(store_id)}));
  std::vector<OwnerCandidate> users;
  for (std::size_t r = 0; r < rows.size(); ++r) users.push_back({rows.int64(r, 0), rows.text(r, 1)});
  return users;
}

Result<void> PgStaffStore::set_owner(std::int64_t member_id, std::int64_t owner_id,
                                     std::int64_t assigned_by, const std::string& at) {
  RAPPORT_TRY_VOID(
      db_.exec("INSERT INTO relationship_owners(member_id, owner_id, assigned_by, assigned_at) "
               "VALUES ($1, $2, $3, $4) ON CONFLICT (member_id) DO UPDATE SET "
               "owner_id = excluded.owner_id, assigned_by = excluded.assigned_by, "
               "assigned_at = excluded.assigned_at",
               {param(member_id), param(owner_id), param(assigned_by), param(at)}));
  return {};
}

Result<std::size_t> PgStaffStore::raise_follow_ups(const std::string& now) {
  RAPPORT_TRY(auto tx, Transaction::begin(db_));
  // Each cause as on SQLite; ON CONFLICT ... DO NOTHING where SQLite has INSERT OR IGNORE
  // (the one open follow-up per member and reason), and by member so the ids are given in
  // the order SQLite gives them.
  const std::string insert = "INSERT INTO follow_ups(member_id, reason, detail, created_at, "
                             "due_at) ";
  const std::string conflict =
      " ORDER BY 1 ON CONFLICT (member_id, reason) WHERE closed_at IS NULL DO NOTHING";
  // A valuable member slipping: once per snapshot that says so (a follow-up closed before the
  // latest value refresh does not stop a new one; one opened since does).
  RAPPORT_TRY(const auto slipping,
              db_.exec(insert +
                           "SELECT v.member_id, 'valuable-slipping', 'value tier ' || v.tier || "
                           "', at risk since the value refresh of ' || v.computed_at, $1, " +
                           std::string(kDue) +
                           " FROM value_snapshots v WHERE v.at_risk AND v.tier IN ('MVC', 'MGC') "
                           "AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.member_id = "
                           "v.member_id AND f.reason = 'valuable-slipping' AND (f.closed_at IS "
                           "NULL OR f.created_at >= v.computed_at))" +
                           conflict,
                       {param(now), param(std::int64_t{kSlippingDueDays})}));
  std::size_t opened = static_cast<std::size_t>(slipping.affected());
  // A lapsed owner: the owner's account was disabled; someone must take the member on.
  RAPPORT_TRY(const auto lapsed,
              db_.exec(insert +
                           "SELECT o.member_id, 'owner-lapsed', 'owner ' || u.name || "
                           "' disabled ' || u.disabled_at, $1, " +
                           std::string(kDue) +
                           " FROM relationship_owners o JOIN staff_users u ON u.id = o.owner_id "
                           "WHERE u.disabled_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                           "follow_ups f WHERE f.member_id = o.member_id AND f.reason = "
                           "'owner-lapsed' AND (f.closed_at IS NULL OR f.created_at >= "
                           "u.disabled_at))" +
                           conflict,
                       {param(now), param(std::int64_t{kLapsedOwnerDueDays})}));
  opened += static_cast<std::size_t>(lapsed.affected());
  // A complaint noted at the counter: once per complaint, unless one is open or was opened
  // since the latest complaint was noted. The detail names the store and day, not the text.
  // The store is that of the latest complaint (SQLite's bare column beside max()).
  RAPPORT_TRY(const auto complaint,
              db_.exec(insert +
                           "SELECT c.member_id, 'complaint', 'complaint noted at ' || "
                           "c.store_id || ' on ' || substr(c.last, 1, 10), $1, " +
                           std::string(kDue) +
                           " FROM (SELECT DISTINCT ON (member_id) member_id, store_id, "
                           "noted_at AS last FROM notes WHERE topic = 'complaint' AND member_id "
                           "IS NOT NULL ORDER BY member_id, noted_at DESC) c WHERE NOT EXISTS ("
                           "SELECT 1 FROM follow_ups f WHERE f.member_id = c.member_id AND "
                           "f.reason = 'complaint' AND (f.closed_at IS NULL OR f.created_at >= "
                           "c.last))" +
                           conflict,
                       {param(now), param(std::int64_t{kComplaintDueDays})}));
  opened += static_cast<std::size_t>(complaint.affected());
  RAPPORT_TRY_VOID(tx.commit());
  return opened;
}

Result<std::vector<FollowUp>> PgStaffStore::follow_ups_where(std::string_view where,
                                                             const Param& value) {
  RAPPORT_TRY(const auto rows, db_.exec(std::string(kFollowUpColumns) + "WHERE " +
                                            std::string(where) + " ORDER BY f.due_at, f.id",
                                        {value}));
  std::vector<FollowUp> out;
  for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(read_follow_up(rows, r));
  return out;
}

Result<std::vector<FollowUp>> PgStaffStore::open_follow_ups(const std::string& store_id) {
  return follow_ups_where("m.home_store = $1 AND f.closed_at IS NULL", param(store_id));
}

Result<std::optional<FollowUp>> PgStaffStore::follow_up(std::int64_t id) {
  RAPPORT_TRY(auto rows, follow_ups_where("f.id = $1", param(id)));
  if (rows.empty()) return std::optional<FollowUp>{};
  return std::optional<FollowUp>(std::move(rows.front()));
}

Result<bool> PgStaffStore::close_follow_up(std::int64_t id, std::int64_t closed_by,
                                           const std::string& at) {
  RAPPORT_TRY(const auto rows, db_.exec("UPDATE follow_ups SET closed_at = $1, closed_by = $2 "
                                        "WHERE id = $3 AND closed_at IS NULL",
                                        {param(at), param(closed_by), param(id)}));
  return rows.affected() == 1;
}

}  // namespace rapport::server::pg
