// terminal/member_cache.cpp
#include "terminal/member_cache.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>

#include "shared/storage/rewrite_file.h"

namespace rapport::terminal {

namespace {
constexpr std::string_view kCursorKey = "changes_cursor";
constexpr std::string_view kOfflineLimitKey = "offline_redeem_points_per_member_per_day";
constexpr std::string_view kGestureLimitKey = "gesture_points_per_cashier_per_day";
}  // namespace

Result<void> MemberCache::store_member(const domain::Member& m) {
  RAPPORT_TRY(auto member,
              db_.prepare("INSERT OR REPLACE INTO members(id, name, home_store, birth_date, "
                          "visit_count, last_visit, value_tier, at_risk, rhythm_days, "
                          "points_balance, reward_tier, usual_order, phone_digest) "
                          "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"));
  member.bind(1, m.id)
                       .bind(2, m.name)
                       .bind(3, m.home_store)
                       .bind_optional(4, m.birth_date)
                       .bind(5, m.visit_count)
                       .bind_optional(6, m.last_visit)
                       .bind_optional(7, m.value_tier)
                       .bind(8, std::int64_t{m.at_risk ? 1 : 0})
                       .bind_optional(9, m.rhythm_days)
                       .bind_optional(10, m.points_balance)
                       .bind_optional(11, m.reward_tier)
                       .bind_optional(12, m.usual_order)
                       .bind_optional(13, m.phone_digest);
  RAPPORT_TRY_VOID(member.run());
  // The server's list of the member's cards is the whole truth: a card it no longer lists
  // for them (moved to another member) goes.
  RAPPORT_TRY(auto forget, db_.prepare("DELETE FROM cards WHERE member_id = ?1"));
  RAPPORT_TRY_VOID(forget.bind(1, m.id).run());
  RAPPORT_TRY(auto card, db_.prepare("INSERT OR REPLACE INTO cards(token, member_id, last4, "
                                     "status) VALUES (?1,?2,?3,?4)"));
  for (const auto& c : m.cards) {
    const std::string_view status = c.status == domain::CardStatus::kBlocked ? "blocked" : "active";
    RAPPORT_TRY_VOID(card.bind(1, c.token).bind(2, m.id).bind(3, c.last4).bind(4, status).run());
  }
  // Likewise the offers: the server's list replaces the one kept here.
  RAPPORT_TRY(auto drop, db_.prepare("DELETE FROM member_offers WHERE member_id = ?1"));
  RAPPORT_TRY_VOID(drop.bind(1, m.id).run());
  RAPPORT_TRY(auto offer, db_.prepare("INSERT OR REPLACE INTO member_offers(member_id, position, "
                                      "offer_id, name, kind, points) VALUES (?1,?2,?3,?4,?5,?6)"));
  std::int64_t position = 0;
  for (const auto& o : m.offers) {
    RAPPORT_TRY_VOID(offer.bind(1, m.id)
                         .bind(2, position++)
                         .bind(3, o.id)
                         .bind(4, o.name)
                         .bind(5, o.kind)
                         .bind(6, o.points)
                         .run());
  }
  // And the notes: the server sends the member's latest, taken at any terminal.
  RAPPORT_TRY(auto drop_notes, db_.prepare("DELETE FROM member_notes WHERE member_id = ?1"));
  RAPPORT_TRY_VOID(drop_notes.bind(1, m.id).run());
  RAPPORT_TRY(auto note, db_.prepare("INSERT OR REPLACE INTO member_notes(member_id, event_id, "
                                     "topic, text, noted_at, store_id) "
                                     "VALUES (?1,?2,?3,?4,?5,?6)"));
  for (const auto& n : m.notes) {
    RAPPORT_TRY_VOID(note.bind(1, m.id)
                         .bind(2, n.event_id)
                         .bind(3, n.topic)
                         .bind(4, n.text)
                         .bind(5, n.noted_at)
                         .bind(6, n.store_id)
                         .run());
  }
  // And the recent purchases, refundable here (docs/protocol.md, "Recent purchases"). A
  // refund recorded here since the server counted may not have reached it yet: what was
  // refunded of a purchase never goes down here, so it cannot be refunded twice at this till.
  RAPPORT_TRY(auto refunded, db_.prepare("SELECT event_id, refunded_cents FROM member_purchases "
                                         "WHERE member_id = ?1"));
  refunded.bind(1, m.id);
  std::map<std::string, std::int64_t, std::less<>> refunded_here;
  for (;;) {
    RAPPORT_TRY(const bool row, refunded.step());
    if (!row) break;
    refunded_here.emplace(refunded.column_text(0), refunded.column_int64(1));
  }
  RAPPORT_TRY(auto drop_purchases,
              db_.prepare("DELETE FROM member_purchases WHERE member_id = ?1"));
  RAPPORT_TRY_VOID(drop_purchases.bind(1, m.id).run());
  RAPPORT_TRY(auto purchase,
              db_.prepare("INSERT OR REPLACE INTO member_purchases(member_id, event_id, "
                          "occurred_at, store_id, summary, total_cents, refunded_cents) "
                          "VALUES (?1,?2,?3,?4,?5,?6,?7)"));
  for (const auto& p : m.recent_purchases) {
    std::int64_t done = p.total_cents - p.refundable_cents;
    if (const auto it = refunded_here.find(p.event_id); it != refunded_here.end()) {
      done = std::max(done, it->second);
    }
    RAPPORT_TRY_VOID(purchase.bind(1, m.id)
                         .bind(2, p.event_id)
                         .bind(3, p.occurred_at)
                         .bind(4, p.store_id)
                         .bind(5, p.summary)
                         .bind(6, p.total_cents)
                         .bind(7, std::min(done, p.total_cents))
                         .run());
  }
  return {};
}

Result<void> MemberCache::remove_member(std::int64_t member_id) {
  // Notes waiting in the outbox are the customer's words: they go with the member (the
  // server has erased them). Refused events of their cards may hold a name: they go too.
  constexpr std::string_view kStatements[] = {
      "DELETE FROM outbox WHERE kind = 'note' AND (member_id = ?1 OR card_token IN "
      "(SELECT token FROM cards WHERE member_id = ?1))",
      "DELETE FROM rejected_events WHERE member_id = ?1 OR card_token IN "
      "(SELECT token FROM cards WHERE member_id = ?1)",
      // Notes written at this terminal's screen (terminal/screen/local_notes.h).
      "DELETE FROM local_notes WHERE member_id = ?1 OR card_token IN "
      "(SELECT token FROM cards WHERE member_id = ?1)",
      // Sales recorded at this terminal's screen, kept for refunds: their purchase history.
      "DELETE FROM local_sales WHERE member_id = ?1",
      "DELETE FROM member_offers WHERE member_id = ?1",
      "DELETE FROM member_notes WHERE member_id = ?1",
      "DELETE FROM member_purchases WHERE member_id = ?1",
      "DELETE FROM cards WHERE member_id = ?1",
      "DELETE FROM members WHERE id = ?1",
  };
  for (const auto sql : kStatements) {
    RAPPORT_TRY(auto stmt, db_.prepare(sql));
    RAPPORT_TRY_VOID(stmt.bind(1, member_id).run());
  }
  return {};
}

Result<void> MemberCache::apply(const protocol::ChangesPage& page) {
  if (!page.removed.empty()) RAPPORT_TRY_VOID(db_.execute("PRAGMA secure_delete = ON"));
  {
    RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
    for (const auto& m : page.members) RAPPORT_TRY_VOID(store_member(m));
    for (const auto id : page.removed) RAPPORT_TRY_VOID(remove_member(id));
    RAPPORT_TRY(auto save, db_.prepare("INSERT OR REPLACE INTO sync_state(key, value) "
                                       "VALUES (?1, ?2)"));
    RAPPORT_TRY_VOID(save.bind(1, kCursorKey).bind(2, page.cursor).run());
    if (page.limits) {
      RAPPORT_TRY_VOID(
          save.bind(1, kOfflineLimitKey)
              .bind(2, std::to_string(page.limits->offline_redeem_points_per_member_per_day))
              .run());
      RAPPORT_TRY_VOID(
          save.bind(1, kGestureLimitKey)
              .bind(2, std::to_string(page.limits->gesture_points_per_cashier_per_day))
              .run());
    }
    RAPPORT_TRY_VOID(tx.commit());
  }
  if (page.removed.empty()) return {};
  // The removed members' bytes must leave the file, not only be unlinked
  // (docs/members-rights.md): rebuild it and empty the WAL.
  return storage::rewrite_file(db_);
}

Result<void> MemberCache::upsert(const domain::Member& member) {
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  RAPPORT_TRY_VOID(store_member(member));
  return tx.commit();
}

Result<std::string> MemberCache::cursor() {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT value FROM sync_state WHERE key = ?1"));
  stmt.bind(1, kCursorKey);
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_text(0) : std::string();
}

Result<std::optional<CardHolder>> MemberCache::find_by_token(const std::string& token) {
  if (!find_) {
    RAPPORT_TRY(find_, db_.prepare("SELECT m.id, m.name, m.home_store, m.birth_date, "
                                   "m.visit_count, m.last_visit, c.last4, c.status, "
                                   "m.value_tier, m.at_risk, m.rhythm_days, "
                                   "m.points_balance, m.reward_tier, m.usual_order "
                                   "FROM cards c JOIN members m ON m.id = c.member_id "
                                   "WHERE c.token = ?1"));
  }
  storage::Statement& stmt = *find_;
  stmt.bind(1, token);
  auto row = stmt.step();
  if (!row) return row.error();
  std::optional<CardHolder> holder;
  if (*row) {
    CardHolder h;
    h.member.id = stmt.column_int64(0);
    h.member.name = stmt.column_text(1);
    h.member.home_store = stmt.column_text(2);
    h.member.birth_date = stmt.column_optional_text(3);
    h.member.visit_count = stmt.column_int64(4);
    h.member.last_visit = stmt.column_optional_text(5);
    h.card.token = token;
    h.card.last4 = stmt.column_text(6);
    h.card.status = stmt.column_text(7) == "blocked" ? domain::CardStatus::kBlocked
                                                     : domain::CardStatus::kActive;
    h.member.value_tier = stmt.column_optional_text(8);
    h.member.at_risk = stmt.column_int64(9) != 0;
    if (!stmt.column_is_null(10)) h.member.rhythm_days = stmt.column_double(10);
    if (!stmt.column_is_null(11)) h.member.points_balance = stmt.column_int64(11);
    h.member.reward_tier = stmt.column_optional_text(12);
    h.member.usual_order = stmt.column_optional_text(13);
    holder = std::move(h);
  }
  stmt.reset();
  return holder;
}

Result<std::vector<domain::MemberOffer>> MemberCache::offers_of(std::int64_t member_id) {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT offer_id, name, kind, points FROM member_offers "
                                     "WHERE member_id = ?1 ORDER BY position"));
  stmt.bind(1, member_id);
  std::vector<domain::MemberOffer> offers;
  while (true) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    offers.push_back(
        {stmt.column_text(0), stmt.column_text(1), stmt.column_text(2), stmt.column_int64(3)});
  }
  return offers;
}

Result<void> MemberCache::remove_offer(std::int64_t member_id, const std::string& offer_id) {
  RAPPORT_TRY(auto stmt,
              db_.prepare("DELETE FROM member_offers WHERE member_id = ?1 AND offer_id = ?2"));
  return stmt.bind(1, member_id).bind(2, offer_id).run();
}

Result<protocol::CounterLimits> MemberCache::counter_limits() {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT key, value FROM sync_state WHERE key IN (?1, ?2)"));
  stmt.bind(1, kOfflineLimitKey).bind(2, kGestureLimitKey);
  protocol::CounterLimits limits;
  while (true) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    const std::int64_t value = std::stoll(stmt.column_text(1));  // written from an integer
    if (stmt.column_text(0) == kOfflineLimitKey) {
      limits.offline_redeem_points_per_member_per_day = value;
    } else {
      limits.gesture_points_per_cashier_per_day = value;
    }
  }
  return limits;
}

Result<std::vector<domain::MemberNote>> MemberCache::notes_to_show(
    std::optional<std::int64_t> member_id, const std::string& card_token, std::size_t limit) {
  if (!notes_) {
    RAPPORT_TRY(notes_,
                db_.prepare("SELECT event_id, topic, text, noted_at, store_id FROM member_notes "
                            "WHERE member_id = ?1 "
                            "UNION ALL "
                            "SELECT event_id, topic, text, noted_at, '' FROM local_notes l "
                            "WHERE (l.member_id = ?1 OR l.card_token = ?2) AND NOT EXISTS "
                            "(SELECT 1 FROM member_notes n WHERE n.member_id = ?1 AND "
                            "n.event_id = l.event_id) "
                            "ORDER BY 4 DESC, 1 DESC LIMIT ?3"));
  }
  storage::Statement& stmt = *notes_;
  stmt.bind_optional(1, member_id).bind(2, card_token).bind(3, static_cast<std::int64_t>(limit));
  std::vector<domain::MemberNote> notes;
  for (;;) {
    auto row = stmt.step();
    if (!row) {
      stmt.reset();
      return row.error();
    }
    if (!*row) break;
    notes.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                     stmt.column_text(3), stmt.column_text(4)});
  }
  stmt.reset();
  return notes;
}

Result<std::int64_t> MemberCache::member_count() {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT count(*) FROM members"));
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 0;
}

}  // namespace rapport::terminal
