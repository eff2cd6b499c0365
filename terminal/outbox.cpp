// terminal/outbox.cpp
#include "terminal/outbox.h"

namespace rapport::terminal {

Result<void> Outbox::append(const domain::Event& event) {
  if (!append_) {
    RAPPORT_TRY(append_, db_.prepare("INSERT INTO outbox(id, kind, card_token, member_id, "
                                     "occurred_at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                                     "ON CONFLICT(id) DO NOTHING"));
  }
  storage::Statement& stmt = *append_;
  return stmt.bind(1, event.id)
      .bind(2, domain::to_string(event.kind))
      .bind(3, event.card_token)
      .bind_optional(4, event.member_id)
      .bind(5, event.occurred_at)
      .bind(6, event.payload)
      .run();
}

Result<std::vector<domain::Event>> Outbox::oldest(std::size_t limit) {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT id, kind, card_token, member_id, occurred_at, "
                                     "payload FROM outbox ORDER BY seq LIMIT ?1"));
  stmt.bind(1, static_cast<std::int64_t>(limit));
  std::vector<domain::Event> events;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    domain::Event e;
    e.id = stmt.column_text(0);
    e.kind =
        domain::event_kind_from_string(stmt.column_text(1)).value_or(domain::EventKind::kVisit);
    e.card_token = stmt.column_text(2);
    if (!stmt.column_is_null(3)) e.member_id = stmt.column_int64(3);
    e.occurred_at = stmt.column_text(4);
    e.payload = stmt.column_text(5);
    events.push_back(std::move(e));
  }
  return events;
}

Result<void> Outbox::acknowledge(std::span<const std::string> ids) {
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  // The server now counts the visit; count it in the cached member too, in the same
  // transaction, so the number shown at the counter never drops until the next snapshot.
  RAPPORT_TRY(auto fold, db_.prepare("UPDATE members SET visit_count = visit_count + 1, "
                                     "last_visit = max(coalesce(last_visit, ''), o.occurred_at) "
                                     "FROM (SELECT member_id, occurred_at FROM outbox "
                                     "      WHERE id = ?1 AND kind = 'visit') AS o "
                                     "WHERE members.id = o.member_id"));
  // Likewise the points: the server has debited the redemption (or credited the gesture).
  RAPPORT_TRY(auto fold_points,
              db_.prepare("UPDATE members SET points_balance = coalesce(points_balance, 0) + "
                          "o.delta FROM (SELECT member_id, CASE kind WHEN 'redemption' THEN "
                          "-json_extract(payload, '$.points') ELSE json_extract(payload, "
                          "'$.points') END AS delta FROM outbox WHERE id = ?1 AND "
                          "kind IN ('redemption', 'gesture')) AS o WHERE members.id = o.member_id"));
  RAPPORT_TRY(auto remove, db_.prepare("DELETE FROM outbox WHERE id = ?1"));
  for (const auto& id : ids) {
    RAPPORT_TRY_VOID(fold.bind(1, id).run());
    RAPPORT_TRY_VOID(fold_points.bind(1, id).run());
    RAPPORT_TRY_VOID(remove.bind(1, id).run());
  }
  return tx.commit();
}

Result<void> Outbox::reject(const std::string& id, const Rejection& why) {
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  // The row as stored, not as oldest() read it: what was refused is kept exactly.
  RAPPORT_TRY(auto keep,
              db_.prepare("INSERT INTO rejected_events(id, kind, card_token, member_id, "
                          "occurred_at, payload, http_status, reason, rejected_at) "
                          "SELECT id, kind, card_token, member_id, occurred_at, payload, "
                          "?2, ?3, ?4 "
                          "FROM outbox WHERE id = ?1"));
  RAPPORT_TRY_VOID(keep.bind(1, id)
                       .bind(2, static_cast<std::int64_t>(why.http_status))
                       .bind(3, why.reason)
                       .bind(4, why.rejected_at)
                       .run());
  RAPPORT_TRY(auto remove, db_.prepare("DELETE FROM outbox WHERE id = ?1"));
  RAPPORT_TRY_VOID(remove.bind(1, id).run());
  return tx.commit();
}

Result<std::int64_t> Outbox::rejected_count() {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT count(*) FROM rejected_events"));
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 0;
}

Result<std::int64_t> Outbox::pending_points(std::int64_t member_id) {
  RAPPORT_TRY(auto stmt,
              db_.prepare("SELECT coalesce(sum(CASE kind WHEN 'redemption' THEN "
                          "-json_extract(payload, '$.points') ELSE json_extract(payload, "
                          "'$.points') END), 0) FROM outbox WHERE member_id = ?1 AND "
                          "kind IN ('redemption', 'gesture')"));
  stmt.bind(1, member_id);
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 0;
}

Result<PendingVisits> Outbox::pending_visits(std::int64_t member_id) {
  if (!pending_) {
    RAPPORT_TRY(pending_, db_.prepare("SELECT count(*), max(occurred_at) FROM outbox "
                                      "WHERE member_id = ?1 AND kind = 'visit'"));
  }
  storage::Statement& stmt = *pending_;
  stmt.bind(1, member_id);
  RAPPORT_TRY(const bool row, stmt.step());
  PendingVisits pending;
  if (row) {
    pending.count = stmt.column_int64(0);
    pending.latest = stmt.column_optional_text(1);
  }
  stmt.reset();
  return pending;
}

Result<std::int64_t> Outbox::size() {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT count(*) FROM outbox"));
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 0;
}

}  // namespace rapport::terminal
