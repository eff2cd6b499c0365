// server/storage/staff_store_move.cpp
//
// Changing a member's home store (docs/dashboard.md, "Changing a member's home store").
#include "server/storage/sqlite_members.h"
#include "server/storage/sqlite_staff_store.h"
#include "shared/storage/storage_errc.h"

namespace rapport::server::sqlite {

Result<bool> SqliteStaffStore::move_member(std::int64_t id, const std::string& store) {
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  {
    RAPPORT_TRY(auto exists, db_.prepare("SELECT 1 FROM stores WHERE id = ?1"));
    exists.bind(1, store);
    RAPPORT_TRY(const bool row, exists.step());
    if (!row) return Result<bool>(boost::system::in_place_error, make_error_code(storage::StorageErrc::kConstraint));
  }
  std::string home;
  {
    RAPPORT_TRY(auto member, db_.prepare("SELECT home_store, merged_into IS NOT NULL, "
                                         "erased_at IS NOT NULL FROM members WHERE id = ?1"));
    member.bind(1, id);
    RAPPORT_TRY(const bool row, member.step());
    if (!row || member.column_int64(1) != 0 || member.column_int64(2) != 0) {
      return Result<bool>(boost::system::in_place_error, make_error_code(storage::StorageErrc::kConstraint));
    }
    home = member.column_text(0);
  }
  if (home == store) return false;
  {
    RAPPORT_TRY(auto move, db_.prepare("UPDATE members SET home_store = ?2 WHERE id = ?1"));
    RAPPORT_TRY_VOID(move.bind(1, id).bind(2, store).run());
  }
  {
    // An owner is a staff member of the member's home store: one who does not work at the
    // new store lets the relationship go, and its open follow-ups go to whoever is assigned.
    RAPPORT_TRY(auto release,
                db_.prepare("DELETE FROM relationship_owners WHERE member_id = ?1 AND NOT EXISTS "
                            "(SELECT 1 FROM staff_user_stores s WHERE s.user_id = "
                            "relationship_owners.owner_id AND s.store_id = ?2)"));
    RAPPORT_TRY_VOID(release.bind(1, id).bind(2, store).run());
  }
  RAPPORT_TRY(const std::int64_t sequence, next_change_sequence(db_));
  RAPPORT_TRY_VOID(mark_changed(db_, id, sequence));
  RAPPORT_TRY_VOID(tx.commit());
  return true;
}

}  // namespace rapport::server::sqlite
