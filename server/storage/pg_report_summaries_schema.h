// server/storage/pg_report_summaries_schema.h
//
// The SQL of the PostgreSQL migration that keeps cohort retention's and acquisition's
// summaries as SQLite migrations 23 and 24 do (docs/schema.md, "Server on PostgreSQL"):
// cohort_days and cohort_months, acquisition_days, the triggers that keep them as members,
// purchases and stores are written, and the backfill from what is already stored. Its own
// header so pg_schema.h only numbers it. The value refresh's save adds its snapshots' changes
// to acquisition_days (pg_acquisition_days.h).
//
// Differences from SQLite, for two server instances writing at once:
// - No chain-wide tables (SQLite's cohort_chain_days/months): every batch of purchases would
//   update the chain's row of its month, serialising the instances on it; the chain's view
//   sums the stores' cohort_months rows instead (months x stores x 13 rows).
// - Purchases are followed by statement-level triggers with transition tables (a sync batch
//   inserts hundreds of rows in one statement: one pass, not a trigger call per row);
//   members and stores, written a row at a time, by row triggers whose WHEN skips the
//   updates that do not concern them (a visit updates its member's counters).
// - Every summary upsert goes in key order (cohort_apply, acquisition_apply), so two
//   transactions touching the same rows take their locks in the same order.
// - `storage migrate` copies SQLite's summary rows with the rest, with every table's own
//   triggers off (chain_migration.cpp), so the copy of the members and purchases does not
//   add them again.
// The purchase triggers count "the member's first purchase of a month" against the committed
// rows: the event recorder locks a purchase's member (FOR NO KEY UPDATE) before storing it,
// so two instances storing purchases of one member take turns and the second sees the first's.

#pragma once

#include <string_view>

namespace rapport::server::pg {

inline constexpr std::string_view kReportSummariesMigration = R"sql(
CREATE FUNCTION rapport_month_number(day text) RETURNS integer LANGUAGE sql IMMUTABLE
  PARALLEL SAFE AS $$ SELECT substr(day, 1, 4)::integer * 12 + substr(day, 6, 2)::integer $$;
CREATE TABLE cohort_days (
  store_id TEXT COLLATE "C" NOT NULL,
  day      TEXT COLLATE "C" NOT NULL,
  k        INTEGER NOT NULL,
  members  BIGINT NOT NULL,
  PRIMARY KEY (store_id, day, k)
);
CREATE TABLE cohort_months (
  store_id TEXT COLLATE "C" NOT NULL,
  month    TEXT COLLATE "C" NOT NULL,
  k        INTEGER NOT NULL,
  members  BIGINT NOT NULL,
  PRIMARY KEY (store_id, month, k)
);
CREATE TABLE acquisition_days (
  scope   TEXT COLLATE "C" NOT NULL,
  day     TEXT COLLATE "C" NOT NULL,
  channel TEXT COLLATE "C" NOT NULL,
  members BIGINT NOT NULL DEFAULT 0,
  valued  BIGINT NOT NULL DEFAULT 0,
  lifetime_value_cents BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, day, channel)
);
-- The value save's one pass to learn where each member counts, as SQLite's.
CREATE INDEX members_acquired ON members(enrolled_on, channel, home_store)
  WHERE merged_into IS NULL;
-- Cohort retention's last day on record (max(day)) in one index step, as SQLite migration
-- 22's: without it every view without --to read every purchase (60 ms of a 100 ms view at
-- 412,741 purchases).
CREATE INDEX purchases_day ON purchases(day);

-- Backfill, as SQLite migration 23: k = 0 every member, k = 1..12 the members with a
-- purchase in the k-th month after their enrollment month.
INSERT INTO cohort_days(store_id, day, k, members)
  SELECT home_store, coalesce(enrolled_on, substr(created_at, 1, 10)), 0, count(*)
  FROM members GROUP BY 1, 2;
INSERT INTO cohort_days(store_id, day, k, members)
  SELECT store_id, day, k, count(*) FROM (SELECT DISTINCT m.home_store AS store_id,
      coalesce(m.enrolled_on, substr(m.created_at, 1, 10)) AS day, p.member_id,
      rapport_month_number(p.day)
        - rapport_month_number(coalesce(m.enrolled_on, substr(m.created_at, 1, 10))) AS k
    FROM members m JOIN purchases p ON p.member_id = m.id) x
  WHERE k BETWEEN 1 AND 12 GROUP BY 1, 2, 3;
INSERT INTO cohort_months(store_id, month, k, members)
  SELECT store_id, substr(day, 1, 7), k, sum(members) FROM cohort_days GROUP BY 1, 2, 3;
-- As SQLite migration 24.
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

-- Adds changes (store, cohort day, k, change in members) to both cohort tables, summed per
-- row and in key order (byte order, as the keys' collation), days first then months.
CREATE FUNCTION cohort_apply(stores text[], days text[], ks integer[], ns bigint[])
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO cohort_days AS c(store_id, day, k, members)
    SELECT u.s, u.d, u.k, sum(u.n) FROM (SELECT s COLLATE "C" AS s, d COLLATE "C" AS d, k, n
      FROM unnest(stores, days, ks, ns) AS x(s, d, k, n)) u
    GROUP BY u.s, u.d, u.k HAVING sum(u.n) <> 0 ORDER BY u.s, u.d, u.k
    ON CONFLICT (store_id, day, k) DO UPDATE SET members = c.members + excluded.members;
  INSERT INTO cohort_months AS c(store_id, month, k, members)
    SELECT u.s, u.m, u.k, sum(u.n) FROM (SELECT s COLLATE "C" AS s,
        substr(d, 1, 7) COLLATE "C" AS m, k, n FROM unnest(stores, days, ks, ns) AS x(s, d, k, n)) u
    GROUP BY u.s, u.m, u.k HAVING sum(u.n) <> 0 ORDER BY u.s, u.m, u.k
    ON CONFLICT (store_id, month, k) DO UPDATE SET members = c.members + excluded.members;
END $$;

-- A member's whole contribution at (store, cohort day): k = 0, and each month k = 1..12 in
-- which they have a purchase, times `sign`.
CREATE FUNCTION cohort_member_rows(member bigint, store text, cohort_day text, sign integer)
  RETURNS TABLE (store_id text, day text, k integer, n bigint) LANGUAGE sql STABLE AS $$
  SELECT store, cohort_day, 0, sign::bigint
  UNION ALL
  SELECT store, cohort_day, x.k, sign::bigint FROM (SELECT DISTINCT
      rapport_month_number(p.day) - rapport_month_number(cohort_day) AS k
    FROM purchases p WHERE p.member_id = member
    AND p.day >= substr(cohort_day, 1, 7) || '-01') x
  WHERE x.k BETWEEN 1 AND 12
$$;
CREATE FUNCTION cohort_member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM cohort_apply(array_agg(r.store_id), array_agg(r.day), array_agg(r.k), array_agg(r.n))
    FROM cohort_member_rows(NEW.id, NEW.home_store,
      coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 1) r;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM cohort_apply(array_agg(r.store_id), array_agg(r.day), array_agg(r.k), array_agg(r.n))
    FROM (SELECT * FROM cohort_member_rows(OLD.id, OLD.home_store,
            coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), -1)
          UNION ALL SELECT * FROM cohort_member_rows(NEW.id, NEW.home_store,
            coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)), 1)) r;
  ELSE
    PERFORM cohort_apply(array_agg(r.store_id), array_agg(r.day), array_agg(r.k), array_agg(r.n))
    FROM cohort_member_rows(OLD.id, OLD.home_store,
      coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10)), -1) r;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER cohort_member_new AFTER INSERT ON members
  FOR EACH ROW EXECUTE FUNCTION cohort_member_changed();
CREATE TRIGGER cohort_member_moved AFTER UPDATE OF home_store, enrolled_on, created_at ON members
  FOR EACH ROW WHEN (OLD.home_store IS DISTINCT FROM NEW.home_store
    OR coalesce(OLD.enrolled_on, substr(OLD.created_at, 1, 10))
       IS DISTINCT FROM coalesce(NEW.enrolled_on, substr(NEW.created_at, 1, 10)))
  EXECUTE FUNCTION cohort_member_changed();
CREATE TRIGGER cohort_member_gone AFTER DELETE ON members
  FOR EACH ROW EXECUTE FUNCTION cohort_member_changed();

-- Purchases: each (member, month) whose having a purchase changed counts its member in (+1)
-- or out (-1) of that month, at the member's store and cohort day now, when the month is
-- 1..12 months after their enrollment month. Refunds and voids change no member or day.
CREATE FUNCTION cohort_count_months(ids bigint[], months text[], ns bigint[])
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cohort_apply(array_agg(x.store_id), array_agg(x.day), array_agg(x.k), array_agg(x.n))
  FROM (SELECT m.home_store AS store_id, c.day,
          rapport_month_number(u.month) - rapport_month_number(c.day) AS k, u.n
        FROM unnest(ids, months, ns) AS u(member_id, month, n)
        JOIN members m ON m.id = u.member_id
        CROSS JOIN LATERAL (SELECT coalesce(m.enrolled_on, substr(m.created_at, 1, 10)) AS day) c
        WHERE u.n <> 0) x
  WHERE x.k BETWEEN 1 AND 12;
END $$;
CREATE FUNCTION cohort_purchases_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A month counts when the statement's purchases are the member's only ones in it.
  PERFORM cohort_count_months(array_agg(a.member_id), array_agg(a.month), array_agg(1::bigint))
  FROM (SELECT DISTINCT member_id, substr(day, 1, 7) AS month FROM added
        WHERE member_id IS NOT NULL) a
  WHERE NOT EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = a.member_id
    AND p.day BETWEEN a.month || '-01' AND a.month || '-31'
    AND NOT EXISTS (SELECT 1 FROM added n WHERE n.event_id = p.event_id));
  RETURN NULL;
END $$;
CREATE FUNCTION cohort_purchases_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Had a purchase in the month before (one the statement left alone, or one it moved away)
  -- against has one now.
  PERFORM cohort_count_months(array_agg(a.member_id), array_agg(a.month),
    array_agg((CASE WHEN a.has_now THEN 1 ELSE 0 END - CASE WHEN a.had_before THEN 1 ELSE 0 END)::bigint))
  FROM (SELECT pm.member_id, pm.month,
          EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = pm.member_id
            AND p.day BETWEEN pm.month || '-01' AND pm.month || '-31') AS has_now,
          EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = pm.member_id
            AND p.day BETWEEN pm.month || '-01' AND pm.month || '-31'
            AND NOT EXISTS (SELECT 1 FROM moved n WHERE n.event_id = p.event_id))
          OR EXISTS (SELECT 1 FROM was o WHERE o.member_id = pm.member_id
            AND substr(o.day, 1, 7) = pm.month) AS had_before
        FROM (SELECT o.member_id, substr(o.day, 1, 7) AS month FROM was o JOIN moved n
                USING (event_id)
              WHERE o.member_id IS NOT NULL AND (o.member_id IS DISTINCT FROM n.member_id
                OR o.day IS DISTINCT FROM n.day)
              UNION
              SELECT n.member_id, substr(n.day, 1, 7) FROM was o JOIN moved n USING (event_id)
              WHERE n.member_id IS NOT NULL AND (o.member_id IS DISTINCT FROM n.member_id
                OR o.day IS DISTINCT FROM n.day)) pm) a
  WHERE a.has_now <> a.had_before;
  RETURN NULL;
END $$;
CREATE FUNCTION cohort_purchases_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cohort_count_months(array_agg(a.member_id), array_agg(a.month), array_agg(-1::bigint))
  FROM (SELECT DISTINCT member_id, substr(day, 1, 7) AS month FROM removed
        WHERE member_id IS NOT NULL) a
  WHERE NOT EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = a.member_id
    AND p.day BETWEEN a.month || '-01' AND a.month || '-31');
  RETURN NULL;
END $$;
CREATE TRIGGER cohort_purchases_added AFTER INSERT ON purchases
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION cohort_purchases_added();
-- Every UPDATE statement (a trigger with transition tables takes no column list): a refund's
-- changes no member or day and finds nothing to count.
CREATE TRIGGER cohort_purchases_moved AFTER UPDATE ON purchases
  REFERENCING OLD TABLE AS was NEW TABLE AS moved FOR EACH STATEMENT
  EXECUTE FUNCTION cohort_purchases_moved();
CREATE TRIGGER cohort_purchases_gone AFTER DELETE ON purchases
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION cohort_purchases_gone();

-- acquisition_days: a member's contribution (1, whether valued, their lifetime value) at
-- their enrollment day and channel, in the chain ('') and their store's region, times `sign`;
-- nothing for a member merged away.
CREATE FUNCTION acquisition_member_rows(member bigint, store text, enrolled text, chan text,
    merged bigint, sign integer)
  RETURNS TABLE (scope text, day text, channel text, members bigint, valued bigint,
    cents bigint) LANGUAGE sql STABLE AS $$
  SELECT p.scope, coalesce(enrolled, ''), coalesce(chan, ''), sign::bigint,
    sign * (SELECT count(*) FROM value_snapshots WHERE member_id = member),
    sign * coalesce((SELECT lifetime_value_cents FROM value_snapshots WHERE member_id = member), 0)
  FROM (SELECT ''::text AS scope UNION ALL
        SELECT region FROM stores WHERE id = store AND region <> '') p
  WHERE merged IS NULL
$$;
-- Adds changes to acquisition_days, summed per row and in key order.
CREATE FUNCTION acquisition_apply(scopes text[], days text[], channels text[], ms bigint[],
    vs bigint[], cs bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO acquisition_days AS a(scope, day, channel, members, valued, lifetime_value_cents)
    SELECT u.s, u.d, u.c, sum(u.m), sum(u.v), sum(u.ce)
    FROM (SELECT s COLLATE "C" AS s, d COLLATE "C" AS d, c COLLATE "C" AS c, m, v, ce
      FROM unnest(scopes, days, channels, ms, vs, cs) AS x(s, d, c, m, v, ce)) u
    GROUP BY u.s, u.d, u.c HAVING sum(u.m) <> 0 OR sum(u.v) <> 0 OR sum(u.ce) <> 0
    ORDER BY u.s, u.d, u.c
    ON CONFLICT (scope, day, channel) DO UPDATE SET members = a.members + excluded.members,
      valued = a.valued + excluded.valued,
      lifetime_value_cents = a.lifetime_value_cents + excluded.lifetime_value_cents;
END $$;
CREATE FUNCTION acquisition_member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM acquisition_apply(array_agg(r.scope), array_agg(r.day), array_agg(r.channel),
      array_agg(r.members), array_agg(r.valued), array_agg(r.cents))
    FROM acquisition_member_rows(NEW.id, NEW.home_store, NEW.enrolled_on, NEW.channel,
      NEW.merged_into, 1) r;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM acquisition_apply(array_agg(r.scope), array_agg(r.day), array_agg(r.channel),
      array_agg(r.members), array_agg(r.valued), array_agg(r.cents))
    FROM (SELECT * FROM acquisition_member_rows(OLD.id, OLD.home_store, OLD.enrolled_on,
            OLD.channel, OLD.merged_into, -1)
          UNION ALL SELECT * FROM acquisition_member_rows(NEW.id, NEW.home_store,
            NEW.enrolled_on, NEW.channel, NEW.merged_into, 1)) r;
  ELSE
    PERFORM acquisition_apply(array_agg(r.scope), array_agg(r.day), array_agg(r.channel),
      array_agg(r.members), array_agg(r.valued), array_agg(r.cents))
    FROM acquisition_member_rows(OLD.id, OLD.home_store, OLD.enrolled_on, OLD.channel,
      OLD.merged_into, -1) r;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER acquisition_member_new AFTER INSERT ON members
  FOR EACH ROW EXECUTE FUNCTION acquisition_member_changed();
CREATE TRIGGER acquisition_member_moved AFTER UPDATE OF home_store, enrolled_on, channel,
  merged_into ON members
  FOR EACH ROW WHEN (OLD.home_store IS DISTINCT FROM NEW.home_store
    OR OLD.enrolled_on IS DISTINCT FROM NEW.enrolled_on OR OLD.channel IS DISTINCT FROM NEW.channel
    OR OLD.merged_into IS DISTINCT FROM NEW.merged_into)
  EXECUTE FUNCTION acquisition_member_changed();
CREATE TRIGGER acquisition_member_gone AFTER DELETE ON members
  FOR EACH ROW EXECUTE FUNCTION acquisition_member_changed();
-- A store's members leave its old region's rows and join its new region's.
CREATE FUNCTION acquisition_store_region() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM acquisition_apply(array_agg(r.scope), array_agg(r.day), array_agg(r.channel),
    array_agg(r.members), array_agg(r.valued), array_agg(r.cents))
  FROM (SELECT x.scope, coalesce(m.enrolled_on, '') AS day, coalesce(m.channel, '') AS channel,
          x.sign * count(*) AS members, x.sign * count(v.member_id) AS valued,
          (x.sign * coalesce(sum(v.lifetime_value_cents), 0))::bigint AS cents
        FROM (VALUES (OLD.region, -1), (NEW.region, 1)) AS x(scope, sign)
        JOIN members m ON m.home_store = NEW.id AND m.merged_into IS NULL
        LEFT JOIN value_snapshots v ON v.member_id = m.id
        WHERE x.scope <> ''
        GROUP BY x.scope, x.sign, 2, 3) r;
  RETURN NULL;
END $$;
CREATE TRIGGER acquisition_store_region AFTER UPDATE OF region ON stores
  FOR EACH ROW WHEN (OLD.region IS DISTINCT FROM NEW.region)
  EXECUTE FUNCTION acquisition_store_region();
)sql";

}  // namespace rapport::server::pg
