// server/storage/pg_staff_panels.cpp
//
// The regulars page's panels on PostgreSQL, as staff_store_charts.cpp and
// staff_store_overview.cpp on SQLite (docs/dashboard.md, "Charts", "This week", "Owners'
// results"). Days are YYYY-MM-DD text compared byte by byte, as on SQLite; day arithmetic
// goes through `date` and back to that text with to_char.
#include <algorithm>
#include <optional>
#include <string>

#include "server/storage/pg_staff_store.h"

namespace rapport::server::pg {
namespace {

// The day `days` days from the day `day_param` ($n, YYYY-MM-DD), as YYYY-MM-DD text. Every
// use of a parameter says ::text first: PostgreSQL gives a parameter the type of its first
// cast, and the same day is also compared with text columns.
std::string day_from(std::string_view day_param, int days) {
  return "to_char(" + std::string(day_param) + "::text::date + (" + std::to_string(days) +
         "), 'YYYY-MM-DD')";
}

}  // namespace

Result<StoreCharts> PgStaffStore::store_charts(const std::string& store_id) {
  StoreCharts charts;
  for (const char* tier : {"MVC", "MGC", "LMC", "BZ"}) charts.tiers.push_back({tier, 0});
  // The store's home members' tiers and values, read once: SQLite asks three questions of
  // this join (tiers, the largest value, the bins); on PostgreSQL each took 40-60 ms at
  // 100,000 members on the loaded bench machine, so the three answers are worked out here
  // from one read, with the same integer arithmetic.
  RAPPORT_TRY(const auto values,
              db_.exec("SELECT v.tier, v.total_value_cents FROM members m JOIN value_snapshots v "
                       "ON v.member_id = m.id WHERE m.home_store = $1 AND m.merged_into IS NULL",
                       {param(store_id)}));
  std::optional<std::int64_t> top;
  for (std::size_t r = 0; r < values.size(); ++r) {
    for (auto& [name, members] : charts.tiers) {
      if (name == values.text(r, 0)) ++members;
    }
    top = std::max(top.value_or(values.int64(r, 1)), values.int64(r, 1));
  }
  {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT max(substr(occurred_at, 1, 10)) FROM events "
                                          "WHERE store_id = $1 AND kind = 'visit'",
                                          {param(store_id)}));
    charts.last_visit_day = rows.optional_text(0, 0);
  }
  if (charts.last_visit_day) {
    // Week w (0 = the latest) holds the days (last - 7(w+1), last - 7w]; oldest first here.
    charts.visits_per_week.assign(StoreCharts::kWeeks, 0);
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT ($2::text::date - substr(occurred_at, 1, 10)::date) / 7 AS w, "
                         "count(*) FROM events WHERE store_id = $1 AND kind = 'visit' AND "
                         "substr(occurred_at, 1, 10) > " +
                             day_from("$2", -7 * static_cast<int>(StoreCharts::kWeeks)) +
                             " GROUP BY w",
                         {param(store_id), param(*charts.last_visit_day)}));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const auto week = rows.int64(r, 0);
      if (week >= 0 && week < static_cast<std::int64_t>(StoreCharts::kWeeks)) {
        charts.visits_per_week[StoreCharts::kWeeks - 1 - static_cast<std::size_t>(week)] =
            rows.int64(r, 1);
      }
    }
  }
  if (top) {
    // Equal bins from 0 to the largest value; values below 0 count in the first.
    constexpr auto kBins = static_cast<std::int64_t>(StoreCharts::kValueBins);
    charts.value_bin_cents = std::max<std::int64_t>(1, *top / kBins + 1);
    charts.value_bins.assign(StoreCharts::kValueBins, 0);
    for (std::size_t r = 0; r < values.size(); ++r) {
      const auto bin = std::min<std::int64_t>(
          kBins - 1, std::max<std::int64_t>(0, values.int64(r, 1) / charts.value_bin_cents));
      ++charts.value_bins[static_cast<std::size_t>(bin)];
    }
  }
  return charts;
}

Result<StoreOverview> PgStaffStore::store_overview(const std::string& store_id,
                                                   const std::string& today) {
  StoreOverview overview;
  {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT m.id, m.name, m.created_at FROM members m WHERE "
                         "m.home_store = $1 AND m.merged_into IS NULL AND "
                         "substr(m.created_at, 1, 10) > " +
                             day_from("$2", -7) +
                             " AND substr(m.created_at, 1, 10) <= $2 "
                             "ORDER BY m.created_at DESC, m.id",
                         {param(store_id), param(today)}));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      overview.new_members.push_back({rows.int64(r, 0), rows.text(r, 1), rows.text(r, 2)});
    }
  }
  {
    // The next birthday on or after today (this year's, else next year's) as the text SQLite's
    // date() gives: YYYY-MM-DD for any month 01-12 and day 01-31, not normalised (29 February
    // stays 29 February in other years), compared as text; other birth dates have none.
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT id, name, next FROM (SELECT id, name, CASE WHEN "
                         "substr($2::text, 1, 4) || substr(birth_date, 5, 6) >= $2::text THEN "
                         "substr($2::text, 1, 4) || substr(birth_date, 5, 6) ELSE "
                         "(substr($2::text, 1, 4)::int + 1)::text || substr(birth_date, 5, 6) END "
                         "AS next FROM members WHERE home_store = $1 AND merged_into IS NULL "
                         "AND substr(birth_date, 5, 6) ~ '^-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'"
                         ") b WHERE next < " +
                             day_from("$2", 14) + " ORDER BY next, id",
                         {param(store_id), param(today)}));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      overview.birthdays.push_back({rows.int64(r, 0), rows.text(r, 1), rows.text(r, 2)});
    }
  }
  {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT offer_id, count(*) FILTER (WHERE outcome = 'shown'), "
                         "count(*) FILTER (WHERE outcome = 'accepted'), "
                         "count(*) FILTER (WHERE outcome = 'declined') FROM offer_events "
                         "WHERE store_id = $1 AND substr(at, 1, 10) > " +
                             day_from("$2", -30) + " GROUP BY offer_id ORDER BY offer_id",
                         {param(store_id), param(today)}));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      overview.offers.push_back(
          {rows.text(r, 0), rows.int64(r, 1), rows.int64(r, 2), rows.int64(r, 3)});
    }
  }
  return overview;
}

Result<std::vector<OwnerResult>> PgStaffStore::owner_results(const std::string& store_id,
                                                             const std::string& today) {
  // Per member: active (a visit) in the 90 days before the last 90, active in the last 90,
  // and revenue net of refunds in each window; summed per owner.
  const std::string d90 = day_from("$2", -90);
  const std::string d180 = day_from("$2", -180);
  RAPPORT_TRY(
      const auto rows,
      db_.exec(
          "SELECT u.name, u.disabled_at IS NOT NULL, count(*), count(*) FILTER (WHERE "
          "x.active_before), count(*) FILTER (WHERE x.active_before AND x.active_recent), "
          "sum(x.revenue_recent)::bigint, sum(x.revenue_before)::bigint FROM ("
          "SELECT o.owner_id AS owner_id, "
          "EXISTS (SELECT 1 FROM events e WHERE e.member_id = m.id AND e.kind = 'visit' AND "
          "  substr(e.occurred_at, 1, 10) > " + d180 + " AND "
          "  substr(e.occurred_at, 1, 10) <= " + d90 + ") AS active_before, "
          "EXISTS (SELECT 1 FROM events e WHERE e.member_id = m.id AND e.kind = 'visit' AND "
          "  substr(e.occurred_at, 1, 10) > " + d90 + " AND "
          "  substr(e.occurred_at, 1, 10) <= $2) AS active_recent, "
          "(SELECT coalesce(sum(p.amount_cents - p.refunded_cents), 0) FROM purchases p WHERE "
          "  p.member_id = m.id AND p.day > " + d90 + " AND p.day <= $2) AS revenue_recent, "
          "(SELECT coalesce(sum(p.amount_cents - p.refunded_cents), 0) FROM purchases p WHERE "
          "  p.member_id = m.id AND p.day > " + d180 + " AND p.day <= " + d90 + ") "
          "  AS revenue_before "
          "FROM relationship_owners o JOIN members m ON m.id = o.member_id "
          "WHERE m.home_store = $1 AND m.merged_into IS NULL) x "
          "JOIN staff_users u ON u.id = x.owner_id GROUP BY u.id ORDER BY u.name",
          {param(store_id), param(today)}));
  std::vector<OwnerResult> out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out.push_back({rows.text(r, 0), rows.boolean(r, 1), rows.int64(r, 2), rows.int64(r, 3),
                   rows.int64(r, 4), rows.int64(r, 5), rows.int64(r, 6)});
  }
  return out;
}

}  // namespace rapport::server::pg
