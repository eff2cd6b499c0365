// server/storage/pg_staff_changes.cpp
//
// Merging two memberships and changing a member's home store on PostgreSQL, as
// staff_store_merge.cpp and staff_store_move.cpp on SQLite (docs/dashboard.md, "Merging two
// memberships", "Changing a member's home store"): one transaction each, the members locked
// first (pg_members.h, in id order) so an event batch of another instance storing their
// events waits for the merge rather than counting half of it.
#include <string>

#include "server/storage/pg_members.h"
#include "server/storage/pg_points.h"
#include "server/storage/pg_purchases.h"
#include "server/storage/pg_staff_store.h"
#include "shared/storage/storage_errc.h"

namespace rapport::server::pg {
namespace {

// Moves the merged member's rows of each table to the survivor ($1 survivor, $2 merged).
constexpr const char* kMoves[] = {
    "UPDATE events SET member_id = $1 WHERE member_id = $2",
    "UPDATE purchases SET member_id = $1 WHERE member_id = $2",
    "UPDATE cards SET member_id = $1 WHERE member_id = $2",
    "UPDATE notes SET member_id = $1 WHERE member_id = $2",
    "UPDATE offer_events SET member_id = $1 WHERE member_id = $2",
    "UPDATE reward_costs SET member_id = $1 WHERE member_id = $2",
    "INSERT INTO member_categories(member_id, category, spend_cents, lines) "
    "  SELECT $1, category, spend_cents, lines FROM member_categories WHERE member_id = $2 "
    "  ON CONFLICT (member_id, category) DO UPDATE SET "
    "  spend_cents = member_categories.spend_cents + excluded.spend_cents, "
    "  lines = member_categories.lines + excluded.lines",
    // The survivor keeps their owner; one without gets the merged member's.
    "INSERT INTO relationship_owners(member_id, owner_id, assigned_by, assigned_at) "
    "  SELECT $1, owner_id, assigned_by, assigned_at FROM relationship_owners "
    "  WHERE member_id = $2 ON CONFLICT (member_id) DO NOTHING",
};
// Then the merged member's rows of these are gone ($1 merged; PostgreSQL wants every
// parameter of a statement used, so these are apart).
constexpr const char* kLeftovers[] = {
    "DELETE FROM member_categories WHERE member_id = $1",
    "DELETE FROM relationship_owners WHERE member_id = $1",
};

Result<bool> constraint() {
  return Result<bool>(boost::system::in_place_error,
                      make_error_code(storage::StorageErrc::kConstraint));
}

}  // namespace

Result<MergeOutcome> PgStaffStore::merge_members(std::int64_t keep, std::int64_t merge,
                                                 const StaffUser& by, const std::string& at) {
  if (keep == merge) return storage::StorageErrc::kConstraint;
  RAPPORT_TRY(auto tx, Transaction::begin(db_));
  RAPPORT_TRY(const auto locked, lock_members(db_, {keep, merge}));
  {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT count(*) FROM members WHERE id IN ($1, $2) "
                                          "AND merged_into IS NULL",
                                          {param(keep), param(merge)}));
    if (locked.size() != 2 || rows.int64(0, 0) != 2) return storage::StorageErrc::kConstraint;
  }
  MergeOutcome outcome;
  {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT (SELECT count(*) FROM events WHERE member_id = $1), "
                         "(SELECT count(*) FROM cards WHERE member_id = $1)",
                         {param(merge)}));
    outcome.events_moved = rows.int64(0, 0);
    outcome.cards_moved = rows.int64(0, 1);
  }
  // Points first, while the ledger still knows whose they are.
  PointsLedger ledger(db_);
  RAPPORT_TRY(const auto balance, ledger.balance(merge));
  outcome.points_moved = balance.value_or(0);
  const std::string reason =
      "merge of member " + std::to_string(merge) + " into " + std::to_string(keep);
  if (outcome.points_moved > 0) {
    RAPPORT_TRY_VOID(ledger.transfer(merge, keep, outcome.points_moved, reason, by.name));
  } else if (outcome.points_moved < 0) {  // a debt (a redemption flagged for review) moves too
    RAPPORT_TRY_VOID(ledger.transfer(keep, merge, -outcome.points_moved, reason, by.name));
  }
  // An open follow-up the survivor already has for the same reason closes instead of moving
  // (never two open for one member and reason).
  RAPPORT_TRY_VOID(
      db_.exec("UPDATE follow_ups SET closed_at = $3, closed_by = $4 "
               "WHERE member_id = $2 AND closed_at IS NULL AND EXISTS (SELECT 1 "
               "FROM follow_ups k WHERE k.member_id = $1 AND k.reason = "
               "follow_ups.reason AND k.closed_at IS NULL)",
               {param(keep), param(merge), param(at),
                param(by.id > 0 ? std::optional<std::int64_t>(by.id) : std::nullopt)}));
  RAPPORT_TRY_VOID(db_.exec("UPDATE follow_ups SET member_id = $1 WHERE member_id = $2",
                            {param(keep), param(merge)}));
  for (const char* sql : kMoves) RAPPORT_TRY_VOID(db_.exec(sql, {param(keep), param(merge)}));
  for (const char* sql : kLeftovers) RAPPORT_TRY_VOID(db_.exec(sql, {param(merge)}));
  RAPPORT_TRY_VOID(recount_visits(db_, keep));
  RAPPORT_TRY_VOID(recount_purchases(db_, locked));
  // The merged member keeps where they were last seen, so the terminals that know them are
  // sent the change (they now hold no cards).
  RAPPORT_TRY_VOID(db_.exec("UPDATE members SET merged_into = $1, merged_at = $3, "
                            "visit_count = 0, last_visit = NULL WHERE id = $2",
                            {param(keep), param(merge), param(at)}));
  RAPPORT_TRY_VOID(mark_changed(db_, locked));
  RAPPORT_TRY_VOID(tx.commit());
  return outcome;
}

Result<bool> PgStaffStore::move_member(std::int64_t id, const std::string& store) {
  RAPPORT_TRY(auto tx, Transaction::begin(db_));
  {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT 1 FROM stores WHERE id = $1", {param(store)}));
    if (rows.empty()) return constraint();
  }
  RAPPORT_TRY_VOID(lock_members(db_, {id}));
  RAPPORT_TRY(const auto member, db_.exec("SELECT home_store, merged_into IS NOT NULL OR "
                                          "erased_at IS NOT NULL FROM members WHERE id = $1",
                                          {param(id)}));
  if (member.empty() || member.boolean(0, 1)) return constraint();
  if (member.text(0, 0) == store) return false;
  RAPPORT_TRY_VOID(db_.exec("UPDATE members SET home_store = $2 WHERE id = $1",
                            {param(id), param(store)}));
  // An owner is a staff member of the member's home store: one who does not work at the new
  // store lets the relationship go, and its open follow-ups go to whoever is assigned.
  RAPPORT_TRY_VOID(db_.exec("DELETE FROM relationship_owners WHERE member_id = $1 AND NOT EXISTS "
                            "(SELECT 1 FROM staff_user_stores s WHERE s.user_id = "
                            "relationship_owners.owner_id AND s.store_id = $2)",
                            {param(id), param(store)}));
  const std::int64_t changed[] = {id};
  RAPPORT_TRY_VOID(mark_changed(db_, changed));
  RAPPORT_TRY_VOID(tx.commit());
  return true;
}

}  // namespace rapport::server::pg
