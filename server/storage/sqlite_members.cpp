// server/storage/sqlite_members.cpp
#include "server/storage/sqlite_members.h"

#include <algorithm>
#include <string>

#include "server/storage/sqlite_purchases.h"
#include "shared/protocol/event_payloads.h"
#include "shared/protocol/sync_messages.h"

namespace rapport::server::sqlite {

domain::Member member_from_row(const storage::Statement& row) {
  domain::Member m;
  m.id = row.column_int64(0);
  m.name = row.column_text(1);
  m.home_store = row.column_text(2);
  m.birth_date = row.column_optional_text(3);
  m.visit_count = row.column_int64(4);
  m.last_visit = row.column_optional_text(5);
  m.value_tier = row.column_optional_text(7);
  m.at_risk = row.column_int64(8) != 0;
  if (!row.column_is_null(9)) m.rhythm_days = row.column_double(9);
  m.points_balance = row.column_int64(10);
  m.reward_tier = row.column_optional_text(11);
  m.usual_order = row.column_optional_text(12);
  m.phone = row.column_optional_text(13);  // for the sync handler's digest; never sent
  return m;
}

std::int64_t changed_seq_of_row(const storage::Statement& row) { return row.column_int64(6); }

Result<void> MemberCards::load(domain::Member& member) {
  if (!select_) {
    RAPPORT_TRY(select_, db_.prepare("SELECT token, last4, status FROM cards WHERE member_id = ?1 "
                                     "ORDER BY rowid"));
  }
  storage::Statement& stmt = *select_;
  stmt.bind(1, member.id);
  member.cards.clear();
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) break;
    domain::Card card;
    card.token = stmt.column_text(0);
    card.last4 = stmt.column_text(1);
    card.status = stmt.column_text(2) == "blocked" ? domain::CardStatus::kBlocked
                                                   : domain::CardStatus::kActive;
    member.cards.push_back(std::move(card));
  }
  stmt.reset();
  return {};
}

Result<void> MemberNotes::load(domain::Member& member, std::size_t limit) {
  if (!select_) {
    RAPPORT_TRY(select_, db_.prepare("SELECT event_id, topic, text, noted_at, store_id FROM notes "
                                     "WHERE member_id = ?1 ORDER BY noted_at DESC, event_id DESC "
                                     "LIMIT ?2"));
  }
  storage::Statement& stmt = *select_;
  stmt.bind(1, member.id).bind(2, static_cast<std::int64_t>(limit));
  member.notes.clear();
  for (;;) {
    auto row = stmt.step();
    if (!row) {
      stmt.reset();
      return row.error();
    }
    if (!*row) break;
    member.notes.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                            stmt.column_text(3), stmt.column_text(4)});
  }
  stmt.reset();
  return {};
}

Result<void> MemberPurchases::load(domain::Member& member) {
  if (!select_) {
    // purchases.day is the terminal's UTC day of the sale; purchases_member_time serves it.
    RAPPORT_TRY(select_, db_.prepare("SELECT p.event_id, p.occurred_at, p.store_id, e.payload, "
                                     "p.amount_cents, p.amount_cents - p.refunded_cents "
                                     "FROM purchases p JOIN events e ON e.id = p.event_id "
                                     "WHERE p.member_id = ?1 AND p.day >= date('now', ?2) "
                                     "ORDER BY p.occurred_at DESC, p.event_id DESC LIMIT ?3"));
  }
  storage::Statement& stmt = *select_;
  stmt.bind(1, member.id)
      .bind(2, "-" + std::to_string(protocol::kRecentPurchaseDays) + " days")
      .bind(3, static_cast<std::int64_t>(protocol::kMaxPurchasesPerMember));
  member.recent_purchases.clear();
  for (;;) {
    auto row = stmt.step();
    if (!row) {
      stmt.reset();
      return row.error();
    }
    if (!*row) break;
    domain::MemberPurchase p;
    p.event_id = stmt.column_text(0);
    p.occurred_at = stmt.column_text(1);
    p.store_id = stmt.column_text(2);
    // Checked when it was stored: an undecodable payload leaves the summary empty.
    if (const auto purchase = protocol::decode_purchase(stmt.column_text(3)); purchase) {
      p.summary = protocol::sale_summary(purchase->lines);
    }
    p.total_cents = stmt.column_int64(4);
    p.refundable_cents = std::max<std::int64_t>(0, stmt.column_int64(5));
    member.recent_purchases.push_back(std::move(p));
  }
  stmt.reset();
  return {};
}

Result<std::int64_t> next_change_sequence(storage::Database& db) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT coalesce(max(changed_seq), 0) + 1 FROM members"));
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 1;
}

Result<void> attach_card_history(storage::Database& db, const std::string& token,
                                 std::int64_t member_id) {
  RAPPORT_TRY_VOID(attach_card_purchases(db, token, member_id));
  RAPPORT_TRY(auto attach, db.prepare("UPDATE events SET member_id = ?2 "
                                      "WHERE card_token = ?1 AND member_id IS NULL"));
  RAPPORT_TRY_VOID(attach.bind(1, token).bind(2, member_id).run());
  if (db.changes() == 0) return {};
  RAPPORT_TRY(auto notes, db.prepare("UPDATE notes SET member_id = ?2 "
                                     "WHERE card_token = ?1 AND member_id IS NULL"));
  RAPPORT_TRY_VOID(notes.bind(1, token).bind(2, member_id).run());
  return recount_visits(db, member_id);
}

Result<void> recount_visits(storage::Database& db, std::int64_t member_id) {
  RAPPORT_TRY(auto recount,
              db.prepare("UPDATE members SET "
                         "visit_count = (SELECT count(*) FROM events e WHERE e.member_id = ?1 "
                         "  AND e.kind = 'visit'), "
                         "last_visit = (SELECT max(occurred_at) FROM events e "
                         "  WHERE e.member_id = ?1 AND e.kind = 'visit'), "
                         "last_seen_at = (SELECT max(min(occurred_at, received_at)) FROM events e "
                         "  WHERE e.member_id = ?1 AND e.kind = 'visit') "
                         "WHERE id = ?1"));
  RAPPORT_TRY_VOID(recount.bind(1, member_id).run());
  RAPPORT_TRY(auto seen, db.prepare("INSERT INTO member_store_visits(member_id, store_id, "
                                    "last_seen_at) SELECT member_id, store_id, "
                                    "max(min(occurred_at, received_at)) "
                                    "FROM events WHERE member_id = ?1 AND kind = 'visit' "
                                    "GROUP BY store_id ON CONFLICT(member_id, store_id) DO "
                                    "UPDATE SET last_seen_at = max(last_seen_at, "
                                    "excluded.last_seen_at)"));
  return seen.bind(1, member_id).run();
}

Result<void> mark_changed(storage::Database& db, std::int64_t member_id, std::int64_t sequence) {
  RAPPORT_TRY(auto stmt, db.prepare("UPDATE members SET changed_seq = ?2 WHERE id = ?1"));
  return stmt.bind(1, member_id).bind(2, sequence).run();
}

}  // namespace rapport::server::sqlite
