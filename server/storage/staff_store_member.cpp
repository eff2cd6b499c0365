// server/storage/staff_store_member.cpp
//
// What a member's full dashboard page shows beyond the overview: history from the events
// and purchases tables, notes, the value snapshot with the fit it came from, the points
// ledger, the relationship owner and open follow-ups.
#include <string>

#include "server/storage/sqlite_staff_store.h"
#include "server/storage/sqlite_value.h"

namespace rapport::server::sqlite {

Result<MemberDetail> SqliteStaffStore::member_detail(std::int64_t id, std::size_t history_limit) {
  MemberDetail detail;
  {
    // Purchases show what they came to less what was refunded since.
    RAPPORT_TRY(auto stmt,
                db_.prepare("SELECT e.occurred_at, e.kind, e.store_id, "
                            "p.amount_cents - p.refunded_cents FROM events e "
                            "LEFT JOIN purchases p ON p.event_id = e.id WHERE e.member_id = ? "
                            "ORDER BY e.occurred_at DESC, e.seq DESC LIMIT ?"));
    stmt.bind(1, id).bind(2, static_cast<std::int64_t>(history_limit));
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      HistoryLine line{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2), {}};
      if (!stmt.column_is_null(3)) line.amount_cents = stmt.column_int64(3);
      detail.history.push_back(std::move(line));
    }
  }
  {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT noted_at, store_id, topic, text FROM notes "
                                       "WHERE member_id = ? ORDER BY noted_at DESC"));
    stmt.bind(1, id);
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      detail.notes.push_back(
          {stmt.column_text(0), stmt.column_text(1), stmt.column_text(2), stmt.column_text(3)});
    }
  }
  RAPPORT_TRY(auto snapshot, read_value_snapshot(db_, id));
  if (snapshot) {
    ValueExplanation value{std::move(*snapshot), {}, {}, {}, {}, {}, {}};
    RAPPORT_TRY(auto stmt,
                db_.prepare("SELECT v.computed_at, f.model, f.params, f.spend_params, f.as_of, "
                            "f.customers FROM value_snapshots v LEFT JOIN value_fits f "
                            "ON f.id = v.fit_id WHERE v.member_id = ?"));
    stmt.bind(1, id);
    RAPPORT_TRY(const bool row, stmt.step());
    if (row) {
      value.computed_at = stmt.column_text(0);
      value.model = stmt.column_optional_text(1);
      value.params = stmt.column_optional_text(2);
      value.spend_params = stmt.column_optional_text(3);
      value.as_of = stmt.column_optional_text(4);
      if (!stmt.column_is_null(5)) value.customers = stmt.column_int64(5);
    }
    detail.value = std::move(value);
  }
  {
    RAPPORT_TRY(auto stmt,
                db_.prepare("SELECT p.occurred_at, p.kind, e.points FROM points_entries e "
                            "JOIN points_postings p ON p.id = e.posting_id "
                            "WHERE e.account = 'member' AND e.member_id = ? "
                            "ORDER BY p.occurred_at DESC, p.id DESC"));
    stmt.bind(1, id);
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      detail.ledger.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_int64(2)});
      detail.points_balance += detail.ledger.back().points;
    }
  }
  {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT at, offer_id, outcome, store_id FROM offer_events "
                                       "WHERE member_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2"));
    stmt.bind(1, id).bind(2, static_cast<std::int64_t>(history_limit));
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      detail.offers.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                               stmt.column_optional_text(3)});
    }
  }
  {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT u.name FROM relationship_owners o JOIN "
                                       "staff_users u ON u.id = o.owner_id WHERE o.member_id = ?"));
    stmt.bind(1, id);
    RAPPORT_TRY(const bool row, stmt.step());
    if (row) detail.owner = stmt.column_text(0);
  }
  RAPPORT_TRY(detail.open_follow_ups,
              follow_ups_where("f.member_id = ? AND f.closed_at IS NULL",
                               [&](storage::Statement& s) { s.bind(1, id); }));
  return detail;
}

}  // namespace rapport::server::sqlite
