// server/reports/tier_migrations.cpp
//
// Value-tier sizes and migrations between two days, from tier_history: each member's tier at
// the start (the last change before `from`) against their tier at the end (the last change on
// or before `to`), as a from-tier x to-tier flow table. Members without a tier at the start
// (new since, or no `from` given) are the "(none)" row; the column sums are the tier sizes at
// the end.
#include <array>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/value_reports.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 6> kColumns{{
    {"from_tier", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"to_MVC", ColumnKind::kInteger},
    {"to_MGC", ColumnKind::kInteger},
    {"to_LMC", ColumnKind::kInteger},
    {"to_BZ", ColumnKind::kInteger},
}};
constexpr std::array<std::string_view, 4> kChartValues{"to_MVC", "to_MGC", "to_LMC", "to_BZ"};

// Driven from the filter's members: with a store or region, members_home_store finds them
// and tier_history_member each one's rows, instead of grouping the whole history first and
// filtering after (1.6 s for one store of the 1M-member chain).
std::string query(const Filter& filter) {
  const std::string place = place_condition("m.home_store", filter);
  return "WITH at_end AS MATERIALIZED (SELECT h.member_id, h.tier, max(h.changed_at) "
         "FROM members m JOIN tier_history h ON h.member_id = m.id WHERE " + place +
         " AND (?4 IS NULL OR substr(h.changed_at, 1, 10) <= ?4) GROUP BY h.member_id), "
         "at_start AS MATERIALIZED (SELECT h.member_id, h.tier, max(h.changed_at) "
         "FROM members m JOIN tier_history h ON h.member_id = m.id WHERE " + place +
         " AND ?3 IS NOT NULL AND substr(h.changed_at, 1, 10) < ?3 GROUP BY h.member_id) "
         "SELECT coalesce(s.tier, '(none)') AS from_tier, count(*), "
         "sum(e.tier = 'MVC'), sum(e.tier = 'MGC'), sum(e.tier = 'LMC'), sum(e.tier = 'BZ') "
         "FROM at_end e LEFT JOIN at_start s ON s.member_id = e.member_id "
         "GROUP BY 1 ORDER BY CASE coalesce(s.tier, '(none)') WHEN 'MVC' THEN 1 "
         "WHEN 'MGC' THEN 2 WHEN 'LMC' THEN 3 WHEN 'BZ' THEN 4 ELSE 5 END";
}

class TierMigrations final : public Report {
 public:
  std::string_view name() const override { return "tier-migrations"; }
  std::string_view description() const override {
    return "Value-tier sizes and migrations between two days (from tier x to tier)";
  }
  std::span<const Column> columns() const override { return kColumns; }
  std::optional<ChartSpec> chart() const override {
    return ChartSpec{ChartKind::kBar, "from_tier", kChartValues};
  }
  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_query(db, query(filter), filter, kColumns, sink);
  }
};

}  // namespace

std::unique_ptr<Report> tier_migrations_report() { return std::make_unique<TierMigrations>(); }

}  // namespace rapport::server::reports
