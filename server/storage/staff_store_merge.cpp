// server/storage/staff_store_merge.cpp
//
// Merging two memberships of the same person (docs/dashboard.md, "Merging two memberships"):
// in one transaction the merged member's events, purchases, cards, notes, offers, follow-ups
// and categories move to the survivor, their points move through the ledger as a transfer
// posting (never by editing balances), the survivor's counts are recounted from what it now
// holds, the merged member is marked merged-into, and both are marked changed so terminals
// pull both at their next sync.
#include <string>

#include "server/storage/sqlite_members.h"
#include "server/storage/sqlite_points.h"
#include "server/storage/sqlite_purchases.h"
#include "server/storage/sqlite_staff_store.h"
#include "server/storage/sqlite_usual_order.h"
#include "shared/storage/storage_errc.h"

namespace rapport::server::sqlite {
namespace {

// Moves the merged member's rows of each table to the survivor (?1 survivor, ?2 merged).
constexpr const char* kMoves[] = {
    "UPDATE events SET member_id = ?1 WHERE member_id = ?2",
    "UPDATE purchases SET member_id = ?1 WHERE member_id = ?2",
    "UPDATE cards SET member_id = ?1 WHERE member_id = ?2",
    "UPDATE notes SET member_id = ?1 WHERE member_id = ?2",
    "UPDATE offer_events SET member_id = ?1 WHERE member_id = ?2",
    "UPDATE reward_costs SET member_id = ?1 WHERE member_id = ?2",
    "INSERT INTO member_categories(member_id, category, spend_cents, lines) "
    "  SELECT ?1, category, spend_cents, lines FROM member_categories WHERE member_id = ?2 "
    "  ON CONFLICT(member_id, category) DO UPDATE SET "
    "  spend_cents = spend_cents + excluded.spend_cents, lines = lines + excluded.lines",
    "DELETE FROM member_categories WHERE member_id = ?2",
    // The survivor keeps their owner; one without gets the merged member's.
    "INSERT OR IGNORE INTO relationship_owners(member_id, owner_id, assigned_by, assigned_at) "
    "  SELECT ?1, owner_id, assigned_by, assigned_at FROM relationship_owners "
    "  WHERE member_id = ?2",
    "DELETE FROM relationship_owners WHERE member_id = ?2",
};

Result<void> run_pair(storage::Database& db, const char* sql, std::int64_t keep,
                      std::int64_t merge) {
  RAPPORT_TRY(auto stmt, db.prepare(sql));
  return stmt.bind(1, keep).bind(2, merge).run();
}

}  // namespace

Result<MergeOutcome> SqliteStaffStore::merge_members(std::int64_t keep, std::int64_t merge,
                                                     const StaffUser& by, const std::string& at) {
  if (keep == merge) return storage::StorageErrc::kConstraint;
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  {
    RAPPORT_TRY(auto check, db_.prepare("SELECT count(*) FROM members WHERE id IN (?1, ?2) "
                                        "AND merged_into IS NULL"));
    check.bind(1, keep).bind(2, merge);
    RAPPORT_TRY(const bool row, check.step());
    if (!row || check.column_int64(0) != 2) return storage::StorageErrc::kConstraint;
  }
  MergeOutcome outcome;
  {
    RAPPORT_TRY(auto counts, db_.prepare("SELECT (SELECT count(*) FROM events WHERE member_id = ?1), "
                                         "(SELECT count(*) FROM cards WHERE member_id = ?1)"));
    counts.bind(1, merge);
    RAPPORT_TRY(const bool row, counts.step());
    if (row) {
      outcome.events_moved = counts.column_int64(0);
      outcome.cards_moved = counts.column_int64(1);
    }
  }
  // Points first, while the ledger still knows whose they are.
  PointsLedger ledger(db_);
  RAPPORT_TRY(outcome.points_moved, ledger.balance(merge));
  const std::string reason =
      "merge of member " + std::to_string(merge) + " into " + std::to_string(keep);
  if (outcome.points_moved > 0) {
    RAPPORT_TRY_VOID(ledger.transfer(merge, keep, outcome.points_moved, reason, by.name));
  } else if (outcome.points_moved < 0) {  // a debt (a redemption flagged for review) moves too
    RAPPORT_TRY_VOID(ledger.transfer(keep, merge, -outcome.points_moved, reason, by.name));
  }
  // An open follow-up the survivor already has for the same reason closes instead of moving
  // (never two open for one member and reason).
  {
    RAPPORT_TRY(auto close,
                db_.prepare("UPDATE follow_ups SET closed_at = ?3, closed_by = ?4 "
                            "WHERE member_id = ?2 AND closed_at IS NULL AND EXISTS (SELECT 1 "
                            "FROM follow_ups k WHERE k.member_id = ?1 AND k.reason = "
                            "follow_ups.reason AND k.closed_at IS NULL)"));
    close.bind(1, keep).bind(2, merge).bind(3, at);
    close.bind_optional(4, by.id > 0 ? std::optional<std::int64_t>(by.id) : std::nullopt);
    RAPPORT_TRY_VOID(close.run());
  }
  RAPPORT_TRY_VOID(
      run_pair(db_, "UPDATE follow_ups SET member_id = ?1 WHERE member_id = ?2", keep, merge));
  for (const char* sql : kMoves) RAPPORT_TRY_VOID(run_pair(db_, sql, keep, merge));
  RAPPORT_TRY_VOID(recount_visits(db_, keep));
  RAPPORT_TRY_VOID(recount_totals(db_, keep));
  RAPPORT_TRY_VOID(recount_totals(db_, merge));
  // Both are marked changed below whatever their usual orders did.
  for (const std::int64_t member : {keep, merge}) {
    RAPPORT_TRY(const bool changed, update_usual_order(db_, member));
    static_cast<void>(changed);
  }
  {
    // The merged member keeps where they were last seen, so the terminals that know them
    // are sent the change (they now hold no cards).
    RAPPORT_TRY(auto mark, db_.prepare("UPDATE members SET merged_into = ?1, merged_at = ?3, "
                                       "visit_count = 0, last_visit = NULL WHERE id = ?2"));
    RAPPORT_TRY_VOID(mark.bind(1, keep).bind(2, merge).bind(3, at).run());
  }
  RAPPORT_TRY(const std::int64_t sequence, next_change_sequence(db_));
  RAPPORT_TRY_VOID(mark_changed(db_, keep, sequence));
  RAPPORT_TRY_VOID(mark_changed(db_, merge, sequence));
  RAPPORT_TRY_VOID(tx.commit());
  return outcome;
}

}  // namespace rapport::server::sqlite
