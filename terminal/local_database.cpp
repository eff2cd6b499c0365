// terminal/local_database.cpp
#include "terminal/local_database.h"

#include <array>
#include <stdexcept>
#include <string>

namespace rapport::terminal {
namespace {

constexpr std::array<storage::Migration, 13> kMigrations{{
    {1, R"sql(
CREATE TABLE members (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  home_store  TEXT NOT NULL,
  birth_date  TEXT,
  visit_count INTEGER NOT NULL,
  last_visit  TEXT
);
CREATE TABLE cards (
  token     TEXT PRIMARY KEY,
  member_id INTEGER NOT NULL,
  last4     TEXT NOT NULL,
  status    TEXT NOT NULL
);
CREATE TABLE outbox (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,
  card_token  TEXT NOT NULL,
  member_id   INTEGER,
  occurred_at TEXT NOT NULL
);
CREATE INDEX outbox_member ON outbox(member_id);
)sql"},
    // Events the server refused on their own (docs/protocol.md, "Refused events"): kept as
    // they were in the outbox, with the server's answer, for someone to look at.
    {2, R"sql(
CREATE TABLE rejected_events (
  id          TEXT NOT NULL,
  kind        TEXT NOT NULL,
  card_token  TEXT NOT NULL,
  member_id   INTEGER,
  occurred_at TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  reason      TEXT NOT NULL,
  rejected_at TEXT NOT NULL
);
)sql"},
    // The sync issue: event payloads, and where the incremental pull of members stands; the
    // value issue: each member's value tier, at-risk flag and rhythm, for staff.
    {3, R"sql(
ALTER TABLE outbox ADD COLUMN payload TEXT NOT NULL DEFAULT '{}';
ALTER TABLE rejected_events ADD COLUMN payload TEXT NOT NULL DEFAULT '{}';
CREATE TABLE sync_state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE INDEX cards_member ON cards(member_id);
ALTER TABLE members ADD COLUMN value_tier TEXT;
ALTER TABLE members ADD COLUMN at_risk INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN rhythm_days REAL;
)sql"},
    // The rewards issue: each member's points balance and reward tier as the server last
    // sent them (docs/rewards.md), for the counter and offline redemption.
    {4, R"sql(
ALTER TABLE members ADD COLUMN points_balance INTEGER;
ALTER TABLE members ADD COLUMN reward_tier TEXT;
)sql"},
    // The cashier's screen (docs/cashier-screen.md): staff who sign in with a PIN (scrypt
    // hash only), and what each did at this terminal (event payloads carry no staff).
    {5, R"sql(
CREATE TABLE staff (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  pin_hash   TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE staff_actions (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  staff_id INTEGER REFERENCES staff(id),
  action   TEXT NOT NULL,
  event_id TEXT,
  at       TEXT NOT NULL
);
)sql"},
    // The terminal side of rewards (docs/offers.md, "Offers at the counter"): each member's
    // current offers as the server sent them, and the redemptions and goodwill gestures made
    // at this counter, for the offline limit per member and the gesture limit per cashier.
    {6, R"sql(
CREATE TABLE member_offers (
  member_id INTEGER NOT NULL,
  position  INTEGER NOT NULL,
  offer_id  TEXT NOT NULL,
  name      TEXT NOT NULL,
  kind      TEXT NOT NULL,
  points    INTEGER NOT NULL,
  PRIMARY KEY (member_id, offer_id)
);
CREATE TABLE counter_rewards (
  event_id  TEXT PRIMARY KEY,
  kind      TEXT NOT NULL CHECK (kind IN ('redemption', 'gesture')),
  member_id INTEGER NOT NULL,
  staff     TEXT,
  day       TEXT NOT NULL,
  points    INTEGER NOT NULL,
  offline   INTEGER NOT NULL
);
CREATE INDEX counter_rewards_member ON counter_rewards(member_id, day);
CREATE INDEX counter_rewards_staff ON counter_rewards(staff, day);
)sql"},
    // The POS integration API (docs/pos-api.md): the first answer to each mutating request by
    // its Idempotency-Key, written in the same transaction as the request's outbox event.
    {7, R"sql(
CREATE TABLE pos_requests (
  idempotency_key TEXT PRIMARY KEY,
  fingerprint     TEXT NOT NULL,
  status          INTEGER NOT NULL,
  response        TEXT NOT NULL,
  event_id        TEXT,
  created_at      TEXT NOT NULL
);
)sql"},
    // The cashier's screen, notes (docs/cashier-screen.md): the notes written at this
    // terminal, kept so the next scan can show them and prompt with the last one (the server
    // does not send notes to terminals). By member, or by card for a member enrolled here
    // whose id the server has not sent yet.
    {8, R"sql(
CREATE TABLE local_notes (
  event_id   TEXT PRIMARY KEY,
  member_id  INTEGER,
  card_token TEXT NOT NULL,
  topic      TEXT NOT NULL,
  text       TEXT NOT NULL,
  noted_at   TEXT NOT NULL
);
CREATE INDEX local_notes_member ON local_notes(member_id, noted_at);
CREATE INDEX local_notes_card ON local_notes(card_token, noted_at);
)sql"},
    // The cashier's screen, sales (docs/cashier-screen.md): the purchases recorded from the
    // screen's sale form, kept so one can be picked and refunded (the outbox forgets events
    // once the server has them), with what has been refunded of each so far.
    {9, R"sql(
CREATE TABLE local_sales (
  event_id       TEXT PRIMARY KEY,
  member_id      INTEGER NOT NULL,
  occurred_at    TEXT NOT NULL,
  summary        TEXT NOT NULL,
  total_cents    INTEGER NOT NULL,
  refunded_cents INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX local_sales_member ON local_sales(member_id, occurred_at);
)sql"},
    // Notes and the usual order at every counter (docs/offers.md): the member's latest notes
    // as the server sent them (taken at any terminal of the chain), replaced with the member.
    {10, R"sql(
CREATE TABLE member_notes (
  member_id INTEGER NOT NULL,
  event_id  TEXT NOT NULL,
  topic     TEXT NOT NULL,
  text      TEXT NOT NULL,
  noted_at  TEXT NOT NULL,
  store_id  TEXT NOT NULL,
  PRIMARY KEY (member_id, event_id)
) WITHOUT ROWID;
ALTER TABLE members ADD COLUMN usual_order TEXT;
)sql"},
    // Find by phone (docs/cards.md, "Phone digests"): the keyed digest of each member's
    // normalised phone as the server sends it, never the number. Goes with the member row.
    {11, R"sql(
ALTER TABLE members ADD COLUMN phone_digest TEXT;
CREATE INDEX members_phone_digest ON members(phone_digest) WHERE phone_digest IS NOT NULL;
)sql"},
    // Refund at any till (docs/cashier-screen.md, "Refunds"): the member's recent purchases at
    // any terminal of the chain as the server sent them (docs/protocol.md, "Recent
    // purchases"), replaced with the member, with what has been refunded of each (the
    // server's count, or more when refunded here since).
    {12, R"sql(
CREATE TABLE member_purchases (
  member_id      INTEGER NOT NULL,
  event_id       TEXT NOT NULL,
  occurred_at    TEXT NOT NULL,
  store_id       TEXT NOT NULL,
  summary        TEXT NOT NULL,
  total_cents    INTEGER NOT NULL,
  refunded_cents INTEGER NOT NULL,
  PRIMARY KEY (member_id, event_id)
) WITHOUT ROWID;
CREATE INDEX member_purchases_event ON member_purchases(event_id);
)sql"},
    // The POS API's operator (docs/pos-api.md, "Who did it"): the POS's own id of the person
    // at its till, kept with the audit line of what the POS recorded (staff_id is NULL then:
    // the POS signs its operators in, not this terminal).
    {13, R"sql(
ALTER TABLE staff_actions ADD COLUMN pos_staff TEXT;
)sql"},
}};

}  // namespace

Result<storage::Database> open_local_database(const std::filesystem::path& file,
                                              const storage::OpenOptions& options) {
  return storage::Database::open(file, kMigrations, options);
}

storage::Database open_local_database_or_throw(const std::filesystem::path& file,
                                               std::string_view who) {
  auto db = open_local_database(file);
  if (!db) {
    throw std::runtime_error(std::string(who) + ": cannot open " + file.string() + ": " +
                             db.error().message());
  }
  return std::move(*db);
}

}  // namespace rapport::terminal
