// server/reports/reward_cost.cpp
//
// What the rewards handed over cost, by month, store and member value tier (docs/reports.md,
// "reward-cost"), from reward_costs: each reward at the catalogue's cost_cents of the day it
// was given (server migration 20), so a later catalogue change leaves the past alone.
#include <array>
#include <string>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/rewards.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 8> kColumns{{
    {"month", ColumnKind::kText},
    {"store", ColumnKind::kText},
    {"region", ColumnKind::kText},
    {"tier", ColumnKind::kText},
    {"rewards", ColumnKind::kInteger},
    {"reward_cost_cents", ColumnKind::kCents},
    {"gestures", ColumnKind::kInteger},
    {"gesture_cost_cents", ColumnKind::kCents},
}};

// ?1 store, ?2 region (where the reward was handed over), ?3 from, ?4 to (its day). The tier
// is the member's value tier now; `none` before a refresh or for a card nobody held.
// PostgreSQL sums no booleans and groups by every column it shows (the region follows from
// the store, so the groups are SQLite's).
std::string query(const Filter& filter, SqlDialect dialect) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  return "SELECT substr(r.occurred_at, 1, 7), r.store_id, s.region, "
         "  coalesce(m.value_tier, 'none'), " +
         std::string(sqlite ? "  sum(r.reward_kind <> 'gesture'), "
                            : "  count(*) FILTER (WHERE r.reward_kind <> 'gesture'), ") +
         "  sum(CASE WHEN r.reward_kind <> 'gesture' THEN r.cost_cents ELSE 0 END), " +
         std::string(sqlite ? "  sum(r.reward_kind = 'gesture'), "
                            : "  count(*) FILTER (WHERE r.reward_kind = 'gesture'), ") +
         "  sum(CASE WHEN r.reward_kind = 'gesture' THEN r.cost_cents ELSE 0 END) "
         "FROM reward_costs r LEFT JOIN members m ON m.id = r.member_id "
         "LEFT JOIN stores s ON s.id = r.store_id "
         "WHERE " + place_condition("r.store_id", filter, dialect) + " AND " +
         period_condition("substr(r.occurred_at, 1, 10)", filter, dialect) +
         (sqlite ? " GROUP BY 1, 2, 4" : " GROUP BY 1, 2, 3, 4") + " ORDER BY 1, 2, "
         "CASE coalesce(m.value_tier, 'none') WHEN 'MVC' THEN 1 WHEN 'MGC' THEN 2 "
         "WHEN 'LMC' THEN 3 WHEN 'BZ' THEN 4 ELSE 5 END";
}

class RewardCost final : public Report {
 public:
  std::string_view name() const override { return "reward-cost"; }
  std::string_view description() const override {
    return "What the rewards and gestures handed over cost, at their cost of the day, by "
           "month, store and value tier";
  }
  std::span<const Column> columns() const override { return kColumns; }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_query(db, query(filter, SqlDialect::kSqlite), filter, kColumns, sink);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return stream_pg_query(db, query(filter, SqlDialect::kPostgresql), filter, kColumns, sink);
  }
};

}  // namespace

std::unique_ptr<Report> reward_cost_report() { return std::make_unique<RewardCost>(); }

}  // namespace rapport::server::reports
