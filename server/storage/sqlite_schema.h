// server/storage/sqlite_schema.h
//
// The server's SQLite schema as numbered migrations (docs/schema.md explains each table).
// Append new migrations; never edit one that has shipped.

#pragma once

#include <array>

#include "shared/storage/database.h"

namespace rapport::server {

inline constexpr std::array<storage::Migration, 27> kSqliteMigrations{{
    {1, R"sql(
CREATE TABLE stores (
  id   TEXT PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE members (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  home_store TEXT NOT NULL REFERENCES stores(id),
  birth_date TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX members_home_store ON members(home_store);
CREATE TABLE cards (
  token     TEXT PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members(id),
  last4     TEXT NOT NULL,
  status    TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
  issued_at TEXT NOT NULL
);
CREATE INDEX cards_member ON cards(member_id);
CREATE TABLE terminals (
  id                 TEXT PRIMARY KEY,
  store_id           TEXT NOT NULL REFERENCES stores(id),
  certificate_serial TEXT NOT NULL,
  issued_at          TEXT NOT NULL,
  revoked_at         TEXT
);
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,
  terminal_id TEXT NOT NULL,
  store_id    TEXT NOT NULL,
  card_token  TEXT NOT NULL,
  member_id   INTEGER REFERENCES members(id),
  occurred_at TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX events_member ON events(member_id, kind);
)sql"},
    // The sync issue: event payloads; members keep their visit count and a change sequence
    // so terminals pull only what changed (docs/protocol.md, "GET /sync/v1/changes"); where
    // each member was last seen, to choose the members a store needs.
    {2, R"sql(
ALTER TABLE events ADD COLUMN payload TEXT NOT NULL DEFAULT '{}';
ALTER TABLE members ADD COLUMN visit_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN last_visit TEXT;
ALTER TABLE members ADD COLUMN last_seen_at TEXT;
ALTER TABLE members ADD COLUMN changed_seq INTEGER NOT NULL DEFAULT 1;
CREATE TABLE member_store_visits (
  member_id    INTEGER NOT NULL REFERENCES members(id),
  store_id     TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  PRIMARY KEY (member_id, store_id)
) WITHOUT ROWID;
UPDATE members SET
  visit_count  = (SELECT count(*) FROM events e WHERE e.member_id = members.id
                  AND e.kind = 'visit'),
  last_visit   = (SELECT max(occurred_at) FROM events e WHERE e.member_id = members.id
                  AND e.kind = 'visit'),
  last_seen_at = (SELECT max(min(occurred_at, received_at)) FROM events e
                  WHERE e.member_id = members.id
                  AND e.kind = 'visit');
INSERT INTO member_store_visits(member_id, store_id, last_seen_at)
  SELECT member_id, store_id, max(min(occurred_at, received_at)) FROM events
  WHERE member_id IS NOT NULL AND kind = 'visit' GROUP BY member_id, store_id;
CREATE INDEX members_changed ON members(changed_seq, id);
CREATE INDEX members_last_seen ON members(last_seen_at);
CREATE INDEX events_unresolved_card ON events(card_token) WHERE member_id IS NULL;
-- What customers told us, in their words: personal data, kept apart from the immutable
-- events (which keep only the topic) so that erasing a member can clear it.
CREATE TABLE notes (
  event_id   TEXT PRIMARY KEY,
  member_id  INTEGER REFERENCES members(id),
  card_token TEXT NOT NULL,
  store_id   TEXT NOT NULL,
  topic      TEXT NOT NULL,
  text       TEXT NOT NULL,
  noted_at   TEXT NOT NULL
);
CREATE INDEX notes_member ON notes(member_id);
)sql"},
    // The value issue: purchases kept per member as they arrive, so a value refresh reads one
    // row per member instead of every purchase (docs/value-engine.md).
    {3, R"sql(
CREATE TABLE purchases (
  event_id       TEXT PRIMARY KEY,
  member_id      INTEGER REFERENCES members(id),
  card_token     TEXT NOT NULL,
  store_id       TEXT NOT NULL,
  day            TEXT NOT NULL,
  amount_cents   INTEGER NOT NULL,
  margin_cents   INTEGER,
  refunded_cents INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX purchases_member_day ON purchases(member_id, day);
CREATE INDEX purchases_unresolved_card ON purchases(card_token) WHERE member_id IS NULL;
-- Refunds and voids by the purchase they take back: one may arrive before its purchase.
CREATE INDEX events_taken_back ON events(json_extract(payload, '$.purchase_id'))
  WHERE kind IN ('refund', 'void');
CREATE TABLE member_categories (
  member_id   INTEGER NOT NULL REFERENCES members(id),
  category    TEXT NOT NULL,
  spend_cents INTEGER NOT NULL,
  lines       INTEGER NOT NULL,
  PRIMARY KEY (member_id, category)
) WITHOUT ROWID;
ALTER TABLE members ADD COLUMN purchase_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN first_purchase_day TEXT;
ALTER TABLE members ADD COLUMN last_purchase_day TEXT;
ALTER TABLE members ADD COLUMN revenue_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN margin_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN channel TEXT;
ALTER TABLE members ADD COLUMN referred_by INTEGER REFERENCES members(id);
-- The latest value snapshot's staff-facing summary, sent to terminals with the member.
ALTER TABLE members ADD COLUMN value_tier TEXT;
ALTER TABLE members ADD COLUMN at_risk INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN rhythm_days REAL;
CREATE TABLE value_fits (
  id             INTEGER PRIMARY KEY,
  computed_at    TEXT NOT NULL,
  as_of          TEXT NOT NULL,
  model          TEXT NOT NULL,
  params         TEXT NOT NULL,
  log_likelihood REAL NOT NULL,
  customers      INTEGER NOT NULL,
  spend_params   TEXT
);
CREATE TABLE value_snapshots (
  member_id              INTEGER PRIMARY KEY REFERENCES members(id),
  fit_id                 INTEGER REFERENCES value_fits(id),
  computed_at            TEXT NOT NULL,
  historic_value_cents   INTEGER NOT NULL,
  historic_revenue_cents INTEGER NOT NULL,
  expected_visits        REAL NOT NULL,
  expected_spend_cents   INTEGER NOT NULL,
  p_alive                REAL NOT NULL,
  lifetime_value_cents   INTEGER NOT NULL,
  referral_value_cents   INTEGER NOT NULL,
  advocacy_value_cents   INTEGER NOT NULL,
  total_value_cents      INTEGER NOT NULL,
  tier                   TEXT NOT NULL,
  rfm                    TEXT NOT NULL,
  segment                TEXT NOT NULL,
  rhythm_days            REAL,
  at_risk                INTEGER NOT NULL
);
-- Every change of a member's tier or segment, so head office sees migrations over time.
CREATE TABLE tier_history (
  member_id  INTEGER NOT NULL REFERENCES members(id),
  changed_at TEXT NOT NULL,
  tier       TEXT NOT NULL,
  segment    TEXT NOT NULL
);
CREATE INDEX tier_history_member ON tier_history(member_id, changed_at);
-- Velocity check (docs/cards.md): where and when each card was last read, and the reads that
-- came too close together at two stores, kept for someone to review.
ALTER TABLE cards ADD COLUMN last_seen_store TEXT;
ALTER TABLE cards ADD COLUMN last_seen_at TEXT;
CREATE TABLE card_alerts (
  id           INTEGER PRIMARY KEY,
  card_token   TEXT NOT NULL,
  member_id    INTEGER REFERENCES members(id),
  first_store  TEXT NOT NULL,
  first_at     TEXT NOT NULL,
  second_store TEXT NOT NULL,
  second_at    TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  flagged_at   TEXT NOT NULL
);
)sql"},
    // Terminal enrollment codes (server/storage/enrollment_store.cpp): only the secret's
    // SHA-256 is kept; a code is spent when used_at is set. One pending code per terminal id.
    {4, R"sql(
CREATE TABLE enrollment_codes (
  terminal_id TEXT PRIMARY KEY,
  store_id    TEXT NOT NULL REFERENCES stores(id),
  secret_hash TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  used_at     TEXT
);
)sql"},
    // Member tokens signed for terminals to write to blank chips (POST
    // /sync/v1/member-tokens): who asked for which card and chip, signed with which key.
    {5, R"sql(
CREATE TABLE member_token_issues (
  id          INTEGER PRIMARY KEY,
  card_token  TEXT NOT NULL,
  member_id   INTEGER NOT NULL REFERENCES members(id),
  chip_uid    TEXT NOT NULL,
  key_id      INTEGER NOT NULL,
  terminal_id TEXT NOT NULL,
  store_id    TEXT NOT NULL,
  issued_at   TEXT NOT NULL
);
CREATE INDEX member_token_issues_card ON member_token_issues(card_token);
)sql"},
    // Value engine, issue 7 (docs/value-engine.md): each refresh is logged with the last
    // event it saw, so an incremental refresh values only the members changed since, on the
    // scales (tier floors, quintile edges) the last full refresh kept with its fit; snapshots
    // say which day their forecast starts and the member's top categories; forecasts are
    // kept per member (a cohort every 4 weeks) and later compared with what members did.
    {6, R"sql(
ALTER TABLE value_fits ADD COLUMN scales TEXT;
CREATE TABLE value_refreshes (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
  fit_id      INTEGER REFERENCES value_fits(id),
  as_of       TEXT NOT NULL,
  computed_at TEXT NOT NULL,
  events_seq  INTEGER NOT NULL,
  members     INTEGER NOT NULL
);
CREATE INDEX members_referred_by ON members(referred_by) WHERE referred_by IS NOT NULL;
ALTER TABLE value_snapshots ADD COLUMN as_of TEXT;
ALTER TABLE value_snapshots ADD COLUMN top_categories TEXT;
CREATE TABLE value_forecasts (
  fit_id               INTEGER NOT NULL REFERENCES value_fits(id),
  member_id            INTEGER NOT NULL,
  frequency            REAL NOT NULL,
  recency              REAL NOT NULL,
  age                  REAL NOT NULL,
  expected_visits      REAL NOT NULL,
  expected_spend_cents INTEGER NOT NULL,
  PRIMARY KEY (fit_id, member_id)
) WITHOUT ROWID;
CREATE TABLE value_accuracy (
  fit_id               INTEGER NOT NULL REFERENCES value_fits(id),
  checked_at           TEXT NOT NULL,
  window_start         TEXT NOT NULL,
  window_end           TEXT NOT NULL,
  bin                  TEXT NOT NULL,
  members              INTEGER NOT NULL,
  expected_visits      REAL NOT NULL,
  actual_visits        INTEGER NOT NULL,
  expected_spend_cents INTEGER NOT NULL,
  actual_spend_cents   INTEGER NOT NULL
);
)sql"},
    // The rewards issue: the points ledger (docs/rewards.md). Double entry: every posting's
    // entries sum to zero; a member's balance is the sum of their entries; postings and
    // entries are never changed or deleted (corrections are new postings). `cause` makes each
    // effect once: "earn:<event id>", "reversal:<event id>:<purchase id>", ...
    {7, R"sql(
CREATE TABLE points_postings (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('earn', 'bonus', 'redemption', 'expiry',
                'transfer', 'reversal', 'give_back', 'adjustment')),
  cause       TEXT NOT NULL UNIQUE,
  event_id    TEXT,
  purchase_id TEXT,
  reason      TEXT,
  staff_user  TEXT,
  occurred_at TEXT NOT NULL,
  posted_at   TEXT NOT NULL,
  CHECK (kind <> 'adjustment' OR (reason IS NOT NULL AND staff_user IS NOT NULL))
);
CREATE INDEX points_postings_purchase ON points_postings(purchase_id, kind)
  WHERE purchase_id IS NOT NULL;
CREATE TABLE points_entries (
  posting_id INTEGER NOT NULL REFERENCES points_postings(id),
  account    TEXT NOT NULL CHECK (account IN ('member', 'chain:issued', 'chain:redeemed',
               'chain:expired', 'chain:adjusted')),
  member_id  INTEGER REFERENCES members(id),
  points     INTEGER NOT NULL,
  CHECK ((account = 'member') = (member_id IS NOT NULL))
);
CREATE INDEX points_entries_posting ON points_entries(posting_id);
CREATE INDEX points_entries_member ON points_entries(member_id, points)
  WHERE member_id IS NOT NULL;
CREATE TRIGGER points_postings_no_update BEFORE UPDATE ON points_postings
  BEGIN SELECT RAISE(ABORT, 'points postings are immutable'); END;
CREATE TRIGGER points_postings_no_delete BEFORE DELETE ON points_postings
  BEGIN SELECT RAISE(ABORT, 'points postings are immutable'); END;
CREATE TRIGGER points_entries_no_update BEFORE UPDATE ON points_entries
  BEGIN SELECT RAISE(ABORT, 'points entries are immutable'); END;
CREATE TRIGGER points_entries_no_delete BEFORE DELETE ON points_entries
  BEGIN SELECT RAISE(ABORT, 'points entries are immutable'); END;
-- Redemptions the server could not cover (an offline double spend across terminals, a card
-- nobody holds): recorded in full and kept here for someone to review.
CREATE TABLE points_reviews (
  id             INTEGER PRIMARY KEY,
  event_id       TEXT NOT NULL UNIQUE,
  member_id      INTEGER REFERENCES members(id),
  terminal_id    TEXT NOT NULL,
  points         INTEGER NOT NULL,
  balance_before INTEGER,
  problem        TEXT NOT NULL,
  flagged_at     TEXT NOT NULL
);
-- Each member's customer-facing reward tier (by name) and the day it is held until.
CREATE TABLE member_reward_tiers (
  member_id  INTEGER PRIMARY KEY REFERENCES members(id),
  tier       TEXT NOT NULL,
  held_until TEXT NOT NULL,
  changed_at TEXT NOT NULL
);
)sql"},
    // Staff access (docs/dashboard.md): dashboard users with a role and the stores they are
    // scoped to, passwords only as scrypt hashes with their parameters, and the audit log of
    // who looked at or changed what.
    {8, R"sql(
CREATE TABLE staff_users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL
                CHECK (role IN ('cashier', 'store-manager', 'head-office', 'administrator')),
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  disabled_at   TEXT
);
CREATE TABLE staff_user_stores (
  user_id  INTEGER NOT NULL REFERENCES staff_users(id),
  store_id TEXT NOT NULL REFERENCES stores(id),
  PRIMARY KEY (user_id, store_id)
) WITHOUT ROWID;
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  user_id   INTEGER REFERENCES staff_users(id),
  user_name TEXT NOT NULL,
  action    TEXT NOT NULL,
  object    TEXT NOT NULL,
  outcome   TEXT NOT NULL,
  remote    TEXT NOT NULL
);
CREATE INDEX audit_log_user ON audit_log(user_id, at);
-- The dashboard's regulars and visitors read members by home store and visits by store.
CREATE INDEX events_store_visits ON events(store_id, member_id) WHERE kind = 'visit';
)sql"},
    // Relationship owners and follow-ups (docs/dashboard.md): who on a store's staff looks
    // after a member, and the things that call for a person, open until someone closes them.
    // At most one open follow-up per member and reason (the partial unique index).
    {9, R"sql(
CREATE TABLE relationship_owners (
  member_id   INTEGER PRIMARY KEY REFERENCES members(id),
  owner_id    INTEGER NOT NULL REFERENCES staff_users(id),
  assigned_by INTEGER NOT NULL REFERENCES staff_users(id),
  assigned_at TEXT NOT NULL
);
CREATE INDEX relationship_owners_owner ON relationship_owners(owner_id);
CREATE TABLE follow_ups (
  id         INTEGER PRIMARY KEY,
  member_id  INTEGER NOT NULL REFERENCES members(id),
  reason     TEXT NOT NULL CHECK (reason IN ('valuable-slipping', 'owner-lapsed')),
  detail     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  due_at     TEXT NOT NULL,
  closed_at  TEXT,
  closed_by  INTEGER REFERENCES staff_users(id)
);
CREATE UNIQUE INDEX follow_ups_open ON follow_ups(member_id, reason) WHERE closed_at IS NULL;
)sql"},
    // Tailored offers (docs/offers.md): the member's consent to personalised offers (1 until
    // they opt out), and every offer shown, held out, accepted or declined, kept so head
    // office can see which offers work for whom and measure their uplift.
    {10, R"sql(
ALTER TABLE members ADD COLUMN personalisation_consent INTEGER NOT NULL DEFAULT 1;
CREATE TABLE offer_events (
  id        INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members(id),
  offer_id  TEXT NOT NULL,
  outcome   TEXT NOT NULL CHECK (outcome IN ('shown', 'held_out', 'accepted', 'declined')),
  at        TEXT NOT NULL,
  store_id  TEXT
);
CREATE INDEX offer_events_member ON offer_events(member_id, at);
CREATE INDEX offer_events_offer ON offer_events(offer_id, outcome);
)sql"},
    // The cashier screen's enrollment form (docs/cashier-screen.md): contact and the
    // marketing consent (0 until given). Personal data: here only, never in events.
    {11, R"sql(
ALTER TABLE members ADD COLUMN phone TEXT;
ALTER TABLE members ADD COLUMN email TEXT;
ALTER TABLE members ADD COLUMN marketing_consent INTEGER NOT NULL DEFAULT 0;
)sql"},
    // Merged memberships (docs/dashboard.md, "Merging two memberships"): the member whose
    // history, cards and points moved to another is kept, marked with the survivor and when.
    // Follow-ups gain the reason `complaint` (a complaint noted at the counter): SQLite cannot
    // change a CHECK, so the table is built again with the same rows.
    {12, R"sql(
ALTER TABLE members ADD COLUMN merged_into INTEGER REFERENCES members(id);
ALTER TABLE members ADD COLUMN merged_at TEXT;
CREATE TABLE follow_ups_12 (
  id         INTEGER PRIMARY KEY,
  member_id  INTEGER NOT NULL REFERENCES members(id),
  reason     TEXT NOT NULL
             CHECK (reason IN ('valuable-slipping', 'owner-lapsed', 'complaint')),
  detail     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  due_at     TEXT NOT NULL,
  closed_at  TEXT,
  closed_by  INTEGER REFERENCES staff_users(id)
);
INSERT INTO follow_ups_12 SELECT id, member_id, reason, detail, created_at, due_at, closed_at,
  closed_by FROM follow_ups;
DROP TABLE follow_ups;
ALTER TABLE follow_ups_12 RENAME TO follow_ups;
CREATE UNIQUE INDEX follow_ups_open ON follow_ups(member_id, reason) WHERE closed_at IS NULL;
CREATE INDEX notes_complaints ON notes(member_id, noted_at) WHERE topic = 'complaint';
)sql"},
    // Members' rights (docs/members-rights.md): an erased member keeps their row, without
    // personal data, as the pseudonymous key their events, purchases and points stay under;
    // terminals are told to remove them (docs/protocol.md, "GET /sync/v1/changes"). Each
    // erasure is recorded: who, when and why, never what was erased.
    {13, R"sql(
ALTER TABLE members ADD COLUMN erased_at TEXT;
CREATE TABLE erasures (
  id        INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL,
  erased_at TEXT NOT NULL,
  staff     TEXT NOT NULL,
  reason    TEXT NOT NULL
);
)sql"},
    // The manager's charts (issue 10): a store's latest visit day and its visits per week,
    // answered from this index alone. Through events_store_visits they fetched every visit's
    // event row: 150-590 ms for a store of a 20M-purchase chain. member_id is in it so that
    // the visitors table, which the planner may answer from either index, needs no row
    // lookup to find whose visits they were (docs/performance.md, "Dashboard").
    {14, R"sql(
CREATE INDEX events_store_visit_days ON events(store_id, substr(occurred_at, 1, 10), member_id)
  WHERE kind = 'visit';
)sql"},
    // Issue 11: customer equity over time, kept per home store at every value refresh
    // (docs/reports.md, "customer-equity-change"): the store's equity after the refresh and
    // its change since the one before, in parts. Tiny (stores x refreshes), so head office's
    // comparison of stores reads it instead of a million snapshots.
    {15, R"sql(
CREATE TABLE store_equity (
  refresh_id    INTEGER NOT NULL REFERENCES value_refreshes(id),
  as_of         TEXT NOT NULL,
  store_id      TEXT NOT NULL,
  members       INTEGER NOT NULL,
  equity_cents  INTEGER NOT NULL,
  new_members   INTEGER NOT NULL,
  new_cents     INTEGER NOT NULL,
  growth_cents  INTEGER NOT NULL,
  decline_cents INTEGER NOT NULL,
  lost_members  INTEGER NOT NULL,
  lost_cents    INTEGER NOT NULL,
  PRIMARY KEY (store_id, refresh_id)
) WITHOUT ROWID;
CREATE INDEX store_equity_as_of ON store_equity(as_of);
)sql"},
    // Issue 11: head-office reports' rows kept per report and filter until the next value
    // refresh (server/reports/cached_report.h), so a report that scans a million members
    // does so once per refresh, not at every page view. Row -1 marks a finished run (an
    // empty result is kept too).
    {16, R"sql(
CREATE TABLE report_cache (
  report     TEXT NOT NULL,
  filter     TEXT NOT NULL,
  refresh_id INTEGER NOT NULL,
  row        INTEGER NOT NULL,
  cells      TEXT NOT NULL,
  PRIMARY KEY (report, filter, refresh_id, row)
) WITHOUT ROWID;
)sql"},
    // Notes and the usual order at every counter (docs/offers.md): the products of each
    // purchase, kept as purchases arrive, and each member's usual order derived from their
    // recent purchases (server/storage/sqlite_usual_order.h holds the rule; the UPDATE below is
    // the same statement, filling it for the purchases already stored). Notes are read newest
    // first per member for every member sent to terminals.
    {17, R"sql(
ALTER TABLE purchases ADD COLUMN occurred_at TEXT NOT NULL DEFAULT '';
UPDATE purchases SET occurred_at = coalesce(
  (SELECT e.occurred_at FROM events e WHERE e.id = purchases.event_id), day);
CREATE INDEX purchases_member_time ON purchases(member_id, occurred_at);
CREATE TABLE purchase_products (
  event_id TEXT NOT NULL REFERENCES purchases(event_id),
  product  TEXT NOT NULL,
  PRIMARY KEY (event_id, product)
) WITHOUT ROWID;
INSERT OR IGNORE INTO purchase_products(event_id, product)
  SELECT p.event_id, json_extract(l.value, '$.product')
  FROM purchases p JOIN events e ON e.id = p.event_id, json_each(e.payload, '$.lines') l;
ALTER TABLE members ADD COLUMN usual_order TEXT;
UPDATE members SET usual_order = (SELECT pp.product FROM (SELECT p.event_id, p.occurred_at FROM purchases p WHERE p.member_id = members.id AND NOT (p.refunded_cents > 0 AND p.refunded_cents >= p.amount_cents) ORDER BY p.occurred_at DESC, p.rowid DESC LIMIT 10) AS recent JOIN purchase_products pp ON pp.event_id = recent.event_id GROUP BY pp.product HAVING count(*) >= 2 ORDER BY count(*) DESC, max(recent.occurred_at) DESC, pp.product LIMIT 1)
  WHERE erased_at IS NULL;
CREATE INDEX notes_member_time ON notes(member_id, noted_at);
)sql"},
    // Regions (issue 11, docs/reports.md): a store may belong to a region, so head office
    // compares and filters by region. NULL: no region given.
    {18, R"sql(
ALTER TABLE stores ADD COLUMN region TEXT;
CREATE INDEX stores_region ON stores(region) WHERE region IS NOT NULL;
)sql"},
    // Acquisition (issue 11, docs/reports.md): campaigns with their recorded spend, each on
    // one channel over inclusive days; a member joins through the campaign of their channel
    // whose days hold their enrollment day. Campaigns of one channel never overlap (checked
    // on add and import). `enrolled_on`: the day of the enrollment event (the terminal's
    // day), kept so acquisition reads one column instead of the events.
    {19, R"sql(
CREATE TABLE campaigns (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  channel     TEXT NOT NULL,
  starts_on   TEXT NOT NULL,
  ends_on     TEXT NOT NULL,
  spend_cents INTEGER NOT NULL CHECK (spend_cents >= 0),
  added_at    TEXT NOT NULL,
  CHECK (starts_on <= ends_on)
);
CREATE INDEX campaigns_channel ON campaigns(channel, starts_on);
ALTER TABLE members ADD COLUMN enrolled_on TEXT;
UPDATE members SET enrolled_on = coalesce(
  (SELECT substr(min(e.occurred_at), 1, 10) FROM events e
   WHERE e.member_id = members.id AND e.kind = 'enrollment'),
  substr(created_at, 1, 10));
CREATE INDEX members_acquisition ON members(channel, enrolled_on, home_store);
)sql"},
    // Reward cost (issue 11, docs/rewards.md "Reward cost"): what each reward handed over
    // cost the business, at the catalogue's cost_cents of the day it was given, so a later
    // change of the catalogue does not rewrite the past. One row per redemption event and
    // per accepted catalogue offer that costs no points (a gesture, a gift); written with the
    // event, once. `store_id`: where it was handed over.
    {20, R"sql(
CREATE TABLE reward_costs (
  event_id    TEXT PRIMARY KEY,
  member_id   INTEGER REFERENCES members(id),
  store_id    TEXT NOT NULL,
  reward      TEXT NOT NULL,
  reward_kind TEXT NOT NULL,
  cost_cents  INTEGER NOT NULL CHECK (cost_cents >= 0),
  occurred_at TEXT NOT NULL
);
CREATE INDEX reward_costs_day ON reward_costs(occurred_at);
CREATE INDEX reward_costs_member ON reward_costs(member_id);
)sql"},
    // Several server instances on one database (issue 12, docs/deployment.md): `leases`, so
    // each scheduled job runs on one instance at a time (server/lease_keeper.h); the
    // dashboard's sessions (by SHA-256 of the cookie token, never the token) and its failed
    // logins, so any instance answers any staff browser. Times: milliseconds since 1970 UTC.
    {21, R"sql(
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE dashboard_sessions (
  token_sha256 TEXT PRIMARY KEY,
  user_id      INTEGER NOT NULL,
  csrf_token   TEXT NOT NULL,
  credential   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
);
CREATE TABLE login_failures (
  kind      TEXT NOT NULL CHECK (kind IN ('user', 'address')),
  key       TEXT NOT NULL,
  failed_at INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(kind, key, failed_at);
CREATE INDEX login_failures_time ON login_failures(failed_at);
)sql"},
    // Issue 11, head-office reports under 200 ms (docs/reports.md, "Speed"): the rewards
    // report's figures kept as the ledger, offer events and reward costs are written, by
    // triggers, so in the same transaction as the row that moves them. member_rewards: one
    // row per member (their balance and all-time flows); rewards_by_place: their sums per
    // home store and value tier over members not merged away (a few thousand rows), moved
    // when a member's store, tier or merge changes. The rewards report without a period reads
    // rewards_by_place. purchases_day: cohort retention's last day on record without reading
    // 20M purchases.
    {22, R"sql(
CREATE TABLE member_rewards (
  member_id   INTEGER PRIMARY KEY REFERENCES members(id),
  outstanding INTEGER NOT NULL DEFAULT 0,
  issued      INTEGER NOT NULL DEFAULT 0,
  redeemed    INTEGER NOT NULL DEFAULT 0,
  expired     INTEGER NOT NULL DEFAULT 0,
  gestures    INTEGER NOT NULL DEFAULT 0,
  shown       INTEGER NOT NULL DEFAULT 0,
  held_out    INTEGER NOT NULL DEFAULT 0,
  accepted    INTEGER NOT NULL DEFAULT 0,
  cost_cents  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO member_rewards(member_id) SELECT id FROM members;
UPDATE member_rewards SET (outstanding, issued, redeemed, expired, gestures) = (
  SELECT coalesce(sum(e.points), 0),
    coalesce(sum(CASE WHEN p.kind IN ('earn', 'bonus') THEN e.points ELSE 0 END), 0),
    coalesce(sum(CASE WHEN p.kind = 'redemption' THEN -e.points ELSE 0 END), 0),
    coalesce(sum(CASE WHEN p.kind = 'expiry' THEN -e.points ELSE 0 END), 0),
    coalesce(sum(CASE WHEN p.cause LIKE 'gesture:%' THEN e.points ELSE 0 END), 0)
  FROM points_entries e JOIN points_postings p ON p.id = e.posting_id
  WHERE e.member_id = member_rewards.member_id)
  WHERE member_id IN (SELECT member_id FROM points_entries WHERE member_id IS NOT NULL);
UPDATE member_rewards SET (shown, held_out, accepted) = (
  SELECT sum(outcome = 'shown'), sum(outcome = 'held_out'), sum(outcome = 'accepted')
  FROM offer_events o WHERE o.member_id = member_rewards.member_id)
  WHERE member_id IN (SELECT member_id FROM offer_events);
UPDATE member_rewards SET cost_cents = (
  SELECT sum(cost_cents) FROM reward_costs r WHERE r.member_id = member_rewards.member_id)
  WHERE member_id IN (SELECT member_id FROM reward_costs WHERE member_id IS NOT NULL);
CREATE TABLE rewards_by_place (
  store_id    TEXT NOT NULL,
  tier        TEXT NOT NULL,
  members     INTEGER NOT NULL DEFAULT 0,
  outstanding INTEGER NOT NULL DEFAULT 0,
  issued      INTEGER NOT NULL DEFAULT 0,
  redeemed    INTEGER NOT NULL DEFAULT 0,
  expired     INTEGER NOT NULL DEFAULT 0,
  gestures    INTEGER NOT NULL DEFAULT 0,
  shown       INTEGER NOT NULL DEFAULT 0,
  held_out    INTEGER NOT NULL DEFAULT 0,
  accepted    INTEGER NOT NULL DEFAULT 0,
  cost_cents  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (store_id, tier)
) WITHOUT ROWID;
INSERT INTO rewards_by_place(store_id, tier, members, outstanding, issued, redeemed, expired,
  gestures, shown, held_out, accepted, cost_cents)
  SELECT m.home_store, coalesce(m.value_tier, 'none'), count(*), sum(r.outstanding),
    sum(r.issued), sum(r.redeemed), sum(r.expired), sum(r.gestures), sum(r.shown),
    sum(r.held_out), sum(r.accepted), sum(r.cost_cents)
  FROM members m JOIN member_rewards r ON r.member_id = m.id
  WHERE m.merged_into IS NULL GROUP BY 1, 2;
-- A member's row moves with them; a member merged away counts nowhere.
CREATE TRIGGER member_rewards_new AFTER INSERT ON members BEGIN
  INSERT OR IGNORE INTO member_rewards(member_id) VALUES (NEW.id);
  INSERT INTO rewards_by_place(store_id, tier, members)
    SELECT NEW.home_store, coalesce(NEW.value_tier, 'none'), 1 WHERE NEW.merged_into IS NULL
    ON CONFLICT(store_id, tier) DO UPDATE SET members = members + 1;
END;
CREATE TRIGGER member_rewards_moved AFTER UPDATE OF home_store, value_tier, merged_into
  ON members WHEN OLD.home_store IS NOT NEW.home_store
    OR OLD.value_tier IS NOT NEW.value_tier OR OLD.merged_into IS NOT NEW.merged_into BEGIN
  INSERT INTO rewards_by_place(store_id, tier, members, outstanding, issued, redeemed, expired,
    gestures, shown, held_out, accepted, cost_cents)
    SELECT OLD.home_store, coalesce(OLD.value_tier, 'none'), -1, -r.outstanding, -r.issued,
    -r.redeemed, -r.expired, -r.gestures, -r.shown, -r.held_out, -r.accepted, -r.cost_cents
    FROM member_rewards r WHERE r.member_id = OLD.id AND OLD.merged_into IS NULL
    ON CONFLICT(store_id, tier) DO UPDATE SET members = members + excluded.members,
    outstanding = outstanding + excluded.outstanding, issued = issued + excluded.issued,
    redeemed = redeemed + excluded.redeemed, expired = expired + excluded.expired,
    gestures = gestures + excluded.gestures, shown = shown + excluded.shown,
    held_out = held_out + excluded.held_out, accepted = accepted + excluded.accepted,
    cost_cents = cost_cents + excluded.cost_cents;
  INSERT INTO rewards_by_place(store_id, tier, members, outstanding, issued, redeemed, expired,
    gestures, shown, held_out, accepted, cost_cents)
    SELECT NEW.home_store, coalesce(NEW.value_tier, 'none'), 1, r.outstanding, r.issued,
    r.redeemed, r.expired, r.gestures, r.shown, r.held_out, r.accepted, r.cost_cents
    FROM member_rewards r WHERE r.member_id = NEW.id AND NEW.merged_into IS NULL
    ON CONFLICT(store_id, tier) DO UPDATE SET members = members + excluded.members,
    outstanding = outstanding + excluded.outstanding, issued = issued + excluded.issued,
    redeemed = redeemed + excluded.redeemed, expired = expired + excluded.expired,
    gestures = gestures + excluded.gestures, shown = shown + excluded.shown,
    held_out = held_out + excluded.held_out, accepted = accepted + excluded.accepted,
    cost_cents = cost_cents + excluded.cost_cents;
END;
-- Any change of a member's figures reaches their place.
CREATE TRIGGER member_rewards_changed AFTER UPDATE ON member_rewards BEGIN
  INSERT INTO rewards_by_place(store_id, tier, outstanding, issued, redeemed, expired, gestures,
    shown, held_out, accepted, cost_cents)
    SELECT m.home_store, coalesce(m.value_tier, 'none'), NEW.outstanding - OLD.outstanding,
    NEW.issued - OLD.issued, NEW.redeemed - OLD.redeemed, NEW.expired - OLD.expired,
    NEW.gestures - OLD.gestures, NEW.shown - OLD.shown, NEW.held_out - OLD.held_out,
    NEW.accepted - OLD.accepted, NEW.cost_cents - OLD.cost_cents
    FROM members m WHERE m.id = NEW.member_id AND m.merged_into IS NULL
    ON CONFLICT(store_id, tier) DO UPDATE SET outstanding = outstanding + excluded.outstanding,
    issued = issued + excluded.issued, redeemed = redeemed + excluded.redeemed,
    expired = expired + excluded.expired, gestures = gestures + excluded.gestures,
    shown = shown + excluded.shown, held_out = held_out + excluded.held_out,
    accepted = accepted + excluded.accepted, cost_cents = cost_cents + excluded.cost_cents;
END;
-- What moves a member's figures: ledger entries (never changed or deleted), offer events and
-- reward costs (moved to the survivor by a merge).
CREATE TRIGGER member_rewards_points AFTER INSERT ON points_entries
  WHEN NEW.member_id IS NOT NULL BEGIN
  UPDATE member_rewards SET outstanding = outstanding + NEW.points,
    issued = issued + (SELECT CASE WHEN kind IN ('earn', 'bonus') THEN NEW.points ELSE 0 END
                       FROM points_postings WHERE id = NEW.posting_id),
    redeemed = redeemed - (SELECT CASE WHEN kind = 'redemption' THEN NEW.points ELSE 0 END
                           FROM points_postings WHERE id = NEW.posting_id),
    expired = expired - (SELECT CASE WHEN kind = 'expiry' THEN NEW.points ELSE 0 END
                         FROM points_postings WHERE id = NEW.posting_id),
    gestures = gestures + (SELECT CASE WHEN cause LIKE 'gesture:%' THEN NEW.points ELSE 0 END
                           FROM points_postings WHERE id = NEW.posting_id)
    WHERE member_id = NEW.member_id;
END;
CREATE TRIGGER member_rewards_offer AFTER INSERT ON offer_events BEGIN
  UPDATE member_rewards SET shown = shown + (NEW.outcome = 'shown'),
    held_out = held_out + (NEW.outcome = 'held_out'),
    accepted = accepted + (NEW.outcome = 'accepted') WHERE member_id = NEW.member_id;
END;
CREATE TRIGGER member_rewards_offer_moved AFTER UPDATE OF member_id, outcome ON offer_events
  BEGIN
  UPDATE member_rewards SET shown = shown - (OLD.outcome = 'shown'),
    held_out = held_out - (OLD.outcome = 'held_out'),
    accepted = accepted - (OLD.outcome = 'accepted') WHERE member_id = OLD.member_id;
  UPDATE member_rewards SET shown = shown + (NEW.outcome = 'shown'),
    held_out = held_out + (NEW.outcome = 'held_out'),
    accepted = accepted + (NEW.outcome = 'accepted') WHERE member_id = NEW.member_id;
END;
CREATE TRIGGER member_rewards_offer_gone AFTER DELETE ON offer_events BEGIN
  UPDATE member_rewards SET shown = shown - (OLD.outcome = 'shown'),
    held_out = held_out - (OLD.outcome = 'held_out'),
    accepted = accepted - (OLD.outcome = 'accepted') WHERE member_id = OLD.member_id;
END;
CREATE TRIGGER member_rewards_cost AFTER INSERT ON reward_costs
  WHEN NEW.member_id IS NOT NULL BEGIN
  UPDATE member_rewards SET cost_cents = cost_cents + NEW.cost_cents
    WHERE member_id = NEW.member_id;
END;
CREATE TRIGGER member_rewards_cost_moved AFTER UPDATE OF member_id, cost_cents ON reward_costs
  BEGIN
  UPDATE member_rewards SET cost_cents = cost_cents - OLD.cost_cents
    WHERE member_id = OLD.member_id;
  UPDATE member_rewards SET cost_cents = cost_cents + NEW.cost_cents
    WHERE member_id = NEW.member_id;
END;
CREATE TRIGGER member_rewards_cost_gone AFTER DELETE ON reward_costs BEGIN
  UPDATE member_rewards SET cost_cents = cost_cents - OLD.cost_cents
    WHERE member_id = OLD.member_id;
END;
CREATE INDEX purchases_day ON purchases(day);
)sql"},
    // Issue 11, any store, region or period fast on its first view (docs/reports.md,
    // "Speed"): cohort retention's figures kept as members and purchases are written, by
    // triggers in the same transaction. cohort_days: per home store and enrollment day
    // (coalesce(enrolled_on, substr(created_at, 1, 10)), the report's cohort day), k = 0 the
    // members who enrolled (merged away or erased ones too, as the report counts them),
    // k = 1..12 how many of them bought in the k-th calendar month after their enrollment
    // month; cohort_months: its sums per enrollment month, and cohort_chain_days /
    // cohort_chain_months the whole chain's, kept by triggers on cohort_days. A period reads
    // whole months from the month tables and the days of a month it cuts from the day
    // tables. A row may fall to 0 members; readers skip cohorts of none.
    {23, R"sql(
CREATE TABLE cohort_days (
  store_id TEXT NOT NULL,
  day      TEXT NOT NULL,
  k        INTEGER NOT NULL,
  members  INTEGER NOT NULL,
  PRIMARY KEY (store_id, day, k)
) WITHOUT ROWID;
CREATE TABLE cohort_months (
  store_id TEXT NOT NULL,
  month    TEXT NOT NULL,
  k        INTEGER NOT NULL,
  members  INTEGER NOT NULL,
  PRIMARY KEY (store_id, month, k)
) WITHOUT ROWID;
-- The same for the whole chain, so its view reads months x 13 rows, not stores x that.
CREATE TABLE cohort_chain_days (
  day     TEXT NOT NULL,
  k       INTEGER NOT NULL,
  members INTEGER NOT NULL,
  PRIMARY KEY (day, k)
) WITHOUT ROWID;
CREATE TABLE cohort_chain_months (
  month   TEXT NOT NULL,
  k       INTEGER NOT NULL,
  members INTEGER NOT NULL,
  PRIMARY KEY (month, k)
) WITHOUT ROWID;
INSERT INTO cohort_days(store_id, day, k, members)
  SELECT home_store, coalesce(members.enrolled_on, substr(members.created_at, 1, 10)), 0, count(*)
  FROM members GROUP BY 1, 2;
INSERT INTO cohort_days(store_id, day, k, members)
  SELECT store_id, day, k, count(*) FROM (SELECT DISTINCT m.home_store AS store_id,
    coalesce(m.enrolled_on, substr(m.created_at, 1, 10)) AS day, p.member_id,
    (CAST(substr(p.day, 1, 4) AS INTEGER) * 12 + CAST(substr(p.day, 6, 2) AS INTEGER))
    - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)) AS k
    FROM members m JOIN purchases p ON p.member_id = m.id
    WHERE k BETWEEN 1 AND 12) GROUP BY 1, 2, 3;
INSERT INTO cohort_months(store_id, month, k, members)
  SELECT store_id, substr(day, 1, 7), k, sum(members) FROM cohort_days GROUP BY 1, 2, 3;
INSERT INTO cohort_chain_days(day, k, members)
  SELECT day, k, sum(members) FROM cohort_days GROUP BY 1, 2;
INSERT INTO cohort_chain_months(month, k, members)
  SELECT month, k, sum(members) FROM cohort_months GROUP BY 1, 2;
-- cohort_months and the chain's sums follow cohort_days (the DO UPDATE of an upsert fires
-- the update trigger; a row of each is made with the first cohort_days row it sums).
CREATE TRIGGER cohort_days_new AFTER INSERT ON cohort_days BEGIN
  INSERT INTO cohort_months(store_id, month, k, members)
    SELECT NEW.store_id, substr(NEW.day, 1, 7), NEW.k, NEW.members WHERE 1
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
  INSERT INTO cohort_chain_days(day, k, members) SELECT NEW.day, NEW.k, NEW.members WHERE 1
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
  INSERT INTO cohort_chain_months(month, k, members)
    SELECT substr(NEW.day, 1, 7), NEW.k, NEW.members WHERE 1
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
END;
CREATE TRIGGER cohort_days_changed AFTER UPDATE ON cohort_days BEGIN
  UPDATE cohort_months SET members = members + NEW.members - OLD.members
    WHERE store_id = NEW.store_id AND month = substr(NEW.day, 1, 7) AND k = NEW.k;
  UPDATE cohort_chain_days SET members = members + NEW.members - OLD.members
    WHERE day = NEW.day AND k = NEW.k;
  UPDATE cohort_chain_months SET members = members + NEW.members - OLD.members
    WHERE month = substr(NEW.day, 1, 7) AND k = NEW.k;
END;
-- A member's whole contribution (their cohort and their active months) comes and goes with
-- them, and moves when their home store or enrollment day changes.
CREATE TRIGGER cohort_member_new AFTER INSERT ON members BEGIN
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT NEW.home_store, coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 0, 1 WHERE 1
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT NEW.home_store, coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), a.k, 1
    FROM (SELECT DISTINCT (CAST(substr(p.day, 1, 4) AS INTEGER) * 12 + CAST(substr(p.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 6, 2) AS INTEGER)) AS k
      FROM purchases p WHERE p.member_id = NEW.id
      AND p.day >= substr(coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 1, 7) || '-01'
      AND p.day < date(substr(coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 1, 7) || '-01', '+13 months')) a
    WHERE a.k BETWEEN 1 AND 12
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
END;
CREATE TRIGGER cohort_member_moved AFTER UPDATE OF home_store, enrolled_on, created_at
  ON members WHEN OLD.home_store IS NOT NEW.home_store
    OR coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)) IS NOT coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)) BEGIN
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT OLD.home_store, coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 0, -1 WHERE 1
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT OLD.home_store, coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), a.k, -1
    FROM (SELECT DISTINCT (CAST(substr(p.day, 1, 4) AS INTEGER) * 12 + CAST(substr(p.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 6, 2) AS INTEGER)) AS k
      FROM purchases p WHERE p.member_id = OLD.id
      AND p.day >= substr(coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 1, 7) || '-01'
      AND p.day < date(substr(coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 1, 7) || '-01', '+13 months')) a
    WHERE a.k BETWEEN 1 AND 12
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT NEW.home_store, coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 0, 1 WHERE 1
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT NEW.home_store, coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), a.k, 1
    FROM (SELECT DISTINCT (CAST(substr(p.day, 1, 4) AS INTEGER) * 12 + CAST(substr(p.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 6, 2) AS INTEGER)) AS k
      FROM purchases p WHERE p.member_id = NEW.id
      AND p.day >= substr(coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 1, 7) || '-01'
      AND p.day < date(substr(coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 1, 7) || '-01', '+13 months')) a
    WHERE a.k BETWEEN 1 AND 12
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
END;
CREATE TRIGGER cohort_member_gone AFTER DELETE ON members BEGIN
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT OLD.home_store, coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 0, -1 WHERE 1
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT OLD.home_store, coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), a.k, -1
    FROM (SELECT DISTINCT (CAST(substr(p.day, 1, 4) AS INTEGER) * 12 + CAST(substr(p.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 6, 2) AS INTEGER)) AS k
      FROM purchases p WHERE p.member_id = OLD.id
      AND p.day >= substr(coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 1, 7) || '-01'
      AND p.day < date(substr(coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), 1, 7) || '-01', '+13 months')) a
    WHERE a.k BETWEEN 1 AND 12
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
END;
-- A purchase counts its member in its month when it is their first of that month, and stops
-- counting them when it was their last; a merge moves purchases by their member_id. Refunds
-- and voids change no purchase's member or day: retention counts the visit all the same.
CREATE TRIGGER cohort_purchase_new AFTER INSERT ON purchases
  WHEN NEW.member_id IS NOT NULL BEGIN
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT m.home_store, coalesce(m.enrolled_on, substr(m.created_at, 1, 10)),
      (CAST(substr(NEW.day, 1, 4) AS INTEGER) * 12 + CAST(substr(NEW.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)), 1
    FROM members m WHERE m.id = NEW.member_id
    AND (CAST(substr(NEW.day, 1, 4) AS INTEGER) * 12 + CAST(substr(NEW.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)) BETWEEN 1 AND 12
    AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = NEW.member_id
      AND p.day BETWEEN substr(NEW.day, 1, 7) || '-01' AND substr(NEW.day, 1, 7) || '-31' AND p.rowid <> NEW.rowid)
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
END;
CREATE TRIGGER cohort_purchase_moved AFTER UPDATE OF member_id, day ON purchases
  WHEN OLD.member_id IS NOT NEW.member_id OR OLD.day IS NOT NEW.day BEGIN
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT m.home_store, coalesce(m.enrolled_on, substr(m.created_at, 1, 10)),
      (CAST(substr(OLD.day, 1, 4) AS INTEGER) * 12 + CAST(substr(OLD.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)), -1
    FROM members m WHERE m.id = OLD.member_id
    AND (CAST(substr(OLD.day, 1, 4) AS INTEGER) * 12 + CAST(substr(OLD.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)) BETWEEN 1 AND 12
    AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = OLD.member_id
      AND p.day BETWEEN substr(OLD.day, 1, 7) || '-01' AND substr(OLD.day, 1, 7) || '-31' AND p.rowid <> NEW.rowid)
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT m.home_store, coalesce(m.enrolled_on, substr(m.created_at, 1, 10)),
      (CAST(substr(NEW.day, 1, 4) AS INTEGER) * 12 + CAST(substr(NEW.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)), 1
    FROM members m WHERE m.id = NEW.member_id
    AND (CAST(substr(NEW.day, 1, 4) AS INTEGER) * 12 + CAST(substr(NEW.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)) BETWEEN 1 AND 12
    AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = NEW.member_id
      AND p.day BETWEEN substr(NEW.day, 1, 7) || '-01' AND substr(NEW.day, 1, 7) || '-31' AND p.rowid <> NEW.rowid)
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
END;
CREATE TRIGGER cohort_purchase_gone AFTER DELETE ON purchases
  WHEN OLD.member_id IS NOT NULL BEGIN
  INSERT INTO cohort_days(store_id, day, k, members)
    SELECT m.home_store, coalesce(m.enrolled_on, substr(m.created_at, 1, 10)),
      (CAST(substr(OLD.day, 1, 4) AS INTEGER) * 12 + CAST(substr(OLD.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)), -1
    FROM members m WHERE m.id = OLD.member_id
    AND (CAST(substr(OLD.day, 1, 4) AS INTEGER) * 12 + CAST(substr(OLD.day, 6, 2) AS INTEGER))
      - (CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 1, 4) AS INTEGER) * 12 + CAST(substr(coalesce(m.enrolled_on, substr(m.created_at, 1, 10)), 6, 2) AS INTEGER)) BETWEEN 1 AND 12
    AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = OLD.member_id
      AND p.day BETWEEN substr(OLD.day, 1, 7) || '-01' AND substr(OLD.day, 1, 7) || '-31')
    ON CONFLICT DO UPDATE SET members = members + excluded.members;
END;
)sql"},
    // Issue 11, acquisition, acquisition-cost and tier-migrations fast for any period, store
    // and region on their first view (docs/reports.md): acquisition_days holds, per scope
    // ('' the whole chain, else a region), enrollment day (enrolled_on; '' when unknown)
    // and channel ('' when not recorded), the members not merged away, how many of them have
    // a value snapshot and the sum of their lifetime values. Triggers keep it as members are
    // enrolled, moved, merged, corrected or deleted and as stores change region; the value
    // refresh's save adds its snapshots' changes (sqlite_acquisition_days.h), the one writer
    // of value_snapshots. members_acquired: the save's one narrow pass over the members.
    // tier_moves and tier_retierings: tier migrations' summary (its comment below).
    {24, R"sql(
CREATE TABLE acquisition_days (
  scope   TEXT NOT NULL,
  day     TEXT NOT NULL,
  channel TEXT NOT NULL,
  members INTEGER NOT NULL DEFAULT 0,
  valued  INTEGER NOT NULL DEFAULT 0,
  lifetime_value_cents INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, day, channel)
) WITHOUT ROWID;
CREATE INDEX members_acquired ON members(enrolled_on, channel, home_store)
  WHERE merged_into IS NULL;
INSERT INTO acquisition_days(scope, day, channel, members, valued, lifetime_value_cents)
  SELECT '', coalesce(m.enrolled_on, ''), coalesce(m.channel, ''), count(*), count(v.member_id),
    coalesce(sum(v.lifetime_value_cents), 0)
  FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id
  WHERE m.merged_into IS NULL GROUP BY 2, 3;
INSERT INTO acquisition_days(scope, day, channel, members, valued, lifetime_value_cents)
  SELECT s.region, coalesce(m.enrolled_on, ''), coalesce(m.channel, ''), count(*),
    count(v.member_id), coalesce(sum(v.lifetime_value_cents), 0)
  FROM members m JOIN stores s ON s.id = m.home_store
  LEFT JOIN value_snapshots v ON v.member_id = m.id
  WHERE m.merged_into IS NULL AND s.region <> '' GROUP BY 1, 2, 3;
-- A member's contribution (1, whether valued, their lifetime value) comes and goes with them.
CREATE TRIGGER acquisition_member_new AFTER INSERT ON members BEGIN
  INSERT INTO acquisition_days(scope, day, channel, members, valued, lifetime_value_cents)
    SELECT p.scope, coalesce(NEW.enrolled_on, ''), coalesce(NEW.channel, ''), 1,
      (SELECT count(*) FROM value_snapshots WHERE member_id = NEW.id),
      coalesce((SELECT lifetime_value_cents FROM value_snapshots WHERE member_id = NEW.id), 0)
    FROM (SELECT '' AS scope UNION ALL
          SELECT region FROM stores WHERE id = NEW.home_store AND region <> '') p
    WHERE NEW.merged_into IS NULL
    ON CONFLICT(scope, day, channel) DO UPDATE SET members = members + excluded.members,
      valued = valued + excluded.valued,
      lifetime_value_cents = lifetime_value_cents + excluded.lifetime_value_cents;
END;
CREATE TRIGGER acquisition_member_moved AFTER UPDATE OF home_store, enrolled_on, channel,
  merged_into ON members WHEN OLD.home_store IS NOT NEW.home_store
    OR OLD.enrolled_on IS NOT NEW.enrolled_on OR OLD.channel IS NOT NEW.channel
    OR OLD.merged_into IS NOT NEW.merged_into BEGIN
  INSERT INTO acquisition_days(scope, day, channel, members, valued, lifetime_value_cents)
    SELECT p.scope, coalesce(OLD.enrolled_on, ''), coalesce(OLD.channel, ''), -1,
      -(SELECT count(*) FROM value_snapshots WHERE member_id = OLD.id),
      -coalesce((SELECT lifetime_value_cents FROM value_snapshots WHERE member_id = OLD.id), 0)
    FROM (SELECT '' AS scope UNION ALL
          SELECT region FROM stores WHERE id = OLD.home_store AND region <> '') p
    WHERE OLD.merged_into IS NULL
    ON CONFLICT(scope, day, channel) DO UPDATE SET members = members + excluded.members,
      valued = valued + excluded.valued,
      lifetime_value_cents = lifetime_value_cents + excluded.lifetime_value_cents;
  INSERT INTO acquisition_days(scope, day, channel, members, valued, lifetime_value_cents)
    SELECT p.scope, coalesce(NEW.enrolled_on, ''), coalesce(NEW.channel, ''), 1,
      (SELECT count(*) FROM value_snapshots WHERE member_id = NEW.id),
      coalesce((SELECT lifetime_value_cents FROM value_snapshots WHERE member_id = NEW.id), 0)
    FROM (SELECT '' AS scope UNION ALL
          SELECT region FROM stores WHERE id = NEW.home_store AND region <> '') p
    WHERE NEW.merged_into IS NULL
    ON CONFLICT(scope, day, channel) DO UPDATE SET members = members + excluded.members,
      valued = valued + excluded.valued,
      lifetime_value_cents = lifetime_value_cents + excluded.lifetime_value_cents;
END;
CREATE TRIGGER acquisition_member_gone AFTER DELETE ON members BEGIN
  INSERT INTO acquisition_days(scope, day, channel, members, valued, lifetime_value_cents)
    SELECT p.scope, coalesce(OLD.enrolled_on, ''), coalesce(OLD.channel, ''), -1,
      -(SELECT count(*) FROM value_snapshots WHERE member_id = OLD.id),
      -coalesce((SELECT lifetime_value_cents FROM value_snapshots WHERE member_id = OLD.id), 0)
    FROM (SELECT '' AS scope UNION ALL
          SELECT region FROM stores WHERE id = OLD.home_store AND region <> '') p
    WHERE OLD.merged_into IS NULL
    ON CONFLICT(scope, day, channel) DO UPDATE SET members = members + excluded.members,
      valued = valued + excluded.valued,
      lifetime_value_cents = lifetime_value_cents + excluded.lifetime_value_cents;
END;
-- A store's members leave its old region's rows and join its new region's.
CREATE TRIGGER acquisition_store_region AFTER UPDATE OF region ON stores
  WHEN OLD.region IS NOT NEW.region BEGIN
  INSERT INTO acquisition_days(scope, day, channel, members, valued, lifetime_value_cents)
    SELECT OLD.region, coalesce(m.enrolled_on, ''), coalesce(m.channel, ''), -count(*),
      -count(v.member_id), -coalesce(sum(v.lifetime_value_cents), 0)
    FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id
    WHERE m.home_store = OLD.id AND m.merged_into IS NULL AND OLD.region <> ''
    GROUP BY 2, 3
    ON CONFLICT(scope, day, channel) DO UPDATE SET members = members + excluded.members,
      valued = valued + excluded.valued,
      lifetime_value_cents = lifetime_value_cents + excluded.lifetime_value_cents;
  INSERT INTO acquisition_days(scope, day, channel, members, valued, lifetime_value_cents)
    SELECT NEW.region, coalesce(m.enrolled_on, ''), coalesce(m.channel, ''), count(*),
      count(v.member_id), coalesce(sum(v.lifetime_value_cents), 0)
    FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id
    WHERE m.home_store = NEW.id AND m.merged_into IS NULL AND NEW.region <> ''
    GROUP BY 2, 3
    ON CONFLICT(scope, day, channel) DO UPDATE SET members = members + excluded.members,
      valued = valued + excluded.valued,
      lifetime_value_cents = lifetime_value_cents + excluded.lifetime_value_cents;
END;
-- Tier migrations (docs/reports.md, "tier-migrations"): tier_moves counts, per place ('' the
-- whole chain, 's:' || store, 'r:' || region; by the member's home store now), day and
-- from-tier ('' none: a first tier) and to-tier, the members whose tier changed so, from
-- tier_history (a row whose tier differs from the member's previous row). A tier's size at
-- the end of a day is its moves in less its moves out up to that day. tier_retierings: each
-- change from a tier with the day of the member's previous change, so the few members who
-- changed twice or more in a period are found without reading everyone's history (with the
-- member's home store now, so without reading the members either). The value
-- refresh's save writes both (sqlite_report_summaries.h); triggers follow moves and stores
-- changing region; an edit of tier_history (never done by Rapport) marks them stale, and
-- the report reads tier_history until the next refresh rebuilds them.
CREATE TABLE tier_moves (
  place     TEXT NOT NULL,
  day       TEXT NOT NULL,
  from_tier TEXT NOT NULL,
  to_tier   TEXT NOT NULL,
  members   INTEGER NOT NULL,
  PRIMARY KEY (place, day, from_tier, to_tier)
) WITHOUT ROWID;
CREATE TABLE tier_retierings (
  member_id    INTEGER NOT NULL,
  day          TEXT NOT NULL,
  previous_day TEXT NOT NULL,
  from_tier    TEXT NOT NULL,
  to_tier      TEXT NOT NULL,
  home_store   TEXT NOT NULL
);
CREATE INDEX tier_retierings_member ON tier_retierings(member_id, day);
CREATE INDEX tier_retierings_previous
  ON tier_retierings(previous_day, day, home_store, member_id);
CREATE TABLE tier_flows_state (stale INTEGER NOT NULL);
INSERT INTO tier_flows_state(stale) VALUES (0);
INSERT INTO tier_moves(place, day, from_tier, to_tier, members)
  SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
    c.day, c.from_tier, c.to_tier, count(*)
  FROM (SELECT member_id, day, from_tier, to_tier FROM (SELECT member_id,
      substr(changed_at, 1, 10) AS day, tier AS to_tier, coalesce(LAG(tier) OVER
      (PARTITION BY member_id ORDER BY changed_at, rowid), '') AS from_tier FROM tier_history)
    WHERE from_tier <> to_tier) c
  JOIN members m ON m.id = c.member_id LEFT JOIN stores s ON s.id = m.home_store
  JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
  WHERE k.k < 2 OR s.region <> '' GROUP BY 1, 2, 3, 4;
INSERT INTO tier_retierings(member_id, day, previous_day, from_tier, to_tier, home_store)
  SELECT member_id, day, previous_day, from_tier, to_tier,
    (SELECT home_store FROM members WHERE id = member_id) FROM (SELECT member_id, day,
      from_tier, to_tier, changed_at, id,
      LAG(day) OVER (PARTITION BY member_id ORDER BY changed_at, id) AS previous_day
    FROM (SELECT member_id, changed_at, rowid AS id, substr(changed_at, 1, 10) AS day,
        tier AS to_tier, coalesce(LAG(tier) OVER (PARTITION BY member_id
        ORDER BY changed_at, rowid), '') AS from_tier FROM tier_history)
    WHERE from_tier <> to_tier)
  WHERE from_tier <> '' AND member_id IN (SELECT id FROM members)
  ORDER BY member_id, changed_at, id;
-- A member's changes move with their home store (their store's and region's rows).
CREATE TRIGGER tier_moves_member_moved AFTER UPDATE OF home_store ON members
  WHEN OLD.home_store IS NOT NEW.home_store BEGIN
  UPDATE tier_retierings SET home_store = NEW.home_store WHERE member_id = NEW.id;
  INSERT INTO tier_moves(place, day, from_tier, to_tier, members)
    SELECT p.place, c.day, c.from_tier, c.to_tier, p.sign * count(*)
    FROM (SELECT day, from_tier, to_tier FROM (SELECT substr(changed_at, 1, 10) AS day,
        tier AS to_tier, coalesce(LAG(tier) OVER (ORDER BY changed_at, rowid), '') AS from_tier
        FROM tier_history WHERE member_id = NEW.id) WHERE from_tier <> to_tier) c
    JOIN (SELECT 's:' || OLD.home_store AS place, -1 AS sign
          UNION ALL SELECT 'r:' || region, -1 FROM stores
            WHERE id = OLD.home_store AND region <> ''
          UNION ALL SELECT 's:' || NEW.home_store, 1
          UNION ALL SELECT 'r:' || region, 1 FROM stores
            WHERE id = NEW.home_store AND region <> '') p
    WHERE 1 GROUP BY 1, 2, 3, 4
    ON CONFLICT(place, day, from_tier, to_tier) DO UPDATE SET members = members + excluded.members;
END;
-- A store's rows leave its old region's and join its new region's.
CREATE TRIGGER tier_moves_store_region AFTER UPDATE OF region ON stores
  WHEN OLD.region IS NOT NEW.region BEGIN
  INSERT INTO tier_moves(place, day, from_tier, to_tier, members)
    SELECT p.place, t.day, t.from_tier, t.to_tier, p.sign * t.members
    FROM tier_moves t JOIN (SELECT 'r:' || OLD.region AS place, -1 AS sign WHERE OLD.region <> ''
          UNION ALL SELECT 'r:' || NEW.region, 1 WHERE NEW.region <> '') p
    WHERE t.place = 's:' || NEW.id
    ON CONFLICT(place, day, from_tier, to_tier) DO UPDATE SET members = members + excluded.members;
END;
CREATE TRIGGER tier_history_edited AFTER UPDATE ON tier_history BEGIN
  UPDATE tier_flows_state SET stale = 1;
END;
CREATE TRIGGER tier_history_removed AFTER DELETE ON tier_history BEGIN
  UPDATE tier_flows_state SET stale = 1;
END;
)sql"},
    // Tier migrations from daily checkpoints (sqlite_tier_checkpoints.h) instead of
    // migration 24's tier_moves and tier_retierings, whose cost grew with the members who
    // changed tier twice or more in a period (all of them, over a year of nightly refreshes).
    {25, R"sql(
-- tier_checkpoints: every member's value tier at the end of each day a refresh changed one
-- (tier_history's day), 4 bits per member id (0 none, 1 MVC, 2 MGC, 3 LMC, 4 BZ; the low
-- half of byte k is member 2k's). Written by the value refresh's save; rebuilt from
-- tier_history by the first save after this migration and after any edit of tier_history
-- (tier_checkpoints_state.current = 0; the report reads tier_history meanwhile).
DROP TRIGGER tier_moves_member_moved;
DROP TRIGGER tier_moves_store_region;
DROP TRIGGER tier_history_edited;
DROP TRIGGER tier_history_removed;
DROP TABLE tier_moves;
DROP TABLE tier_retierings;
DROP TABLE tier_flows_state;
CREATE TABLE tier_checkpoints (
  day   TEXT NOT NULL UNIQUE,
  tiers BLOB NOT NULL
);
CREATE TABLE tier_checkpoints_state (current INTEGER NOT NULL);
INSERT INTO tier_checkpoints_state(current) VALUES (0);
CREATE TRIGGER tier_history_edited AFTER UPDATE ON tier_history BEGIN
  UPDATE tier_checkpoints_state SET current = 0;
END;
CREATE TRIGGER tier_history_removed AFTER DELETE ON tier_history BEGIN
  UPDATE tier_checkpoints_state SET current = 0;
END;
)sql"},
    // Issue 11, the rewards report fast for any period (docs/reports.md, "rewards"):
    // rewards_days holds, per place ('' the whole chain, 's:' || store, 'r:' || region),
    // day and value tier ('none' before a member's first), the rewards flows of that day by the tier the member had when it happened (tier_history at the event's
    // time) and the home store they had when it was recorded, plus `members` and `net`
    // points, whose sums up to a day are the members and the outstanding points at its end by
    // the tier and home store they had then. So when a member's tier changes (the value
    // refresh's save, sqlite_rewards_days.h, set-based) or their home store or merge does
    // (triggers), their count and balance move: -1 / -balance where they were, +1 / +balance
    // where they go, on that day. A ledger entry dated before one of the member's later tier
    // changes moves at that change as their balance did (so a late entry lands where the
    // balance went). Erasure changes none of it (events stay).
    {26, R"sql(
CREATE TABLE rewards_days (
  place       TEXT NOT NULL,
  day         TEXT NOT NULL,
  tier        TEXT NOT NULL,
  members     INTEGER NOT NULL DEFAULT 0,
  net         INTEGER NOT NULL DEFAULT 0,
  issued      INTEGER NOT NULL DEFAULT 0,
  redeemed    INTEGER NOT NULL DEFAULT 0,
  expired     INTEGER NOT NULL DEFAULT 0,
  gestures    INTEGER NOT NULL DEFAULT 0,
  shown       INTEGER NOT NULL DEFAULT 0,
  held_out    INTEGER NOT NULL DEFAULT 0,
  accepted    INTEGER NOT NULL DEFAULT 0,
  cost_cents  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (place, day, tier)
) WITHOUT ROWID;
-- The days so far, from the ledger, offers, reward costs, members and tier_history (the
-- member's home store now: where they were before is not kept).
WITH changes AS (
  SELECT member_id, changed_at, day, from_tier, to_tier FROM (SELECT member_id, changed_at,
      substr(changed_at, 1, 10) AS day, tier AS to_tier, coalesce(LAG(tier) OVER
      (PARTITION BY member_id ORDER BY changed_at, rowid), 'none') AS from_tier
    FROM tier_history) WHERE from_tier <> to_tier),
flows(member_id, day, tier, members, net, issued, redeemed, expired, gestures, shown, held_out,
    accepted, cost_cents) AS (
  SELECT e.member_id, substr(p.occurred_at, 1, 10),
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = e.member_id
      AND h.changed_at <= p.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
      'none'), 0, e.points, CASE WHEN p.kind IN ('earn', 'bonus') THEN e.points ELSE 0 END,
    CASE WHEN p.kind = 'redemption' THEN -e.points ELSE 0 END,
    CASE WHEN p.kind = 'expiry' THEN -e.points ELSE 0 END,
    CASE WHEN p.cause LIKE 'gesture:%' THEN e.points ELSE 0 END, 0, 0, 0, 0
  FROM points_entries e JOIN points_postings p ON p.id = e.posting_id
  WHERE e.member_id IS NOT NULL
  UNION ALL
  SELECT c.member_id, c.day, CASE WHEN side.sign < 0 THEN c.from_tier ELSE c.to_tier END,
    side.sign, side.sign * coalesce((SELECT sum(e.points) FROM points_entries e
      JOIN points_postings p ON p.id = e.posting_id WHERE e.member_id = c.member_id
      AND p.occurred_at < c.changed_at), 0), 0, 0, 0, 0, 0, 0, 0, 0
  FROM changes c JOIN (SELECT -1 AS sign UNION ALL SELECT 1) side
  JOIN members m ON m.id = c.member_id
  WHERE m.merged_into IS NULL OR c.changed_at < m.merged_at
  UNION ALL
  SELECT id, coalesce(enrolled_on, substr(created_at, 1, 10)), 'none', 1, 0, 0, 0, 0, 0, 0, 0,
    0, 0 FROM members
  UNION ALL
  SELECT m.id, substr(m.merged_at, 1, 10),
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = m.id
      AND h.changed_at <= m.merged_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
      'none'), -1, -coalesce((SELECT sum(points) FROM points_entries
      WHERE member_id = m.id), 0), 0, 0, 0, 0, 0, 0, 0, 0
  FROM members m WHERE m.merged_into IS NOT NULL
  UNION ALL
  SELECT o.member_id, substr(o.at, 1, 10),
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = o.member_id
      AND h.changed_at <= o.at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1), 'none'),
    0, 0, 0, 0, 0, 0, o.outcome = 'shown', o.outcome = 'held_out', o.outcome = 'accepted', 0
  FROM offer_events o
  UNION ALL
  SELECT r.member_id, substr(r.occurred_at, 1, 10),
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = r.member_id
      AND h.changed_at <= r.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
      'none'), 0, 0, 0, 0, 0, 0, 0, 0, 0, r.cost_cents
  FROM reward_costs r WHERE r.member_id IS NOT NULL),
by_store(store, day, tier, members, net, issued, redeemed, expired, gestures, shown,
    held_out, accepted, cost_cents) AS (
  SELECT m.home_store, f.day, f.tier, sum(f.members), sum(f.net), sum(f.issued),
    sum(f.redeemed), sum(f.expired), sum(f.gestures), sum(f.shown), sum(f.held_out),
    sum(f.accepted), sum(f.cost_cents)
  FROM flows f JOIN members m ON m.id = f.member_id GROUP BY 1, 2, 3)
INSERT INTO rewards_days(place, day, tier, members, net, issued, redeemed, expired, gestures,
  shown, held_out, accepted, cost_cents)
  SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || b.store ELSE 'r:' || s.region END,
    b.day, b.tier, sum(b.members), sum(b.net), sum(b.issued), sum(b.redeemed), sum(b.expired),
    sum(b.gestures), sum(b.shown), sum(b.held_out), sum(b.accepted), sum(b.cost_cents)
  FROM by_store b LEFT JOIN stores s ON s.id = b.store
  JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
  WHERE k.k < 2 OR s.region <> '' GROUP BY 1, 2, 3;
-- A ledger entry: its flows on its day by the member's tier then; moved with the balance at
-- each of the member's tier changes after it (usually none: one index probe).
CREATE TRIGGER rewards_days_points AFTER INSERT ON points_entries
  WHEN NEW.member_id IS NOT NULL BEGIN
  INSERT INTO rewards_days(place, day, tier, net, issued, redeemed, expired, gestures)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
      substr(p.occurred_at, 1, 10),
      coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = NEW.member_id
        AND h.changed_at <= p.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
        'none'),
      NEW.points, CASE WHEN p.kind IN ('earn', 'bonus') THEN NEW.points ELSE 0 END,
      CASE WHEN p.kind = 'redemption' THEN -NEW.points ELSE 0 END,
      CASE WHEN p.kind = 'expiry' THEN -NEW.points ELSE 0 END,
      CASE WHEN p.cause LIKE 'gesture:%' THEN NEW.points ELSE 0 END
    FROM points_postings p JOIN members m ON m.id = NEW.member_id
    LEFT JOIN stores s ON s.id = m.home_store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE p.id = NEW.posting_id AND (k.k < 2 OR s.region <> '')
    ON CONFLICT(place, day, tier) DO UPDATE SET net = net + excluded.net,
      issued = issued + excluded.issued, redeemed = redeemed + excluded.redeemed,
      expired = expired + excluded.expired, gestures = gestures + excluded.gestures;
  INSERT INTO rewards_days(place, day, tier, net)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
      c.day, CASE WHEN side.sign < 0 THEN c.from_tier ELSE c.to_tier END,
      sum(side.sign * NEW.points)
    FROM (SELECT substr(h.changed_at, 1, 10) AS day, h.tier AS to_tier,
        coalesce((SELECT q.tier FROM tier_history q WHERE q.member_id = h.member_id
          AND (q.changed_at < h.changed_at OR (q.changed_at = h.changed_at AND q.rowid < h.rowid))
          ORDER BY q.changed_at DESC, q.rowid DESC LIMIT 1), 'none') AS from_tier
      FROM tier_history h WHERE h.member_id = NEW.member_id AND h.changed_at >
        (SELECT occurred_at FROM points_postings WHERE id = NEW.posting_id)) c
    JOIN (SELECT -1 AS sign UNION ALL SELECT 1) side
    JOIN members m ON m.id = NEW.member_id LEFT JOIN stores s ON s.id = m.home_store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE c.from_tier <> c.to_tier AND (k.k < 2 OR s.region <> '') GROUP BY 1, 2, 3
    ON CONFLICT(place, day, tier) DO UPDATE SET net = net + excluded.net;
END;
-- Offers and rewards handed over: on their day, by the member's tier then. A merge moves
-- them to the survivor but not here: they stay where they happened. A changed outcome or
-- cost counts at the member's home store now.
CREATE TRIGGER rewards_days_offer AFTER INSERT ON offer_events BEGIN
  INSERT INTO rewards_days(place, day, tier, shown, held_out, accepted)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
      substr(NEW.at, 1, 10),
      coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = NEW.member_id
        AND h.changed_at <= NEW.at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1), 'none'),
      NEW.outcome = 'shown', NEW.outcome = 'held_out', NEW.outcome = 'accepted'
    FROM members m LEFT JOIN stores s ON s.id = m.home_store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE m.id = NEW.member_id AND (k.k < 2 OR s.region <> '')
    ON CONFLICT(place, day, tier) DO UPDATE SET shown = shown + excluded.shown,
      held_out = held_out + excluded.held_out, accepted = accepted + excluded.accepted;
END;
CREATE TRIGGER rewards_days_offer_changed AFTER UPDATE OF outcome ON offer_events
  WHEN OLD.outcome IS NOT NEW.outcome BEGIN
  INSERT INTO rewards_days(place, day, tier, shown, held_out, accepted)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
      substr(NEW.at, 1, 10),
      coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = NEW.member_id
        AND h.changed_at <= NEW.at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1), 'none'),
      (NEW.outcome = 'shown') - (OLD.outcome = 'shown'),
      (NEW.outcome = 'held_out') - (OLD.outcome = 'held_out'),
      (NEW.outcome = 'accepted') - (OLD.outcome = 'accepted')
    FROM members m LEFT JOIN stores s ON s.id = m.home_store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE m.id = NEW.member_id AND (k.k < 2 OR s.region <> '')
    ON CONFLICT(place, day, tier) DO UPDATE SET shown = shown + excluded.shown,
      held_out = held_out + excluded.held_out, accepted = accepted + excluded.accepted;
END;
CREATE TRIGGER rewards_days_offer_gone AFTER DELETE ON offer_events BEGIN
  INSERT INTO rewards_days(place, day, tier, shown, held_out, accepted)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
      substr(OLD.at, 1, 10),
      coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = OLD.member_id
        AND h.changed_at <= OLD.at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1), 'none'),
      -(OLD.outcome = 'shown'), -(OLD.outcome = 'held_out'), -(OLD.outcome = 'accepted')
    FROM members m LEFT JOIN stores s ON s.id = m.home_store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE m.id = OLD.member_id AND (k.k < 2 OR s.region <> '')
    ON CONFLICT(place, day, tier) DO UPDATE SET shown = shown + excluded.shown,
      held_out = held_out + excluded.held_out, accepted = accepted + excluded.accepted;
END;
CREATE TRIGGER rewards_days_cost AFTER INSERT ON reward_costs
  WHEN NEW.member_id IS NOT NULL BEGIN
  INSERT INTO rewards_days(place, day, tier, cost_cents)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
      substr(NEW.occurred_at, 1, 10),
      coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = NEW.member_id
        AND h.changed_at <= NEW.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
        'none'), NEW.cost_cents
    FROM members m LEFT JOIN stores s ON s.id = m.home_store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE m.id = NEW.member_id AND (k.k < 2 OR s.region <> '')
    ON CONFLICT(place, day, tier) DO UPDATE SET cost_cents = cost_cents + excluded.cost_cents;
END;
CREATE TRIGGER rewards_days_cost_changed AFTER UPDATE OF cost_cents ON reward_costs
  WHEN OLD.cost_cents IS NOT NEW.cost_cents AND NEW.member_id IS NOT NULL BEGIN
  INSERT INTO rewards_days(place, day, tier, cost_cents)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
      substr(NEW.occurred_at, 1, 10),
      coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = NEW.member_id
        AND h.changed_at <= NEW.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
        'none'), NEW.cost_cents - OLD.cost_cents
    FROM members m LEFT JOIN stores s ON s.id = m.home_store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE m.id = NEW.member_id AND (k.k < 2 OR s.region <> '')
    ON CONFLICT(place, day, tier) DO UPDATE SET cost_cents = cost_cents + excluded.cost_cents;
END;
CREATE TRIGGER rewards_days_cost_gone AFTER DELETE ON reward_costs
  WHEN OLD.member_id IS NOT NULL BEGIN
  INSERT INTO rewards_days(place, day, tier, cost_cents)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
      substr(OLD.occurred_at, 1, 10),
      coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = OLD.member_id
        AND h.changed_at <= OLD.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
        'none'), -OLD.cost_cents
    FROM members m LEFT JOIN stores s ON s.id = m.home_store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE m.id = OLD.member_id AND (k.k < 2 OR s.region <> '')
    ON CONFLICT(place, day, tier) DO UPDATE SET cost_cents = cost_cents + excluded.cost_cents;
END;
-- A member counts from their enrollment day, in no tier until their first.
CREATE TRIGGER rewards_days_member_new AFTER INSERT ON members
  WHEN NEW.merged_into IS NULL BEGIN
  INSERT INTO rewards_days(place, day, tier, members)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || NEW.home_store ELSE 'r:' || s.region END,
      coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), coalesce(NEW.value_tier, 'none'), 1
    FROM (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    LEFT JOIN stores s ON s.id = NEW.home_store WHERE k.k < 2 OR s.region <> ''
    ON CONFLICT(place, day, tier) DO UPDATE SET members = members + excluded.members;
END;
-- A move of home store, a merge (on its day) or a deletion: the member and their balance
-- leave where they counted and join where they count now (nowhere once merged away).
CREATE TRIGGER rewards_days_member_moved AFTER UPDATE OF home_store, merged_into ON members
  WHEN OLD.home_store IS NOT NEW.home_store OR OLD.merged_into IS NOT NEW.merged_into BEGIN
  INSERT INTO rewards_days(place, day, tier, members, net)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || x.store ELSE 'r:' || s.region END,
      CASE WHEN OLD.merged_into IS NOT NEW.merged_into AND NEW.merged_at IS NOT NULL
        THEN substr(NEW.merged_at, 1, 10) ELSE date('now') END,
      x.tier, sum(x.sign), sum(x.sign * coalesce(r.outstanding, 0))
    FROM (SELECT OLD.home_store AS store, coalesce(OLD.value_tier, 'none') AS tier, -1 AS sign
          WHERE OLD.merged_into IS NULL
          UNION ALL SELECT NEW.home_store, coalesce(NEW.value_tier, 'none'), 1
          WHERE NEW.merged_into IS NULL) x
    LEFT JOIN member_rewards r ON r.member_id = NEW.id
    LEFT JOIN stores s ON s.id = x.store
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    WHERE k.k < 2 OR s.region <> '' GROUP BY 1, 2, 3
    ON CONFLICT(place, day, tier) DO UPDATE SET members = members + excluded.members,
      net = net + excluded.net;
END;
CREATE TRIGGER rewards_days_member_gone AFTER DELETE ON members
  WHEN OLD.merged_into IS NULL BEGIN
  INSERT INTO rewards_days(place, day, tier, members, net)
    SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || OLD.home_store ELSE 'r:' || s.region END,
      date('now'), coalesce(OLD.value_tier, 'none'), -1,
      -coalesce((SELECT outstanding FROM member_rewards WHERE member_id = OLD.id), 0)
    FROM (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
    LEFT JOIN stores s ON s.id = OLD.home_store WHERE k.k < 2 OR s.region <> ''
    ON CONFLICT(place, day, tier) DO UPDATE SET members = members + excluded.members,
      net = net + excluded.net;
END;
-- A store's rows leave its old region's and join its new region's.
CREATE TRIGGER rewards_days_store_region AFTER UPDATE OF region ON stores
  WHEN OLD.region IS NOT NEW.region BEGIN
  INSERT INTO rewards_days(place, day, tier, members, net, issued, redeemed, expired, gestures,
    shown, held_out, accepted, cost_cents)
    SELECT p.place, t.day, t.tier, p.sign * t.members, p.sign * t.net, p.sign * t.issued,
      p.sign * t.redeemed, p.sign * t.expired, p.sign * t.gestures, p.sign * t.shown,
      p.sign * t.held_out, p.sign * t.accepted, p.sign * t.cost_cents
    FROM rewards_days t JOIN (SELECT 'r:' || OLD.region AS place, -1 AS sign
          WHERE OLD.region <> '' UNION ALL SELECT 'r:' || NEW.region, 1 WHERE NEW.region <> '') p
    WHERE t.place = 's:' || NEW.id
    ON CONFLICT(place, day, tier) DO UPDATE SET members = members + excluded.members,
      net = net + excluded.net, issued = issued + excluded.issued,
      redeemed = redeemed + excluded.redeemed, expired = expired + excluded.expired,
      gestures = gestures + excluded.gestures, shown = shown + excluded.shown,
      held_out = held_out + excluded.held_out, accepted = accepted + excluded.accepted,
      cost_cents = cost_cents + excluded.cost_cents;
END;
)sql"},
    // The members report (docs/reports.md, "members") with a period: the members enrolled in
    // it, in order of enrollment, read from this index as they come (no sort, nothing held),
    // so a page of the first rows stays quick however many members there are.
    {27, R"sql(
CREATE INDEX members_enrolled_on ON members(enrolled_on);
)sql"},
}};

}  // namespace rapport::server
