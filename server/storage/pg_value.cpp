// server/storage/pg_value.cpp
#include "server/storage/pg_value.h"

#include <algorithm>
#include <cmath>

#include "server/storage/pg_acquisition_days.h"
#include "server/storage/pg_members.h"
#include "server/storage/pg_rewards_days.h"
#include "server/storage/pg_store_equity.h"
#include "server/storage/pg_tier_checkpoints.h"
#include "server/storage/value_rows.h"
#include "shared/util/clock.h"

namespace rapport::server::pg {
namespace {

using value_rows::day_of;

// Each member's inputs, notes counted and three largest categories ("category:cents,...",
// largest first; an equal spend goes by category, as SQLite's pass in key order keeps the
// first) in one statement. `filter` narrows every part to the ids of $1.
std::string inputs_sql(bool filter) {
  const std::string notes_where = filter ? " AND member_id = ANY($1::bigint[])" : "";
  const std::string categories_where = filter ? " WHERE member_id = ANY($1::bigint[])" : "";
  const std::string members_where = filter ? " WHERE m.id = ANY($1::bigint[])" : "";
  return "WITH noted AS (SELECT member_id, "
         "  count(*) FILTER (WHERE topic = 'advocacy') AS advocacy, "
         "  count(*) FILTER (WHERE topic = 'feedback') AS feedback "
         "  FROM notes WHERE member_id IS NOT NULL" +
         notes_where +
         " GROUP BY member_id), "
         "ranked AS (SELECT member_id, category, spend_cents, row_number() OVER "
         "  (PARTITION BY member_id ORDER BY spend_cents DESC, category) AS place "
         "  FROM member_categories" +
         categories_where +
         "), "
         "tops AS (SELECT member_id, string_agg(category || ':' || spend_cents, ',' "
         "  ORDER BY place) AS top FROM ranked WHERE place <= 3 GROUP BY member_id) "
         "SELECT m.id, m.purchase_days, m.first_purchase_day, m.last_purchase_day, "
         "m.revenue_cents, m.margin_cents, m.visit_count, m.referred_by, m.home_store, "
         "coalesce(n.advocacy, 0), coalesce(n.feedback, 0), t.top "
         "FROM members m LEFT JOIN noted n ON n.member_id = m.id "
         "LEFT JOIN tops t ON t.member_id = m.id" +
         members_where + " ORDER BY m.id";
}

std::vector<value::MemberValueInput> inputs_from(const Rows& rows) {
  std::vector<value::MemberValueInput> inputs;
  inputs.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    value::MemberValueInput in;
    in.member_id = rows.int64(r, 0);
    in.purchase_days = rows.int64(r, 1);
    in.first_purchase = day_of(rows.optional_text(r, 2));
    in.last_purchase = day_of(rows.optional_text(r, 3));
    in.revenue_cents = rows.int64(r, 4);
    // Margins are summed only from lines that carried one: 0 means none were sent.
    if (const auto margin = rows.int64(r, 5); margin != 0) in.margin_cents = margin;
    in.visits = rows.int64(r, 6);
    in.referred_by = rows.optional_int64(r, 7);
    in.home_store = rows.text(r, 8);
    in.advocacy_notes = rows.int64(r, 9);
    in.feedback_notes = rows.int64(r, 10);
    in.top_categories = rows.text(r, 11);
    inputs.push_back(std::move(in));
  }
  return inputs;
}

// The staging table a save copies its snapshots into; frequency, recency and age (what the
// model saw) are NULL for a member without purchases.
constexpr std::string_view kCreateStaging =
    "CREATE TEMPORARY TABLE value_save ("
    "member_id BIGINT NOT NULL, historic_value_cents BIGINT NOT NULL, "
    "historic_revenue_cents BIGINT NOT NULL, expected_visits DOUBLE PRECISION NOT NULL, "
    "expected_spend_cents BIGINT NOT NULL, p_alive DOUBLE PRECISION NOT NULL, "
    "lifetime_value_cents BIGINT NOT NULL, referral_value_cents BIGINT NOT NULL, "
    "advocacy_value_cents BIGINT NOT NULL, total_value_cents BIGINT NOT NULL, "
    "tier TEXT COLLATE \"C\" NOT NULL, rfm TEXT COLLATE \"C\" NOT NULL, "
    "segment TEXT COLLATE \"C\" NOT NULL, rhythm_days DOUBLE PRECISION, "
    "at_risk BOOLEAN NOT NULL, top_categories TEXT COLLATE \"C\", "
    "frequency DOUBLE PRECISION, recency DOUBLE PRECISION, age DOUBLE PRECISION"
    ") ON COMMIT DROP";

void append_field(std::string& row, const std::string& text) {
  append_copy_field(row, std::optional<std::string_view>(text));
  row += '\t';
}

void append_snapshot_row(std::string& row, const value::ValueSnapshot& s) {
  append_field(row, std::to_string(s.member_id));
  append_field(row, std::to_string(s.historic_value_cents));
  append_field(row, std::to_string(s.historic_revenue_cents));
  append_field(row, real_text(s.expected_visits));
  append_field(row, std::to_string(s.expected_spend_cents));
  append_field(row, real_text(s.p_alive));
  append_field(row, std::to_string(s.lifetime_value_cents));
  append_field(row, std::to_string(s.referral_value_cents));
  append_field(row, std::to_string(s.advocacy_value_cents));
  append_field(row, std::to_string(s.total_value_cents));
  append_field(row, std::string(value::to_string(s.tier)));
  append_field(row, s.rfm);
  append_field(row, s.segment);
  if (s.rhythm_days) {
    append_field(row, real_text(*s.rhythm_days));
  } else {
    row += "\\N\t";
  }
  append_field(row, s.at_risk ? "t" : "f");
  append_field(row, s.top_categories);
  if (s.history) {
    append_field(row, real_text(s.history->frequency));
    append_field(row, real_text(s.history->recency));
    append_copy_field(row, std::optional<std::string_view>(real_text(s.history->age)));
  } else {
    row += "\\N\t\\N\t\\N";
  }
  row += '\n';
}

// Sends the snapshots to value_save by one COPY, in chunks of about a megabyte.
Result<void> copy_snapshots(Connection& db, const value::ValueRefresh& refresh) {
  RAPPORT_TRY_VOID(db.exec(kCreateStaging));
  std::size_t next = 0;
  const auto& snapshots = refresh.snapshots;
  RAPPORT_TRY_VOID(
      db.copy_in("COPY value_save FROM STDIN", [&](std::string& buffer) -> Result<bool> {
        while (next < snapshots.size() && buffer.size() < (std::size_t{1} << 20)) {
          append_snapshot_row(buffer, snapshots[next++]);
        }
        return next < snapshots.size();
      }));
  // Not analysed (0.3 s at 100,000 rows): the planner sizes an unanalysed table by its pages,
  // which is enough to hash-join a full refresh's rows and to look up an incremental one's.
  return {};
}

// Whole days as std::lround gives them (halves away from zero), exactly: x - floor(x) is
// exact for a double, and PostgreSQL's round() of a double rounds halves to even.
constexpr std::string_view kWholeDaysOf =
    "CASE WHEN {r} IS NULL THEN -1 ELSE sign({r}) * (floor(abs({r})) + "
    "CASE WHEN abs({r}) - floor(abs({r})) >= 0.5 THEN 1 ELSE 0 END) END";

std::string whole_days_sql(std::string_view column) {
  std::string out(kWholeDaysOf);
  for (auto at = out.find("{r}"); at != std::string::npos; at = out.find("{r}", at)) {
    out.replace(at, 3, column);
    at += column.size();
  }
  return out;
}

// Members whose shown value (tier, at risk, rhythm in whole days) differs from what the
// members row holds, which is what terminals were last sent: the save sets those columns
// whenever they change, as SQLite's does against the previous snapshot.
std::string shown_changed_sql() {
  return "(m.value_tier IS DISTINCT FROM s.tier OR m.at_risk <> s.at_risk OR " +
         whole_days_sql("m.rhythm_days") + " <> " + whole_days_sql("s.rhythm_days") + ")";
}

Result<void> keep_forecasts(Connection& db, const value::ValueRefresh& refresh, std::int64_t fit_id,
                            const std::string& as_of) {
  RAPPORT_TRY(const auto latest,
              db.exec("SELECT max(f.as_of) FROM value_fits f WHERE EXISTS "
                      "(SELECT 1 FROM value_forecasts v WHERE v.fit_id = f.id)"));
  if (!value_rows::forecast_cohort_due(latest.optional_text(0, 0), as_of)) return {};
  RAPPORT_TRY_VOID(db.exec(
      "INSERT INTO value_forecasts(fit_id, member_id, frequency, recency, age, "
      "expected_visits, expected_spend_cents) SELECT $1, member_id, frequency, recency, age, "
      "expected_visits, expected_spend_cents FROM value_save WHERE frequency IS NOT NULL "
      "AND ($2 <= 1 OR member_id % $2 = 0) ON CONFLICT (fit_id, member_id) DO UPDATE SET "
      "frequency = excluded.frequency, recency = excluded.recency, age = excluded.age, "
      "expected_visits = excluded.expected_visits, "
      "expected_spend_cents = excluded.expected_spend_cents",
      {param(fit_id), param(value_rows::forecast_panel_stride(refresh))}));
  return {};
}

std::optional<value::ValueFitInfo> fit_from_row(const Rows& rows, std::size_t row, int first) {
  return value_rows::fit_from_text(rows.text(row, first), rows.text(row, first + 1),
                                   rows.real(row, first + 2), rows.int64(row, first + 3),
                                   rows.optional_text(row, first + 4));
}

}  // namespace

Result<std::vector<value::MemberValueInput>> read_value_inputs(Connection& db) {
  RAPPORT_TRY(const auto rows, db.exec(inputs_sql(false)));
  return inputs_from(rows);
}

Result<std::vector<value::MemberValueInput>> read_value_inputs_of(
    Connection& db, std::span<const std::int64_t> members) {
  if (members.empty()) return std::vector<value::MemberValueInput>{};
  RAPPORT_TRY(const auto rows, db.exec(inputs_sql(true), {param(id_array(members))}));
  return inputs_from(rows);
}

Result<std::int64_t> settled_event_sequence(Connection& db) {
  RAPPORT_TRY(auto tx, Transaction::begin(db));
  RAPPORT_TRY_VOID(db.exec("SELECT pg_advisory_xact_lock($1::bigint)", {param(kEventOrderLock)}));
  RAPPORT_TRY(const auto rows, db.exec("SELECT coalesce(max(seq), 0) FROM events"));
  RAPPORT_TRY_VOID(tx.commit());
  return rows.int64(0, 0);
}

Result<std::optional<LastValueRefresh>> read_last_value_refresh(Connection& db) {
  RAPPORT_TRY(const auto rows,
              db.exec("SELECT r.events_seq, f.id, f.model, f.params, f.log_likelihood, "
                      "f.customers, f.spend_params, f.scales FROM value_refreshes r "
                      "LEFT JOIN value_fits f ON f.id = (SELECT fit_id FROM value_refreshes "
                      "WHERE kind = 'full' ORDER BY id DESC LIMIT 1) "
                      "ORDER BY r.id DESC LIMIT 1"));
  if (rows.empty()) return std::optional<LastValueRefresh>{};
  LastValueRefresh last;
  last.events_seq = rows.int64(0, 0);
  if (!rows.is_null(0, 1)) {
    last.fit_id = rows.int64(0, 1);
    last.fit = fit_from_row(rows, 0, 2);
    if (const auto scales = rows.optional_text(0, 7)) {
      last.scales = value::value_scales_from_string(*scales);
    }
  }
  return std::optional<LastValueRefresh>(std::move(last));
}

Result<std::vector<std::int64_t>> members_changed_since(Connection& db, std::int64_t events_seq,
                                                        std::size_t limit) {
  RAPPORT_TRY(const auto rows,
              db.exec("WITH touched(id) AS ("
                      "  SELECT member_id FROM events WHERE seq > $1 AND member_id IS NOT NULL "
                      "  UNION SELECT p.member_id FROM events e JOIN purchases p "
                      "    ON p.event_id = (e.payload::jsonb ->> 'purchase_id') "
                      "    WHERE e.seq > $1 AND e.kind IN ('refund', 'void') "
                      "    AND p.member_id IS NOT NULL) "
                      "SELECT id FROM touched UNION SELECT m.referred_by FROM members m "
                      "  JOIN touched t ON t.id = m.id WHERE m.referred_by IS NOT NULL "
                      "LIMIT $2",
                      {param(events_seq), param(static_cast<std::int64_t>(limit))}));
  std::vector<std::int64_t> ids;
  ids.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) ids.push_back(rows.int64(r, 0));
  return ids;
}

Result<std::vector<std::pair<std::int64_t, std::int64_t>>> referee_lifetime_values(
    Connection& db, std::span<const std::int64_t> referrers) {
  std::vector<std::pair<std::int64_t, std::int64_t>> values;
  if (referrers.empty()) return values;
  // Referees being valued in the same refresh count with their new lifetime value.
  RAPPORT_TRY(const auto rows,
              db.exec("SELECT m.referred_by, s.lifetime_value_cents FROM members m "
                      "JOIN value_snapshots s ON s.member_id = m.id "
                      "WHERE m.referred_by = ANY($1::bigint[]) AND m.id <> ALL($1::bigint[]) "
                      "ORDER BY m.referred_by, m.id",
                      {param(id_array(referrers))}));
  values.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r)
    values.emplace_back(rows.int64(r, 0), rows.int64(r, 1));
  return values;
}

Result<std::size_t> save_value_refresh(Connection& db, const value::ValueRefresh& refresh,
                                       const std::string& computed_at, const std::string& as_of,
                                       const ValueSaveMark& mark) {
  RAPPORT_TRY(auto tx, Transaction::begin(db));
  // One save at a time (a lease's hand-over may overlap two refreshes, and `rapportctl value
  // refresh` takes no lease): each compares with the snapshots, checkpoints and summaries the
  // one before it committed, instead of both adding the same changes.
  RAPPORT_TRY_VOID(db.exec("SELECT pg_advisory_xact_lock($1::bigint)", {param(kValueSaveLock)}));
  std::optional<std::int64_t> fit_id = mark.fit_id;
  if (mark.full && refresh.fit) {
    const auto text = value_rows::fit_text(*refresh.fit);
    std::optional<std::string> scales;
    if (refresh.scales) scales = value::to_string(*refresh.scales);
    RAPPORT_TRY(const auto fit, db.exec("INSERT INTO value_fits(computed_at, as_of, model, params, "
                                        "log_likelihood, customers, spend_params, scales) VALUES "
                                        "($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                                        {computed_at, as_of, text.model, text.params,
                                         real_text(refresh.fit->log_likelihood),
                                         param(static_cast<std::int64_t>(refresh.fit->customers)),
                                         text.spend_params, scales}));
    fit_id = fit.int64(0, 0);
  } else if (mark.full) {
    fit_id.reset();
  }
  RAPPORT_TRY_VOID(copy_snapshots(db, refresh));

  // Tier history first: it compares with the snapshots before this refresh. The day's
  // tier checkpoint takes the rows it adds (a segment's change keeps the tier: a no-op).
  RAPPORT_TRY(const auto moved,
              db.exec("INSERT INTO tier_history(member_id, changed_at, tier, segment) "
                      "SELECT s.member_id, $1, s.tier, s.segment FROM value_save s "
                      "LEFT JOIN value_snapshots p ON p.member_id = s.member_id "
                      "WHERE p.member_id IS NULL OR p.tier <> s.tier OR p.segment <> s.segment "
                      "ORDER BY s.member_id RETURNING member_id, tier",
                      {computed_at}));
  TierCheckpointChanges tier_checkpoints(db);
  for (std::size_t r = 0; r < moved.size(); ++r) {
    tier_checkpoints.add(moved.int64(r, 0), moved.text(r, 1));
  }
  RAPPORT_TRY_VOID(tier_checkpoints.write(std::string_view(computed_at).substr(0, 10)));
  // The stores' equity changes, too, against the snapshots before this refresh; and the
  // members' moves between tiers for rewards_days.
  RAPPORT_TRY_VOID(stage_store_equity(db));
  RAPPORT_TRY_VOID(stage_rewards_moves(db));
  // And acquisition_days' valued members and value, against the same previous snapshots.
  RAPPORT_TRY_VOID(stage_acquisition_value_changes(db));
  // Existing snapshots updated by a join, new ones inserted: an upsert (ON CONFLICT) tries
  // each row as an insert first, and cannot be a HOT update (it took 0.6 s of a 100,000-row
  // save against 0.33 s for the join). The new members are listed before anything is
  // written: an INSERT ... WHERE NOT EXISTS into an empty value_snapshots (the first refresh)
  // is planned as a nested loop over it, which then rescans every row the statement has
  // added so far (quadratic: 563 s at 100,000 members).
  RAPPORT_TRY_VOID(db.exec(
      "CREATE TEMPORARY TABLE value_new ON COMMIT DROP AS SELECT s.member_id FROM value_save s "
      "WHERE NOT EXISTS (SELECT 1 FROM value_snapshots p WHERE p.member_id = s.member_id)"));
  RAPPORT_TRY_VOID(db.exec(
      "UPDATE value_snapshots p SET fit_id = $1, computed_at = $2, "
      "historic_value_cents = s.historic_value_cents, "
      "historic_revenue_cents = s.historic_revenue_cents, expected_visits = s.expected_visits, "
      "expected_spend_cents = s.expected_spend_cents, p_alive = s.p_alive, "
      "lifetime_value_cents = s.lifetime_value_cents, "
      "referral_value_cents = s.referral_value_cents, "
      "advocacy_value_cents = s.advocacy_value_cents, total_value_cents = s.total_value_cents, "
      "tier = s.tier, rfm = s.rfm, segment = s.segment, rhythm_days = s.rhythm_days, "
      "at_risk = s.at_risk, as_of = $3, top_categories = s.top_categories "
      "FROM value_save s WHERE p.member_id = s.member_id",
      {param(fit_id), computed_at, as_of}));
  RAPPORT_TRY_VOID(db.exec(
      "INSERT INTO value_snapshots(member_id, fit_id, computed_at, historic_value_cents, "
      "historic_revenue_cents, expected_visits, expected_spend_cents, p_alive, "
      "lifetime_value_cents, referral_value_cents, advocacy_value_cents, total_value_cents, "
      "tier, rfm, segment, rhythm_days, at_risk, as_of, top_categories) "
      "SELECT s.member_id, $1, $2, historic_value_cents, historic_revenue_cents, "
      "expected_visits, expected_spend_cents, p_alive, lifetime_value_cents, "
      "referral_value_cents, advocacy_value_cents, total_value_cents, tier, rfm, segment, "
      "rhythm_days, at_risk, $3, top_categories FROM value_save s "
      "JOIN value_new n ON n.member_id = s.member_id",
      {param(fit_id), computed_at, as_of}));
  if (mark.full && fit_id) RAPPORT_TRY_VOID(keep_forecasts(db, refresh, *fit_id, as_of));
  RAPPORT_TRY(const auto logged,
              db.exec("INSERT INTO value_refreshes(kind, fit_id, as_of, computed_at, "
                      "events_seq, members) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                      {param(mark.full ? "full" : "incremental"), param(fit_id), as_of, computed_at,
                       param(mark.events_seq),
                       param(static_cast<std::int64_t>(refresh.snapshots.size()))}));
  RAPPORT_TRY_VOID(write_store_equity(db, logged.int64(0, 0), as_of));

  // Last, so the change number is drawn as late as it can be: terminals pull the members
  // whose shown value changed again. Another instance may be recording their visits: their
  // rows are locked in id order first, as the event recorder locks them, so the two take
  // turns instead of deadlocking (NO KEY: events referring to a member still go in).
  RAPPORT_TRY_VOID(
      db.exec("SELECT m.id FROM members m JOIN value_save s ON s.member_id = m.id "
              "WHERE " +
              shown_changed_sql() + " ORDER BY m.id FOR NO KEY UPDATE OF m"));
  RAPPORT_TRY_VOID(
      db.exec("UPDATE members m SET value_tier = s.tier, at_risk = s.at_risk, "
              "rhythm_days = s.rhythm_days, "
              "changed_seq = (SELECT nextval('member_change_seq')) "
              "FROM value_save s WHERE s.member_id = m.id AND " +
              shown_changed_sql()));
  // acquisition_days, then rewards_days, after members, as their other writers take them
  // (an enrollment's member, then its acquisition row, then its rewards row; a run's members
  // locked, then its postings' triggers): in the other order a refresh and a sale or an
  // enrollment could each hold what the other waits for.
  RAPPORT_TRY_VOID(add_acquisition_value_changes(db));
  RAPPORT_TRY_VOID(write_rewards_moves(db, computed_at.substr(0, 10)));
  RAPPORT_TRY_VOID(tx.commit());
  return moved.size();
}

Result<std::vector<ForecastCheck>> check_forecasts(Connection& db, double horizon_weeks,
                                                   std::chrono::sys_days today) {
  RAPPORT_TRY(const auto cohorts,
              db.exec("SELECT f.id, f.as_of, f.model, f.params, f.log_likelihood, f.customers, "
                      "f.spend_params FROM value_fits f WHERE EXISTS (SELECT 1 FROM "
                      "value_forecasts v WHERE v.fit_id = f.id) ORDER BY f.id"));
  std::vector<ForecastCheck> checks;
  for (std::size_t c = 0; c < cohorts.size(); ++c) {
    const auto start = day_of(cohorts.optional_text(c, 1));
    const auto fit = fit_from_row(cohorts, c, 2);
    if (!start || !fit || today <= *start) continue;
    const auto model = value::model_of(*fit);
    if (!model) continue;
    const auto horizon_end =
        *start + std::chrono::days(static_cast<int>(std::lround(horizon_weeks * 7)));
    const auto end = std::min(today, horizon_end);
    ForecastCheck check;
    check.fit_id = cohorts.int64(c, 0);
    check.window_start = cohorts.text(c, 1);
    check.window_end = to_iso8601_day(end);
    check.elapsed_weeks = static_cast<double>((end - *start).count()) / 7.0;
    // In member order, as SQLite reads them: the bins' sums come out the same.
    RAPPORT_TRY(const auto rows,
                db.exec("SELECT f.frequency, f.recency, f.age, f.expected_visits, "
                        "f.expected_spend_cents, count(DISTINCT p.day), "
                        "coalesce(sum(p.amount_cents - p.refunded_cents), 0) "
                        "FROM value_forecasts f LEFT JOIN purchases p ON p.member_id = "
                        "f.member_id AND p.day > $2 AND p.day <= $3 WHERE f.fit_id = $1 "
                        "GROUP BY f.fit_id, f.member_id ORDER BY f.member_id",
                        {param(check.fit_id), check.window_start, check.window_end}));
    std::vector<value::ForecastOutcome> outcomes;
    outcomes.reserve(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      value::ForecastOutcome o;
      o.history.frequency = rows.real(r, 0);
      o.history.recency = rows.real(r, 1);
      o.history.age = rows.real(r, 2);
      o.expected_visits = rows.real(r, 3);
      o.expected_spend_cents = rows.int64(r, 4);
      o.actual_visits = rows.int64(r, 5);
      o.actual_spend_cents = rows.int64(r, 6);
      outcomes.push_back(std::move(o));
    }
    check.bins = value::compare_forecasts(*model, outcomes, check.elapsed_weeks, horizon_weeks);
    checks.push_back(std::move(check));
  }
  std::vector<Param> fit_ids, starts, ends, bins, members, expected_visits, actual_visits,
      expected_spend, actual_spend;
  for (const auto& check : checks) {
    for (const auto& bin : check.bins) {
      fit_ids.push_back(param(check.fit_id));
      starts.push_back(check.window_start);
      ends.push_back(check.window_end);
      bins.push_back(bin.bin);
      members.push_back(param(static_cast<std::int64_t>(bin.members)));
      expected_visits.push_back(real_text(bin.expected_visits));
      actual_visits.push_back(param(static_cast<std::int64_t>(bin.actual_visits)));
      expected_spend.push_back(param(static_cast<std::int64_t>(bin.expected_spend_cents)));
      actual_spend.push_back(param(static_cast<std::int64_t>(bin.actual_spend_cents)));
    }
  }
  if (fit_ids.empty()) return checks;
  RAPPORT_TRY_VOID(db.exec(
      "INSERT INTO value_accuracy(fit_id, checked_at, window_start, window_end, bin, members, "
      "expected_visits, actual_visits, expected_spend_cents, actual_spend_cents) "
      "SELECT u.fit_id, $10, u.window_start, u.window_end, u.bin, u.members, "
      "u.expected_visits, u.actual_visits, u.expected_spend, u.actual_spend FROM "
      "unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], "
      "$6::float8[], $7::bigint[], $8::bigint[], $9::bigint[]) AS u(fit_id, window_start, "
      "window_end, bin, members, expected_visits, actual_visits, expected_spend, actual_spend)",
      {text_array(fit_ids), text_array(starts), text_array(ends), text_array(bins),
       text_array(members), text_array(expected_visits), text_array(actual_visits),
       text_array(expected_spend), text_array(actual_spend), now_iso8601()}));
  return checks;
}

Result<std::optional<value::ValueSnapshot>> read_value_snapshot(Connection& db,
                                                                std::int64_t member_id) {
  RAPPORT_TRY(const auto rows,
              db.exec("SELECT historic_value_cents, historic_revenue_cents, expected_visits, "
                      "expected_spend_cents, p_alive, lifetime_value_cents, "
                      "referral_value_cents, advocacy_value_cents, total_value_cents, tier, "
                      "rfm, segment, rhythm_days, at_risk, top_categories FROM value_snapshots "
                      "WHERE member_id = $1",
                      {param(member_id)}));
  if (rows.empty()) return std::optional<value::ValueSnapshot>{};
  value::ValueSnapshot s;
  s.member_id = member_id;
  s.historic_value_cents = rows.int64(0, 0);
  s.historic_revenue_cents = rows.int64(0, 1);
  s.expected_visits = rows.real(0, 2);
  s.expected_spend_cents = rows.int64(0, 3);
  s.p_alive = rows.real(0, 4);
  s.lifetime_value_cents = rows.int64(0, 5);
  s.referral_value_cents = rows.int64(0, 6);
  s.advocacy_value_cents = rows.int64(0, 7);
  s.total_value_cents = rows.int64(0, 8);
  s.tier = value::value_tier_from_string(rows.text(0, 9)).value_or(value::ValueTier::kLmc);
  s.rfm = rows.text(0, 10);
  s.segment = rows.text(0, 11);
  if (!rows.is_null(0, 12)) s.rhythm_days = rows.real(0, 12);
  s.at_risk = rows.boolean(0, 13);
  s.top_categories = rows.text(0, 14);
  return std::optional<value::ValueSnapshot>(std::move(s));
}

}  // namespace rapport::server::pg
