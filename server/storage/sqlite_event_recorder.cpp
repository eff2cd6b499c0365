// server/storage/sqlite_event_recorder.cpp
//
// Exactly-once rests on events.id being UNIQUE and ON CONFLICT DO NOTHING: an effect is
// applied only when its event's row was new, in the transaction that stores it, so a batch
// sent again (after a lost acknowledgement) changes nothing.

#include "server/storage/sqlite_event_recorder.h"

#include <spdlog/spdlog.h>

#include "server/storage/sqlite_members.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"

namespace rapport::server::sqlite {

using domain::EventKind;
using storage::Statement;

Result<std::size_t> EventRecorder::record(std::span<const domain::Event> events) {
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  sequence_.reset();
  const std::string received_at = now_iso8601();
  std::size_t stored = 0;
  for (const domain::Event& e : events) {
    // The member comes from the server's own card table, not from the terminal's claim.
    RAPPORT_TRY(const auto owner, owner_of(e.card_token));
    std::optional<std::int64_t> member;
    if (owner) member = owner->member_id;
    // Personal data goes to the members and notes tables only (erasure clears them there).
    std::string payload = e.payload;
    if (e.kind == EventKind::kEnrollment) {
      if (const auto enrollment = protocol::decode_enrollment(e.payload); enrollment) {
        payload = protocol::without_personal_data(*enrollment);
      }
    } else if (e.kind == EventKind::kNote) {
      if (const auto note = protocol::decode_note(e.payload); note) {
        payload = protocol::without_personal_data(*note);
      }
    }
    RAPPORT_TRY(const bool is_new, insert(e, member, payload, received_at));
    if (!is_new) continue;
    ++stored;
    RAPPORT_TRY_VOID(apply(e, owner, received_at));
  }
  RAPPORT_TRY_VOID(tx.commit());
  return stored;
}

Result<std::optional<EventRecorder::CardOwner>> EventRecorder::owner_of(const std::string& token) {
  if (!owner_) {
    RAPPORT_TRY(owner_, db_.prepare("SELECT member_id, status = 'blocked' FROM cards "
                                    "WHERE token = ?1"));
  }
  Statement& stmt = *owner_;
  stmt.bind(1, token);
  auto row = stmt.step();
  if (!row) return row.error();
  std::optional<CardOwner> owner;
  if (*row) owner = CardOwner{stmt.column_int64(0), stmt.column_int64(1) != 0};
  stmt.reset();
  return owner;
}

Result<bool> EventRecorder::insert(const domain::Event& e, std::optional<std::int64_t> member,
                                   const std::string& payload, const std::string& received_at) {
  if (!insert_) {
    RAPPORT_TRY(insert_, db_.prepare("INSERT INTO events(id, kind, terminal_id, store_id, "
                                     "card_token, member_id, occurred_at, received_at, payload) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                                     "ON CONFLICT(id) DO NOTHING"));
  }
  Statement& stmt = *insert_;
  stmt.bind(1, e.id)
      .bind(2, domain::to_string(e.kind))
      .bind(3, e.terminal_id)
      .bind(4, e.store_id)
      .bind(5, e.card_token)
      .bind(7, e.occurred_at)
      .bind(8, received_at)
      .bind(9, payload)
      .bind_optional(6, member);
  RAPPORT_TRY_VOID(stmt.run());
  return db_.changes() > 0;
}

Result<void> EventRecorder::apply(const domain::Event& e, std::optional<CardOwner> owner,
                                  const std::string& received_at) {
  switch (e.kind) {
    case EventKind::kVisit:
      if (owner) {
        RAPPORT_TRY_VOID(count_visit(e, owner->member_id, received_at));
        return ledger_.on_visit(e, owner->member_id);
      }
      return {};  // counted when the card's member becomes known (attach_card_history)
    case EventKind::kEnrollment:
      if (owner) {
        spdlog::warn("event {}: enrollment of a card that member {} already holds; kept, "
                     "no new member",
                     e.id, owner->member_id);
        return {};
      }
      return enroll(e);
    case EventKind::kCardLinked:
      if (owner) return link_card(e, owner->member_id);
      spdlog::warn("event {}: card_linked from a card no member holds; kept, nothing linked", e.id);
      return {};
    case EventKind::kCardBlocked:
      if (owner) return block_card(e.card_token, owner->member_id);
      return {};
    case EventKind::kNote:
      return keep_note(e, owner ? std::optional(owner->member_id) : std::nullopt);
    case EventKind::kPurchase: {
      const auto member = owner ? std::optional(owner->member_id) : std::nullopt;
      RAPPORT_TRY_VOID(purchases_.record_purchase(e, member));
      if (member) RAPPORT_TRY_VOID(purchases_changed(*member));
      return ledger_.on_purchase(e, member);
    }
    case EventKind::kRefund: {
      RAPPORT_TRY_VOID(purchases_.record_refund(e));
      RAPPORT_TRY(const auto refund, protocol::decode_refund(e.payload));
      RAPPORT_TRY_VOID(purchases_changed_of(refund.purchase_id));
      return ledger_.on_taken_back(e, refund.purchase_id);
    }
    case EventKind::kVoid: {
      RAPPORT_TRY_VOID(purchases_.record_void(e));
      RAPPORT_TRY(const auto cancelled, protocol::decode_void(e.payload));
      RAPPORT_TRY_VOID(purchases_changed_of(cancelled.purchase_id));
      return ledger_.on_taken_back(e, cancelled.purchase_id);
    }
    case EventKind::kRedemption: {
      const auto member = owner ? std::optional(owner->member_id) : std::nullopt;
      RAPPORT_TRY_VOID(ledger_.on_redemption(e, member));
      RAPPORT_TRY(const auto redemption, protocol::decode_redemption(e.payload));
      // Handed over at the counter whatever the balance said: it cost what it cost.
      RAPPORT_TRY_VOID(record_reward_cost(e, member, redemption.reward));
      if (member && redemption.offer_id) {
        return record_offer_outcome(e, *member, *redemption.offer_id, "accepted");
      }
      return {};
    }
    case EventKind::kOfferResponse: {
      if (!owner) return {};  // nobody to remember it for
      RAPPORT_TRY(const auto response, protocol::decode_offer_response(e.payload));
      RAPPORT_TRY_VOID(record_offer_outcome(e, owner->member_id, response.offer_id,
                                            protocol::to_string(response.outcome)));
      // An accepted offer here costs no points (a gesture, a gift): it costs money all the same.
      if (response.outcome == protocol::OfferResponse::kAccepted) {
        RAPPORT_TRY_VOID(record_reward_cost(e, owner->member_id, response.offer_id));
      }
      // The member's offers change (contact limit, cool-down): terminals pull them again.
      RAPPORT_TRY(const std::int64_t sequence, change_sequence());
      return mark_changed(db_, owner->member_id, sequence);
    }
    case EventKind::kGesture:
      return ledger_.on_gesture(e, owner ? std::optional(owner->member_id) : std::nullopt);
    case EventKind::kReferral:
      return {};  // kept for the value, rewards and reports that read them
  }
  return {};
}

Result<void> EventRecorder::check_velocity(const domain::Event& e, std::int64_t member_id) {
  if (!card_seen_) {
    RAPPORT_TRY(card_seen_, db_.prepare("SELECT last_seen_store, last_seen_at FROM cards "
                                        "WHERE token = ?1"));
    RAPPORT_TRY(mark_card_seen_, db_.prepare("UPDATE cards SET last_seen_store = ?2, "
                                             "last_seen_at = ?3 WHERE token = ?1 AND "
                                             "(last_seen_at IS NULL OR last_seen_at <= ?3)"));
  }
  card_seen_->bind(1, e.card_token);
  auto row = card_seen_->step();
  if (!row) return row.error();
  std::optional<std::string> store;
  std::optional<std::string> at;
  if (*row) {
    store = card_seen_->column_optional_text(0);
    at = card_seen_->column_optional_text(1);
  }
  card_seen_->reset();
  if (velocity_window_.count() > 0 && store && at && *store != e.store_id) {
    const auto before = from_iso8601(*at);
    const auto now = from_iso8601(e.occurred_at);
    if (before && now) {
      const auto gap = *now > *before ? *now - *before : *before - *now;
      if (gap < velocity_window_) {
        spdlog::warn("card of member {}: read at {} and {} {} min apart; flagged for review",
                     member_id, *store, e.store_id,
                     std::chrono::duration_cast<std::chrono::minutes>(gap).count());
        RAPPORT_TRY(auto flag, db_.prepare("INSERT INTO card_alerts(card_token, member_id, "
                                           "first_store, first_at, second_store, second_at, "
                                           "event_id, flagged_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                                           "?6, ?7, ?8)"));
        RAPPORT_TRY_VOID(flag.bind(1, e.card_token)
                             .bind(2, member_id)
                             .bind(3, *store)
                             .bind(4, *at)
                             .bind(5, e.store_id)
                             .bind(6, e.occurred_at)
                             .bind(7, e.id)
                             .bind(8, now_iso8601())
                             .run());
      }
    }
  }
  return mark_card_seen_->bind(1, e.card_token).bind(2, e.store_id).bind(3, e.occurred_at).run();
}

Result<void> EventRecorder::count_visit(const domain::Event& e, std::int64_t member_id,
                                        const std::string& received_at) {
  RAPPORT_TRY_VOID(check_velocity(e, member_id));
  RAPPORT_TRY(const std::int64_t sequence, change_sequence());
  if (!count_visit_) {
    RAPPORT_TRY(count_visit_,
                db_.prepare("UPDATE members SET visit_count = visit_count + 1, "
                            "last_visit = CASE WHEN last_visit IS NULL OR last_visit < ?2 "
                            "  THEN ?2 ELSE last_visit END, "
                            "last_seen_at = max(coalesce(last_seen_at, ''), ?3), "
                            "changed_seq = ?4 WHERE id = ?1"));
    RAPPORT_TRY(seen_at_store_,
                db_.prepare("INSERT INTO member_store_visits(member_id, store_id, last_seen_at) "
                            "VALUES (?1, ?2, ?3) ON CONFLICT(member_id, store_id) DO UPDATE "
                            "SET last_seen_at = max(last_seen_at, excluded.last_seen_at)"));
  }
  // When the member was seen: the server's clock, or the terminal's when that is earlier (a
  // terminal catching up after days offline, an import of old visits): a terminal clock
  // running ahead can never make a member look more recent than the server saw them.
  const std::string& seen_at = std::min(e.occurred_at, received_at);
  RAPPORT_TRY_VOID(count_visit_->bind(1, member_id)
                       .bind(2, e.occurred_at)
                       .bind(3, seen_at)
                       .bind(4, sequence)
                       .run());
  return seen_at_store_->bind(1, member_id).bind(2, e.store_id).bind(3, seen_at).run();
}

Result<void> EventRecorder::enroll(const domain::Event& e) {
  const auto enrollment = protocol::decode_enrollment(e.payload);
  if (!enrollment) return enrollment.error();  // checked on decode: cannot happen
  RAPPORT_TRY(const std::int64_t sequence, change_sequence());
  RAPPORT_TRY(auto member,
              db_.prepare("INSERT INTO members(name, home_store, birth_date, created_at, "
                          "changed_seq, channel, referred_by, phone, email, marketing_consent, "
                          "personalisation_consent, enrolled_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                          "(SELECT member_id FROM cards WHERE token = ?7), ?8, ?9, ?10, ?11, "
                          "?12)"));
  RAPPORT_TRY_VOID(member.bind(1, enrollment->name)
                       .bind(2, e.store_id)
                       .bind_optional(3, enrollment->birth_date)
                       .bind(4, now_iso8601())
                       .bind(5, sequence)
                       .bind_optional(6, enrollment->channel)
                       .bind_optional(7, enrollment->referred_by_token)
                       .bind_optional(8, enrollment->phone)
                       .bind_optional(9, enrollment->email)
                       // Marketing only when asked and given; personalisation unless refused
                       // (migration 10's default).
                       .bind(10, std::int64_t{enrollment->marketing_consent.value_or(false)})
                       .bind(11, std::int64_t{enrollment->personalisation_consent.value_or(true)})
                       .bind(12, e.occurred_at.substr(0, 10))
                       .run());
  const std::int64_t member_id = db_.last_insert_rowid();
  RAPPORT_TRY(auto card, db_.prepare("INSERT INTO cards(token, member_id, last4, issued_at) "
                                     "VALUES (?1, ?2, ?3, ?4)"));
  RAPPORT_TRY_VOID(
      card.bind(1, e.card_token).bind(2, member_id).bind(3, enrollment->last4).bind(4, now_iso8601())
          .run());
  // The visit recorded when the unknown card was first read, and this event itself.
  RAPPORT_TRY(const auto sales, ledger_.unattached_purchases(e.card_token));
  RAPPORT_TRY_VOID(attach_card_history(db_, e.card_token, member_id));
  RAPPORT_TRY_VOID(ledger_.on_enrollment(e, member_id));
  return ledger_.on_card_attached(sales, member_id);
}

Result<void> EventRecorder::link_card(const domain::Event& e, std::int64_t member_id) {
  const auto linked = protocol::decode_card_linked(e.payload);
  if (!linked) return linked.error();
  RAPPORT_TRY(const std::int64_t sequence, change_sequence());
  RAPPORT_TRY(auto card, db_.prepare("INSERT INTO cards(token, member_id, last4, issued_at) "
                                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(token) DO NOTHING"));
  RAPPORT_TRY_VOID(card.bind(1, linked->new_card_token)
                       .bind(2, member_id)
                       .bind(3, linked->last4)
                       .bind(4, now_iso8601())
                       .run());
  if (db_.changes() == 0) {
    spdlog::warn("event {}: the linked card is already someone's; nothing linked", e.id);
  } else {
    RAPPORT_TRY(const auto sales, ledger_.unattached_purchases(linked->new_card_token));
    RAPPORT_TRY_VOID(attach_card_history(db_, linked->new_card_token, member_id));
    RAPPORT_TRY_VOID(ledger_.on_card_attached(sales, member_id));
  }
  if (linked->replaces_card) return block_card(e.card_token, member_id);
  return mark_changed(db_, member_id, sequence);
}

Result<void> EventRecorder::keep_note(const domain::Event& e, std::optional<std::int64_t> member) {
  const auto note = protocol::decode_note(e.payload);
  if (!note) return note.error();
  RAPPORT_TRY(auto insert, db_.prepare("INSERT INTO notes(event_id, member_id, card_token, "
                                       "store_id, topic, text, noted_at) VALUES "
                                       "(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  insert.bind(1, e.id)
      .bind(3, e.card_token)
      .bind(4, e.store_id)
      .bind(5, protocol::to_string(note->topic))
      .bind(6, note->text)
      .bind(7, e.occurred_at)
      .bind_optional(2, member);
  RAPPORT_TRY_VOID(insert.run());
  if (!member) return {};  // sent with the member once the card is enrolled (which marks them)
  // Terminals keep the member's latest notes: a note taken at one counter reaches the others
  // at their next pull.
  RAPPORT_TRY(const std::int64_t sequence, change_sequence());
  return mark_changed(db_, *member, sequence);
}

Result<void> EventRecorder::record_offer_outcome(const domain::Event& e, std::int64_t member_id,
                                                const std::string& offer_id,
                                                std::string_view outcome) {
  // Applied only for a newly stored event, so once however often it is sent.
  RAPPORT_TRY(auto insert, db_.prepare("INSERT INTO offer_events(member_id, offer_id, outcome, "
                                       "at, store_id) VALUES (?1, ?2, ?3, ?4, ?5)"));
  return insert.bind(1, member_id)
      .bind(2, offer_id)
      .bind(3, outcome)
      .bind(4, e.occurred_at)
      .bind(5, e.store_id)
      .run();
}

Result<void> EventRecorder::record_reward_cost(const domain::Event& e,
                                              std::optional<std::int64_t> member,
                                              const std::string& reward) {
  // Applied only for a newly stored event; OR IGNORE keeps it once all the same.
  const auto* rules = ledger_.rules();
  const auto* item = rules ? rules->find_reward(reward) : nullptr;
  if (!item) return {};
  RAPPORT_TRY(auto insert, db_.prepare("INSERT OR IGNORE INTO reward_costs(event_id, member_id, "
                                       "store_id, reward, reward_kind, cost_cents, occurred_at) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  return insert.bind(1, e.id)
      .bind_optional(2, member)
      .bind(3, e.store_id)
      .bind(4, reward)
      .bind(5, rewards::to_string(item->kind))
      .bind(6, item->cost_cents)
      .bind(7, e.occurred_at)
      .run();
}

Result<void> EventRecorder::block_card(const std::string& token, std::int64_t member_id) {
  RAPPORT_TRY(const std::int64_t sequence, change_sequence());
  RAPPORT_TRY(auto block, db_.prepare("UPDATE cards SET status = 'blocked' WHERE token = ?1"));
  RAPPORT_TRY_VOID(block.bind(1, token).run());
  return mark_changed(db_, member_id, sequence);
}

Result<void> EventRecorder::purchases_changed(std::int64_t member_id) {
  // The member is marked changed whether or not the usual order moved (their recent
  // purchases did): one member-row write per purchase, not two.
  RAPPORT_TRY_VOID(usual_orders_.update(member_id));
  RAPPORT_TRY(const std::int64_t sequence, change_sequence());
  return mark_changed(db_, member_id, sequence);
}

Result<void> EventRecorder::purchases_changed_of(const std::string& purchase_id) {
  RAPPORT_TRY(auto find, db_.prepare("SELECT member_id FROM purchases WHERE event_id = ?1 AND "
                                     "member_id IS NOT NULL"));
  find.bind(1, purchase_id);
  RAPPORT_TRY(const bool row, find.step());
  if (!row) return {};  // not arrived yet (applied with it), or nobody's
  const std::int64_t member_id = find.column_int64(0);
  find.reset();
  return purchases_changed(member_id);
}

Result<std::int64_t> EventRecorder::change_sequence() {
  if (!sequence_) {
    RAPPORT_TRY(sequence_, next_change_sequence(db_));
  }
  return *sequence_;
}

}  // namespace rapport::server::sqlite
