// server/reports/tier_migrations.cpp
//
// Value-tier sizes and migrations between two days, from tier_history: each member's tier at
// the start (the last change before `from`) against their tier at the end (the last change on
// or before `to`), as a from-tier x to-tier flow table. Members without a tier at the start
// (new since, or no `from` given) are the "(none)" row; the column sums are the tier sizes at
// the end.
#include <array>

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

constexpr std::string_view kSql =
    "WITH at_end AS (SELECT member_id, tier, max(changed_at) FROM tier_history "
    "WHERE ?4 IS NULL OR substr(changed_at, 1, 10) <= ?4 GROUP BY member_id), "
    "at_start AS (SELECT member_id, tier, max(changed_at) FROM tier_history "
    "WHERE ?3 IS NOT NULL AND substr(changed_at, 1, 10) < ?3 GROUP BY member_id) "
    "SELECT coalesce(s.tier, '(none)') AS from_tier, count(*), "
    "sum(e.tier = 'MVC'), sum(e.tier = 'MGC'), sum(e.tier = 'LMC'), sum(e.tier = 'BZ') "
    "FROM at_end e JOIN members m ON m.id = e.member_id "
    "LEFT JOIN at_start s ON s.member_id = e.member_id "
    "WHERE (?1 IS NULL OR m.home_store = ?1) "
    "AND (?2 IS NULL OR m.home_store IN (SELECT id FROM stores WHERE region = ?2)) "
    "GROUP BY 1 ORDER BY CASE coalesce(s.tier, '(none)') WHEN 'MVC' THEN 1 WHEN 'MGC' THEN 2 WHEN 'LMC' THEN 3 "
    "WHEN 'BZ' THEN 4 ELSE 5 END";

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
    return stream_query(db, kSql, filter, kColumns, sink);
  }
};

}  // namespace

std::unique_ptr<Report> tier_migrations_report() { return std::make_unique<TierMigrations>(); }

}  // namespace rapport::server::reports
