// server/storage/pg_event_recorder.cpp
//
// Exactly-once rests on events.id being the primary key and ON CONFLICT DO NOTHING: an
// effect is applied only to the rows the INSERT returned (the new ones), in the transaction
// that stores them. A second server inserting the same id waits for the first one's
// transaction and then skips the row, so a batch retried against another instance changes
// nothing either.

#include "server/storage/pg_event_recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "server/storage/pg_errc.h"
#include "server/storage/pg_members.h"
#include "server/storage/pg_value.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"

namespace rapport::server::pg {
namespace {

using domain::EventKind;

// Kinds whose effect changes who holds a card: each is a run of its own.
bool changes_holder(EventKind kind) {
  return kind == EventKind::kEnrollment || kind == EventKind::kCardLinked ||
         kind == EventKind::kCardBlocked;
}

// Tries of a batch that met a deadlock with another instance: each starts afresh.
constexpr int kDeadlockTries = 4;

// Personal data goes to the members and notes tables only (erasure clears them there).
std::string stored_payload(const domain::Event& e) {
  if (e.kind == EventKind::kEnrollment) {
    if (const auto enrollment = protocol::decode_enrollment(e.payload); enrollment) {
      return protocol::without_personal_data(*enrollment);
    }
  } else if (e.kind == EventKind::kNote) {
    if (const auto note = protocol::decode_note(e.payload); note) {
      return protocol::without_personal_data(*note);
    }
  }
  return e.payload;
}

}  // namespace

Result<std::size_t> EventRecorder::record(std::span<const domain::Event> events) {
  for (int attempt = 1;; ++attempt) {
    auto stored = record_once(events);
    if (stored || stored.error() != PgErrc::kSerialization || attempt == kDeadlockTries) {
      return stored;
    }
    // Rolled back whole: nothing of it stays, so trying again is trying for the first time.
    spdlog::warn("batch of {} events met a deadlock with another writer (try {} of {}); again",
                 events.size(), attempt, kDeadlockTries);
  }
}

Result<std::size_t> EventRecorder::record_once(std::span<const domain::Event> events) {
  // An id twice in one batch is stored once, as if it had come in a second batch.
  std::vector<domain::Event> unique;
  unique.reserve(events.size());
  {
    std::unordered_set<std::string_view> seen;
    for (const auto& e : events) {
      if (seen.insert(e.id).second) unique.push_back(e);
    }
  }
  RAPPORT_TRY(auto tx, Transaction::begin(db_));
  // Held until commit, shared with every other batch: the value refresh takes it alone for
  // an instant to learn which sequence numbers are settled (pg_value.h).
  RAPPORT_TRY_VOID(
      db_.exec("SELECT pg_advisory_xact_lock_shared($1::bigint)", {param(kEventOrderLock)}));
  const std::string received_at = now_iso8601();
  std::size_t stored = 0;
  const std::span<const domain::Event> all(unique);
  for (std::size_t begin = 0; begin < all.size();) {
    std::size_t end = begin + 1;
    if (!changes_holder(all[begin].kind)) {
      while (end < all.size() && !changes_holder(all[end].kind)) ++end;
    }
    RAPPORT_TRY(const auto inserted, insert_run(all.subspan(begin, end - begin), received_at));
    stored += inserted.size();
    RAPPORT_TRY_VOID(apply_run(inserted, received_at));
    begin = end;
  }
  RAPPORT_TRY_VOID(tx.commit());
  return stored;
}

Result<std::vector<EventRecorder::Stored>> EventRecorder::insert_run(
    std::span<const domain::Event> run, const std::string& received_at) {
  std::vector<Param> ids, kinds, terminals, stores, tokens, times, payloads;
  for (const auto& e : run) {
    ids.push_back(e.id);
    kinds.push_back(std::string(domain::to_string(e.kind)));
    terminals.push_back(e.terminal_id);
    stores.push_back(e.store_id);
    tokens.push_back(e.card_token);
    times.push_back(e.occurred_at);
    payloads.push_back(stored_payload(e));
  }
  // The member comes from the server's own card table, not from the terminal's claim.
  RAPPORT_TRY(
      const auto rows,
      db_.exec("INSERT INTO events(id, kind, terminal_id, store_id, card_token, "
               "member_id, occurred_at, received_at, payload) "
               "SELECT b.id, b.kind, b.terminal_id, b.store_id, b.card_token, "
               "c.member_id, b.occurred_at, $8::text, b.payload "
               "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
               "$6::text[], $7::text[]) WITH ORDINALITY "
               "AS b(id, kind, terminal_id, store_id, card_token, occurred_at, payload, "
               "ord) LEFT JOIN cards c ON c.token = b.card_token ORDER BY b.ord "
               "ON CONFLICT (id) DO NOTHING RETURNING id, member_id",
               {text_array(ids), text_array(kinds), text_array(terminals), text_array(stores),
                text_array(tokens), text_array(times), text_array(payloads), received_at}));
  std::unordered_map<std::string, std::optional<std::int64_t>> fresh;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    fresh.emplace(rows.text(r, 0), rows.optional_int64(r, 1));
  }
  std::vector<Stored> stored;
  for (const auto& e : run) {  // in the batch's order
    if (const auto it = fresh.find(e.id); it != fresh.end()) stored.push_back({&e, it->second});
  }
  return stored;
}

Result<void> EventRecorder::apply_run(const std::vector<Stored>& stored,
                                      const std::string& received_at) {
  // The ledger locks and reads first: what the run's refunds find, as it was before them.
  std::vector<LedgerEvent> ledger_events;
  std::vector<std::string> run_ids;
  for (const auto& s : stored) {
    run_ids.push_back(s.event->id);
    if (changes_holder(s.event->kind) || !ledger_.concerns(s.event->kind)) continue;
    if (s.event->kind == EventKind::kVisit && !s.member) continue;  // counted on attach
    ledger_events.push_back({s.event, s.member});
  }
  PointsLedger::RunPtr points;
  if (!ledger_events.empty()) {
    RAPPORT_TRY(points, ledger_.prepare(std::move(ledger_events), run_ids));
  }
  std::vector<Stored> visits;
  std::vector<Stored> notes;
  for (const auto& s : stored) {
    switch (s.event->kind) {
      case EventKind::kVisit:
        // Without a member: counted when the card's member becomes known (attach).
        if (s.member) visits.push_back(s);
        break;
      case EventKind::kNote:
        notes.push_back(s);
        break;
      case EventKind::kEnrollment:
      case EventKind::kCardLinked:
      case EventKind::kCardBlocked:
        RAPPORT_TRY_VOID(apply_holder_change(s));
        break;
      default:
        break;  // referrals are kept for the value, rewards and reports that read them
    }
  }
  RAPPORT_TRY_VOID(check_velocity(visits));
  RAPPORT_TRY_VOID(count_visits(visits, received_at));
  RAPPORT_TRY_VOID(keep_notes(notes));
  // A purchase, refund or void marks its member changed (once): terminals pull the member
  // again with their recent purchases, so any till can refund them.
  RAPPORT_TRY(const auto bought, apply_purchases(db_, stored));
  RAPPORT_TRY_VOID(mark_changed(db_, bought));
  if (points) return ledger_.apply(*points);
  return {};
}

Result<void> EventRecorder::card_attached(const domain::Event& e, std::int64_t member_id,
                                          const std::vector<domain::Event>& sales) {
  std::vector<LedgerEvent> events;
  if (e.kind == EventKind::kEnrollment && ledger_.concerns(EventKind::kEnrollment)) {
    events.push_back({&e, member_id});  // the sign-up bonus
  }
  for (const auto& sale : sales) events.push_back({&sale, member_id, true});
  if (events.empty()) return {};
  RAPPORT_TRY(auto points, ledger_.prepare(std::move(events), {}));
  return points ? ledger_.apply(*points) : Result<void>{};
}

Result<void> EventRecorder::count_visits(const std::vector<Stored>& visits,
                                         const std::string& received_at) {
  if (visits.empty()) return {};
  struct Count {
    std::int64_t n = 0;
    std::string last;  // terminal clock
    std::string seen;  // server clock, or the terminal's when earlier
  };
  std::map<std::int64_t, Count> members;
  std::map<std::pair<std::int64_t, std::string>, std::string> at_store;
  for (const auto& v : visits) {
    const auto& e = *v.event;
    // A terminal clock running ahead can never make a member look more recent than the
    // server saw them (as sqlite_event_recorder.cpp).
    const std::string seen = std::min(e.occurred_at, received_at);
    auto& c = members[*v.member];
    ++c.n;
    c.last = std::max(c.last, e.occurred_at);
    c.seen = std::max(c.seen, seen);
    auto& s = at_store[{*v.member, e.store_id}];
    s = std::max(s, seen);
  }
  std::vector<Param> ids, counts, lasts, seens;
  for (const auto& [id, c] : members) {
    ids.push_back(std::to_string(id));
    counts.push_back(std::to_string(c.n));
    lasts.push_back(c.last);
    seens.push_back(c.seen);
  }
  RAPPORT_TRY_VOID(db_.exec(
      "UPDATE members m SET visit_count = m.visit_count + u.n, "
      "last_visit = CASE WHEN m.last_visit IS NULL OR m.last_visit < u.last THEN u.last "
      "ELSE m.last_visit END, last_seen_at = greatest(coalesce(m.last_seen_at, ''), u.seen), "
      "changed_seq = nextval('member_change_seq') "
      "FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS u(id, n, last, seen) "
      "WHERE m.id = u.id AND m.id = ANY($1::bigint[])",
      {text_array(ids), text_array(counts), text_array(lasts), text_array(seens)}));
  std::vector<Param> visit_members, visit_stores, visit_seens;
  for (const auto& [key, seen] : at_store) {
    visit_members.push_back(std::to_string(key.first));
    visit_stores.push_back(key.second);
    visit_seens.push_back(seen);
  }
  RAPPORT_TRY_VOID(
      db_.exec("INSERT INTO member_store_visits(member_id, store_id, last_seen_at) "
               "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) "
               "ON CONFLICT (member_id, store_id) DO UPDATE SET last_seen_at = "
               "greatest(member_store_visits.last_seen_at, excluded.last_seen_at)",
               {text_array(visit_members), text_array(visit_stores), text_array(visit_seens)}));
  return {};
}

Result<void> EventRecorder::check_velocity(const std::vector<Stored>& visits) {
  if (visits.empty()) return {};
  struct Seen {
    std::optional<std::string> store;
    std::optional<std::string> at;
    bool moved = false;
  };
  std::map<std::string, Seen> cards;
  std::vector<Param> tokens;
  for (const auto& v : visits) {
    if (cards.emplace(v.event->card_token, Seen{}).second) tokens.push_back(v.event->card_token);
  }
  RAPPORT_TRY(const auto rows, db_.exec("SELECT token, last_seen_store, last_seen_at FROM cards "
                                        "WHERE token = ANY($1::text[])",
                                        {text_array(tokens)}));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto& seen = cards[rows.text(r, 0)];
    seen.store = rows.optional_text(r, 1);
    seen.at = rows.optional_text(r, 2);
  }
  std::vector<Param> a_token, a_member, a_first_store, a_first_at, a_second_store, a_second_at,
      a_event;
  for (const auto& v : visits) {  // in order: each read against the card's previous one
    const auto& e = *v.event;
    auto& seen = cards[e.card_token];
    if (velocity_window_.count() > 0 && seen.store && seen.at && *seen.store != e.store_id) {
      const auto before = from_iso8601(*seen.at);
      const auto now = from_iso8601(e.occurred_at);
      if (before && now) {
        const auto gap = *now > *before ? *now - *before : *before - *now;
        if (gap < velocity_window_) {
          spdlog::warn("card of member {}: read at {} and {} {} min apart; flagged for review",
                       *v.member, *seen.store, e.store_id,
                       std::chrono::duration_cast<std::chrono::minutes>(gap).count());
          a_token.push_back(e.card_token);
          a_member.push_back(std::to_string(*v.member));
          a_first_store.push_back(*seen.store);
          a_first_at.push_back(*seen.at);
          a_second_store.push_back(e.store_id);
          a_second_at.push_back(e.occurred_at);
          a_event.push_back(e.id);
        }
      }
    }
    if (!seen.at || *seen.at <= e.occurred_at) {
      seen.store = e.store_id;
      seen.at = e.occurred_at;
      seen.moved = true;
    }
  }
  if (!a_token.empty()) {
    RAPPORT_TRY_VOID(db_.exec(
        "INSERT INTO card_alerts(card_token, member_id, first_store, first_at, second_store, "
        "second_at, event_id, flagged_at) SELECT a.*, $8::text FROM unnest($1::text[], "
        "$2::bigint[], "
        "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS a",
        {text_array(a_token), text_array(a_member), text_array(a_first_store),
         text_array(a_first_at), text_array(a_second_store), text_array(a_second_at),
         text_array(a_event), now_iso8601()}));
  }
  std::vector<Param> m_token, m_store, m_at;
  for (const auto& [token, seen] : cards) {
    if (!seen.moved) continue;
    m_token.push_back(token);
    m_store.push_back(seen.store);
    m_at.push_back(seen.at);
  }
  if (m_token.empty()) return {};
  RAPPORT_TRY_VOID(
      db_.exec("UPDATE cards c SET last_seen_store = u.store, last_seen_at = u.at "
               "FROM unnest($1::text[], $2::text[], $3::text[]) AS u(token, store, "
               "at) WHERE c.token = u.token",
               {text_array(m_token), text_array(m_store), text_array(m_at)}));
  return {};
}

Result<void> EventRecorder::keep_notes(const std::vector<Stored>& notes) {
  if (notes.empty()) return {};
  std::vector<Param> events, members, tokens, stores, topics, texts, times;
  std::vector<std::int64_t> changed;
  for (const auto& n : notes) {
    const auto& e = *n.event;
    const auto note = protocol::decode_note(e.payload);
    if (!note) return note.error();  // checked on decode: cannot happen
    events.push_back(e.id);
    members.push_back(param(n.member));
    tokens.push_back(e.card_token);
    stores.push_back(e.store_id);
    topics.push_back(std::string(protocol::to_string(note->topic)));
    texts.push_back(note->text);
    times.push_back(e.occurred_at);
    // Terminals keep the member's latest notes: a note taken at one counter reaches the
    // others at their next pull. Without a member: sent once the card is enrolled.
    if (n.member) changed.push_back(*n.member);
  }
  RAPPORT_TRY_VOID(
      db_.exec("INSERT INTO notes(event_id, member_id, card_token, store_id, topic, "
               "text, noted_at) SELECT * FROM unnest($1::text[], $2::bigint[], "
               "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[])",
               {text_array(events), text_array(members), text_array(tokens), text_array(stores),
                text_array(topics), text_array(texts), text_array(times)}));
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  return mark_changed(db_, changed);
}

Result<void> EventRecorder::apply_holder_change(const Stored& stored) {
  const auto& e = *stored.event;
  switch (e.kind) {
    case EventKind::kEnrollment:
      if (stored.member) {
        spdlog::warn(
            "event {}: enrollment of a card that member {} already holds; kept, "
            "no new member",
            e.id, *stored.member);
        return {};
      }
      return enroll(e);
    case EventKind::kCardLinked:
      if (stored.member) return link_card(e, *stored.member);
      spdlog::warn("event {}: card_linked from a card no member holds; kept, nothing linked", e.id);
      return {};
    case EventKind::kCardBlocked:
      if (stored.member) return block_card(e.card_token, *stored.member);
      return {};
    default:
      return {};
  }
}

Result<void> EventRecorder::enroll(const domain::Event& e) {
  const auto enrollment = protocol::decode_enrollment(e.payload);
  if (!enrollment) return enrollment.error();  // checked on decode: cannot happen
  const std::string now = now_iso8601();
  RAPPORT_TRY(
      const auto member,
      db_.exec(
          "INSERT INTO members(name, home_store, birth_date, created_at, "
          "changed_seq, channel, referred_by, phone, email, marketing_consent, "
          "personalisation_consent, enrolled_on) VALUES ($1, $2, $3, $4, "
          "nextval('member_change_seq'), $5, (SELECT member_id FROM cards WHERE "
          "token = $6), $7, $8, $9::boolean, $10::boolean, $11) RETURNING id",
          {enrollment->name, e.store_id, enrollment->birth_date, now, enrollment->channel,
           enrollment->referred_by_token, enrollment->phone, enrollment->email,
           // Marketing only when asked and given; personalisation unless refused.
           flag(enrollment->marketing_consent.value_or(false)),
           flag(enrollment->personalisation_consent.value_or(true)), e.occurred_at.substr(0, 10)}));
  const std::int64_t member_id = member.int64(0, 0);
  RAPPORT_TRY_VOID(
      db_.exec("INSERT INTO cards(token, member_id, last4, issued_at) "
               "VALUES ($1, $2, $3, $4)",
               {e.card_token, param(member_id), enrollment->last4, now}));
  // The visit recorded when the unknown card was first read, and this event itself.
  RAPPORT_TRY(const auto sales, ledger_.unattached_purchases(e.card_token));
  RAPPORT_TRY_VOID(attach_card_history(db_, e.card_token, member_id));
  return card_attached(e, member_id, sales);
}

Result<void> EventRecorder::link_card(const domain::Event& e, std::int64_t member_id) {
  const auto linked = protocol::decode_card_linked(e.payload);
  if (!linked) return linked.error();
  RAPPORT_TRY(const auto card,
              db_.exec("INSERT INTO cards(token, member_id, last4, issued_at) "
                       "VALUES ($1, $2, $3, $4) ON CONFLICT (token) DO NOTHING",
                       {linked->new_card_token, param(member_id), linked->last4, now_iso8601()}));
  if (card.affected() == 0) {
    spdlog::warn("event {}: the linked card is already someone's; nothing linked", e.id);
  } else {
    RAPPORT_TRY(const auto sales, ledger_.unattached_purchases(linked->new_card_token));
    RAPPORT_TRY_VOID(attach_card_history(db_, linked->new_card_token, member_id));
    RAPPORT_TRY_VOID(card_attached(e, member_id, sales));
  }
  if (linked->replaces_card) return block_card(e.card_token, member_id);
  const std::int64_t changed[] = {member_id};
  return mark_changed(db_, changed);
}

Result<void> EventRecorder::block_card(const std::string& token, std::int64_t member_id) {
  RAPPORT_TRY_VOID(db_.exec("UPDATE cards SET status = 'blocked' WHERE token = $1", {token}));
  const std::int64_t changed[] = {member_id};
  return mark_changed(db_, changed);
}

}  // namespace rapport::server::pg
