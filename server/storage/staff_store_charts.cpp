// server/storage/staff_store_charts.cpp
//
// The figures behind the regulars page's charts (docs/dashboard.md, "Charts"): the store's
// home members by value tier, visits at the store per week for the last 12 weeks of data, and
// how the members' total values are spread.
#include <algorithm>
#include <array>
#include <string>

#include "server/storage/sqlite_staff_store.h"

namespace rapport::server::sqlite {

Result<StoreCharts> SqliteStaffStore::store_charts(const std::string& store_id) {
  StoreCharts charts;
  for (const char* tier : {"MVC", "MGC", "LMC", "BZ"}) charts.tiers.push_back({tier, 0});
  {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT v.tier, count(*) FROM members m JOIN "
                                       "value_snapshots v ON v.member_id = m.id WHERE "
                                       "m.home_store = ? AND m.merged_into IS NULL GROUP BY v.tier"));
    stmt.bind(1, store_id);
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      const std::string tier = stmt.column_text(0);
      for (auto& [name, members] : charts.tiers) {
        if (name == tier) members = stmt.column_int64(1);
      }
    }
  }
  {
    RAPPORT_TRY(auto last, db_.prepare("SELECT max(substr(occurred_at, 1, 10)) FROM events "
                                       "WHERE store_id = ? AND kind = 'visit'"));
    last.bind(1, store_id);
    RAPPORT_TRY(const bool row, last.step());
    if (row && !last.column_is_null(0)) charts.last_visit_day = last.column_text(0);
  }
  if (charts.last_visit_day) {
    // Week w (0 = the latest) holds the days (last - 7(w+1), last - 7w]; oldest first here.
    charts.visits_per_week.assign(StoreCharts::kWeeks, 0);
    RAPPORT_TRY(auto stmt,
                db_.prepare("SELECT CAST((julianday(?2) - julianday(substr(occurred_at, 1, 10))) "
                            "/ 7 AS INTEGER) AS w, count(*) FROM events WHERE store_id = ?1 AND "
                            "kind = 'visit' AND substr(occurred_at, 1, 10) > date(?2, ?3) "
                            "GROUP BY w"));
    stmt.bind(1, store_id)
        .bind(2, *charts.last_visit_day)
        .bind(3, "-" + std::to_string(7 * StoreCharts::kWeeks) + " days");
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      const auto week = stmt.column_int64(0);
      if (week >= 0 && week < static_cast<std::int64_t>(StoreCharts::kWeeks)) {
        charts.visits_per_week[StoreCharts::kWeeks - 1 - static_cast<std::size_t>(week)] =
            stmt.column_int64(1);
      }
    }
  }
  {
    RAPPORT_TRY(auto top, db_.prepare("SELECT max(v.total_value_cents) FROM members m JOIN "
                                      "value_snapshots v ON v.member_id = m.id WHERE "
                                      "m.home_store = ? AND m.merged_into IS NULL"));
    top.bind(1, store_id);
    RAPPORT_TRY(const bool row, top.step());
    if (row && !top.column_is_null(0)) {
      // Equal bins from 0 to the largest value; values below 0 count in the first.
      constexpr auto kBins = static_cast<std::int64_t>(StoreCharts::kValueBins);
      charts.value_bin_cents = std::max<std::int64_t>(1, top.column_int64(0) / kBins + 1);
      charts.value_bins.assign(StoreCharts::kValueBins, 0);
      RAPPORT_TRY(auto stmt,
                  db_.prepare("SELECT min(?2 - 1, max(0, v.total_value_cents / ?3)) AS b, "
                              "count(*) FROM members m JOIN value_snapshots v ON v.member_id = "
                              "m.id WHERE m.home_store = ?1 AND m.merged_into IS NULL GROUP BY b"));
      stmt.bind(1, store_id)
          .bind(2, static_cast<std::int64_t>(StoreCharts::kValueBins))
          .bind(3, charts.value_bin_cents);
      for (;;) {
        RAPPORT_TRY(const bool row2, stmt.step());
        if (!row2) break;
        charts.value_bins[static_cast<std::size_t>(stmt.column_int64(0))] = stmt.column_int64(1);
      }
    }
  }
  return charts;
}

}  // namespace rapport::server::sqlite
