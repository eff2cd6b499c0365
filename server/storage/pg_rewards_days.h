// server/storage/pg_rewards_days.h
//
// rewards_days on PostgreSQL (PostgreSQL migration 12; docs/schema.md), the twin of SQLite
// migration 26 with the same rows: per place ('' the chain, 's:' || store, 'r:' || region),
// day and value tier, the rewards flows of that day by the tier the member had then, and
// `members` and `net` points whose sums up to a day are the members and outstanding points
// at its end. Read by the rewards report (server/reports/rewards.cpp).
//
// Kept like SQLite's: triggers follow the ledger, offer events, reward costs, home-store
// moves, merges and region changes; tier changes come from the value refresh's save (below),
// as RewardsTierMoves does on SQLite. Where bulk writes happen (ledger entries, offers,
// reward costs, new members) the triggers are statement-level over transition tables, and
// every write goes through rewards_days_add(), which adds a statement's changes per key in
// key order: two statements of two server instances wait for each other, never deadlock on
// these rows. A transaction that adds twice (a run's ledger entries, then its offers) can
// still meet another in the opposite order; the event recorder tries such a batch again, as
// any deadlock. The value save adds its tier moves last, after locking members, in the
// order the ledger's writers lock them (members, then rewards_days). The rare single-row changes (moves, merges, regions) are row-level triggers
// whose WHEN clause leaves the ingest's member updates alone.
//
// One difference from SQLite: tier_history has no rowid on PostgreSQL, so two tier changes
// of one member stamped the same millisecond are ordered by nothing (a refresh stamps each
// member once; two refreshes in one millisecond do not happen).
//
// Thread-safety: as the Connection, inside the refresh's transaction.

#pragma once

#include <string>
#include <string_view>

#include "server/storage/pg_connection.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// PostgreSQL migration 12 (pg_schema.h lists it): the table, rewards_days_add(), the
// triggers, and rewards_days_rebuild(), which refills the table from what is stored (every
// member counted at their home store now, as SQLite migration 26's backfill) and which the
// migration calls once. Its text is at the end of this file.
// Requires: value_save holds the refresh's snapshots and value_snapshots the previous ones.
// Leaves each moving member's old and new tier in the temporary table rewards_moves (dropped
// at commit); where they count and their balance are read when the moves are written.
[[nodiscard]] Result<void> stage_rewards_moves(Connection& db);

// Moves the staged members, counted at their home store now with their balance now, from
// their old tier to their new one on `day` (YYYY-MM-DD, the day tier_history is stamped
// with): a few thousand rows at most. Requires: stage_rewards_moves ran in this transaction;
// called after the save has locked and updated the moving members, so no sale, move or merge
// of theirs can commit between this read and the save's commit, and as the ledger's writers
// lock a run's members before their postings' triggers reach rewards_days.
[[nodiscard]] Result<void> write_rewards_moves(Connection& db, const std::string& day);

inline constexpr std::string_view kPgRewardsDaysMigration = R"sql(
CREATE TABLE rewards_days (
  place      TEXT COLLATE "C" NOT NULL,
  day        TEXT COLLATE "C" NOT NULL,
  tier       TEXT COLLATE "C" NOT NULL,
  members    BIGINT NOT NULL DEFAULT 0,
  net        BIGINT NOT NULL DEFAULT 0,
  issued     BIGINT NOT NULL DEFAULT 0,
  redeemed   BIGINT NOT NULL DEFAULT 0,
  expired    BIGINT NOT NULL DEFAULT 0,
  gestures   BIGINT NOT NULL DEFAULT 0,
  shown      BIGINT NOT NULL DEFAULT 0,
  held_out   BIGINT NOT NULL DEFAULT 0,
  accepted   BIGINT NOT NULL DEFAULT 0,
  cost_cents BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (place, day, tier)
);
-- Adds changes given per store (`place` holds the store's id) to the chain's, the store's
-- and its region's rows, summed per key and upserted in key order: no deadlock between two
-- writers, and no key twice in one upsert.
CREATE FUNCTION rewards_days_add(changes rewards_days[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO rewards_days AS t (place, day, tier, members, net, issued, redeemed, expired,
    gestures, shown, held_out, accepted, cost_cents)
  SELECT p.place, c.day, c.tier, sum(c.members), sum(c.net), sum(c.issued), sum(c.redeemed),
    sum(c.expired), sum(c.gestures), sum(c.shown), sum(c.held_out), sum(c.accepted),
    sum(c.cost_cents)
  FROM unnest(changes) c LEFT JOIN stores s ON s.id = c.place
  CROSS JOIN LATERAL (VALUES (''), ('s:' || c.place), ('r:' || nullif(s.region, ''))) p(place)
  WHERE p.place IS NOT NULL
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (place, day, tier) DO UPDATE SET members = t.members + excluded.members,
    net = t.net + excluded.net, issued = t.issued + excluded.issued,
    redeemed = t.redeemed + excluded.redeemed, expired = t.expired + excluded.expired,
    gestures = t.gestures + excluded.gestures, shown = t.shown + excluded.shown,
    held_out = t.held_out + excluded.held_out, accepted = t.accepted + excluded.accepted,
    cost_cents = t.cost_cents + excluded.cost_cents
$$;
-- The member's value tier at a time ('none' before their first).
CREATE FUNCTION rewards_tier_at(BIGINT, TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = $1
    AND h.changed_at <= $2 ORDER BY h.changed_at DESC LIMIT 1), 'none')
$$;
-- Today (UTC), as SQLite's date('now').
CREATE FUNCTION rewards_today() RETURNS TEXT LANGUAGE sql STABLE AS $$
  SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')
$$;
-- The statement-level triggers below look up each of the statement's rows by key (its
-- posting, member, tier then): without hash or merge joins, so their cost follows the
-- statement's rows, never the tables' (with them, a batch of 250 ledger entries on a chain of
-- 20,000 members was planned as scans of members and postings: 24 ms instead of 5). The
-- settings hold while the function runs, not after.
-- Ledger entries: their flows on their day by the member's tier then; moved with the balance
-- at each of the member's tier changes after it (usually none: one index probe).
CREATE FUNCTION rewards_days_points() RETURNS trigger LANGUAGE plpgsql
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
  PERFORM rewards_days_add(ARRAY(
    SELECT ROW(m.home_store, substr(p.occurred_at, 1, 10),
      rewards_tier_at(e.member_id, p.occurred_at), 0, e.points,
      CASE WHEN p.kind IN ('earn', 'bonus') THEN e.points ELSE 0 END,
      CASE WHEN p.kind = 'redemption' THEN -e.points ELSE 0 END,
      CASE WHEN p.kind = 'expiry' THEN -e.points ELSE 0 END,
      CASE WHEN p.cause LIKE 'gesture:%' THEN e.points ELSE 0 END, 0, 0, 0, 0)::rewards_days
    FROM new_entries e JOIN points_postings p ON p.id = e.posting_id
    JOIN members m ON m.id = e.member_id
    UNION ALL
    SELECT ROW(m.home_store, substr(h.changed_at, 1, 10),
      CASE WHEN side.sign < 0 THEN coalesce(before.tier, 'none') ELSE h.tier END, 0,
      side.sign * e.points, 0, 0, 0, 0, 0, 0, 0, 0)::rewards_days
    FROM new_entries e JOIN points_postings p ON p.id = e.posting_id
    JOIN members m ON m.id = e.member_id
    JOIN tier_history h ON h.member_id = e.member_id AND h.changed_at > p.occurred_at
    LEFT JOIN LATERAL (SELECT q.tier FROM tier_history q WHERE q.member_id = h.member_id
      AND q.changed_at < h.changed_at ORDER BY q.changed_at DESC LIMIT 1) before ON true
    CROSS JOIN (VALUES (-1), (1)) side(sign)
    WHERE coalesce(before.tier, 'none') <> h.tier));
  RETURN NULL;
END $$;
CREATE TRIGGER rewards_days_points AFTER INSERT ON points_entries
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION rewards_days_points();
-- Offers and rewards handed over: on their day, by the member's tier then. A merge moves
-- them to the survivor but not here: they stay where they happened. A changed outcome or
-- cost counts at the member's home store now.
CREATE FUNCTION rewards_days_offers() RETURNS trigger LANGUAGE plpgsql
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM rewards_days_add(ARRAY(
      SELECT ROW(m.home_store, substr(n.at, 1, 10), rewards_tier_at(n.member_id, n.at),
        0, 0, 0, 0, 0, 0, (n.outcome = 'shown')::int, (n.outcome = 'held_out')::int,
        (n.outcome = 'accepted')::int, 0)::rewards_days
      FROM new_offers n JOIN members m ON m.id = n.member_id));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM rewards_days_add(ARRAY(
      SELECT ROW(m.home_store, substr(n.at, 1, 10), rewards_tier_at(n.member_id, n.at),
        0, 0, 0, 0, 0, 0, (n.outcome = 'shown')::int - (o.outcome = 'shown')::int,
        (n.outcome = 'held_out')::int - (o.outcome = 'held_out')::int,
        (n.outcome = 'accepted')::int - (o.outcome = 'accepted')::int, 0)::rewards_days
      FROM new_offers n JOIN old_offers o ON o.id = n.id JOIN members m ON m.id = n.member_id
      WHERE o.outcome IS DISTINCT FROM n.outcome));
  ELSE
    PERFORM rewards_days_add(ARRAY(
      SELECT ROW(m.home_store, substr(o.at, 1, 10), rewards_tier_at(o.member_id, o.at),
        0, 0, 0, 0, 0, 0, -(o.outcome = 'shown')::int, -(o.outcome = 'held_out')::int,
        -(o.outcome = 'accepted')::int, 0)::rewards_days
      FROM old_offers o JOIN members m ON m.id = o.member_id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rewards_days_offer AFTER INSERT ON offer_events
  REFERENCING NEW TABLE AS new_offers FOR EACH STATEMENT EXECUTE FUNCTION rewards_days_offers();
CREATE TRIGGER rewards_days_offer_changed AFTER UPDATE ON offer_events
  REFERENCING OLD TABLE AS old_offers NEW TABLE AS new_offers
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_days_offers();
CREATE TRIGGER rewards_days_offer_gone AFTER DELETE ON offer_events
  REFERENCING OLD TABLE AS old_offers FOR EACH STATEMENT EXECUTE FUNCTION rewards_days_offers();
CREATE FUNCTION rewards_days_costs() RETURNS trigger LANGUAGE plpgsql
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM rewards_days_add(ARRAY(
      SELECT ROW(m.home_store, substr(n.occurred_at, 1, 10),
        rewards_tier_at(n.member_id, n.occurred_at), 0, 0, 0, 0, 0, 0, 0, 0, 0,
        n.cost_cents)::rewards_days
      FROM new_costs n JOIN members m ON m.id = n.member_id));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM rewards_days_add(ARRAY(
      SELECT ROW(m.home_store, substr(n.occurred_at, 1, 10),
        rewards_tier_at(n.member_id, n.occurred_at), 0, 0, 0, 0, 0, 0, 0, 0, 0,
        n.cost_cents - o.cost_cents)::rewards_days
      FROM new_costs n JOIN old_costs o ON o.event_id = n.event_id
      JOIN members m ON m.id = n.member_id WHERE o.cost_cents <> n.cost_cents));
  ELSE
    PERFORM rewards_days_add(ARRAY(
      SELECT ROW(m.home_store, substr(o.occurred_at, 1, 10),
        rewards_tier_at(o.member_id, o.occurred_at), 0, 0, 0, 0, 0, 0, 0, 0, 0,
        -o.cost_cents)::rewards_days
      FROM old_costs o JOIN members m ON m.id = o.member_id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rewards_days_cost AFTER INSERT ON reward_costs
  REFERENCING NEW TABLE AS new_costs FOR EACH STATEMENT EXECUTE FUNCTION rewards_days_costs();
CREATE TRIGGER rewards_days_cost_changed AFTER UPDATE ON reward_costs
  REFERENCING OLD TABLE AS old_costs NEW TABLE AS new_costs
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_days_costs();
CREATE TRIGGER rewards_days_cost_gone AFTER DELETE ON reward_costs
  REFERENCING OLD TABLE AS old_costs FOR EACH STATEMENT EXECUTE FUNCTION rewards_days_costs();
-- A member counts from their enrollment day, in no tier until their first.
CREATE FUNCTION rewards_days_members_new() RETURNS trigger LANGUAGE plpgsql
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
  PERFORM rewards_days_add(ARRAY(
    SELECT ROW(n.home_store, coalesce(n.enrolled_on, substr(n.created_at, 1, 10)),
      coalesce(n.value_tier, 'none'), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)::rewards_days
    FROM new_members n WHERE n.merged_into IS NULL));
  RETURN NULL;
END $$;
CREATE TRIGGER rewards_days_member_new AFTER INSERT ON members
  REFERENCING NEW TABLE AS new_members FOR EACH STATEMENT
  EXECUTE FUNCTION rewards_days_members_new();
-- A move of home store, a merge (on its day) or a deletion: the member and their balance
-- leave where they counted and join where they count now (nowhere once merged away).
CREATE FUNCTION rewards_days_member_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  balance BIGINT := 0;
  moved_on TEXT := rewards_today();
BEGIN
  IF TG_OP = 'UPDATE' THEN
    balance := coalesce((SELECT sum(points) FROM points_entries WHERE member_id = NEW.id), 0);
    IF OLD.merged_into IS DISTINCT FROM NEW.merged_into AND NEW.merged_at IS NOT NULL THEN
      moved_on := substr(NEW.merged_at, 1, 10);
    END IF;
    PERFORM rewards_days_add(ARRAY(
      SELECT ROW(x.store, moved_on, x.tier, x.sign, x.sign * balance, 0, 0, 0, 0, 0, 0, 0,
        0)::rewards_days
      FROM (SELECT OLD.home_store AS store, coalesce(OLD.value_tier, 'none') AS tier, -1 AS sign
            WHERE OLD.merged_into IS NULL
            UNION ALL SELECT NEW.home_store, coalesce(NEW.value_tier, 'none'), 1
            WHERE NEW.merged_into IS NULL) x));
  ELSE
    balance := coalesce((SELECT sum(points) FROM points_entries WHERE member_id = OLD.id), 0);
    PERFORM rewards_days_add(ARRAY[ROW(OLD.home_store, moved_on, coalesce(OLD.value_tier, 'none'),
      -1, -balance, 0, 0, 0, 0, 0, 0, 0, 0)::rewards_days]);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rewards_days_member_moved AFTER UPDATE OF home_store, merged_into ON members
  FOR EACH ROW WHEN (OLD.home_store IS DISTINCT FROM NEW.home_store
    OR OLD.merged_into IS DISTINCT FROM NEW.merged_into)
  EXECUTE FUNCTION rewards_days_member_moved();
CREATE TRIGGER rewards_days_member_gone AFTER DELETE ON members
  FOR EACH ROW WHEN (OLD.merged_into IS NULL) EXECUTE FUNCTION rewards_days_member_moved();
-- A store's rows leave its old region's and join its new region's.
CREATE FUNCTION rewards_days_store_region() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rewards_days AS r (place, day, tier, members, net, issued, redeemed, expired,
    gestures, shown, held_out, accepted, cost_cents)
  SELECT p.place, t.day, t.tier, p.sign * t.members, p.sign * t.net, p.sign * t.issued,
    p.sign * t.redeemed, p.sign * t.expired, p.sign * t.gestures, p.sign * t.shown,
    p.sign * t.held_out, p.sign * t.accepted, p.sign * t.cost_cents
  FROM rewards_days t JOIN (SELECT 'r:' || OLD.region AS place, -1 AS sign
        WHERE OLD.region <> '' UNION ALL SELECT 'r:' || NEW.region, 1 WHERE NEW.region <> '') p
    ON true
  WHERE t.place = 's:' || NEW.id
  ORDER BY 1, 2, 3
  ON CONFLICT (place, day, tier) DO UPDATE SET members = r.members + excluded.members,
    net = r.net + excluded.net, issued = r.issued + excluded.issued,
    redeemed = r.redeemed + excluded.redeemed, expired = r.expired + excluded.expired,
    gestures = r.gestures + excluded.gestures, shown = r.shown + excluded.shown,
    held_out = r.held_out + excluded.held_out, accepted = r.accepted + excluded.accepted,
    cost_cents = r.cost_cents + excluded.cost_cents;
  RETURN NULL;
END $$;
CREATE TRIGGER rewards_days_store_region AFTER UPDATE OF region ON stores
  FOR EACH ROW WHEN (OLD.region IS DISTINCT FROM NEW.region)
  EXECUTE FUNCTION rewards_days_store_region();
-- Refills the table from the ledger, offers, reward costs, members and tier_history (the
-- member's home store now: where they were before is not kept), as SQLite migration 26's
-- backfill.
CREATE FUNCTION rewards_days_rebuild() RETURNS void LANGUAGE sql AS $$
DELETE FROM rewards_days;
WITH history AS (
  SELECT member_id, changed_at, tier, coalesce(LAG(tier) OVER
    (PARTITION BY member_id ORDER BY changed_at), 'none') AS from_tier FROM tier_history),
changes AS (SELECT member_id, changed_at, substr(changed_at, 1, 10) AS day, from_tier,
  tier AS to_tier FROM history WHERE from_tier <> tier),
flows(member_id, day, tier, members, net, issued, redeemed, expired, gestures, shown, held_out,
    accepted, cost_cents) AS (
  SELECT e.member_id, substr(p.occurred_at, 1, 10), rewards_tier_at(e.member_id, p.occurred_at),
    0, e.points, CASE WHEN p.kind IN ('earn', 'bonus') THEN e.points ELSE 0 END,
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
  FROM changes c CROSS JOIN (VALUES (-1), (1)) side(sign)
  JOIN members m ON m.id = c.member_id
  WHERE m.merged_into IS NULL OR c.changed_at < m.merged_at
  UNION ALL
  SELECT id, coalesce(enrolled_on, substr(created_at, 1, 10)), 'none', 1, 0, 0, 0, 0, 0, 0, 0,
    0, 0 FROM members
  UNION ALL
  SELECT m.id, substr(m.merged_at, 1, 10), rewards_tier_at(m.id, m.merged_at), -1,
    -coalesce((SELECT sum(points) FROM points_entries WHERE member_id = m.id), 0),
    0, 0, 0, 0, 0, 0, 0, 0
  FROM members m WHERE m.merged_into IS NOT NULL
  UNION ALL
  SELECT o.member_id, substr(o.at, 1, 10), rewards_tier_at(o.member_id, o.at), 0, 0, 0, 0, 0,
    0, (o.outcome = 'shown')::int, (o.outcome = 'held_out')::int,
    (o.outcome = 'accepted')::int, 0
  FROM offer_events o
  UNION ALL
  SELECT r.member_id, substr(r.occurred_at, 1, 10), rewards_tier_at(r.member_id, r.occurred_at),
    0, 0, 0, 0, 0, 0, 0, 0, 0, r.cost_cents
  FROM reward_costs r WHERE r.member_id IS NOT NULL)
SELECT rewards_days_add(ARRAY(
  SELECT ROW(m.home_store, f.day, f.tier, sum(f.members), sum(f.net), sum(f.issued),
    sum(f.redeemed), sum(f.expired), sum(f.gestures), sum(f.shown), sum(f.held_out),
    sum(f.accepted), sum(f.cost_cents))::rewards_days
  FROM flows f JOIN members m ON m.id = f.member_id GROUP BY m.home_store, f.day, f.tier));
$$;
SELECT rewards_days_rebuild();
)sql";

}  // namespace rapport::server::pg
