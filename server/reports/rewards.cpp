// server/reports/rewards.cpp
#include "server/reports/rewards.h"

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 13> kColumns{{
    {"tier", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"points_outstanding", ColumnKind::kInteger},
    {"points_issued", ColumnKind::kInteger},
    {"points_redeemed", ColumnKind::kInteger},
    {"points_expired", ColumnKind::kInteger},
    {"gesture_points", ColumnKind::kInteger},
    {"offers_shown", ColumnKind::kInteger},
    {"offers_held_out", ColumnKind::kInteger},
    {"offers_accepted", ColumnKind::kInteger},
    {"reward_cost_cents", ColumnKind::kCents},
    {"points_liability_cents", ColumnKind::kCents},
    {"cents_per_100_points", ColumnKind::kInteger},
}};

// From rewards_days (server migration 26, kept as ledger entries, offer events and reward
// costs are written, as members move and as the value refresh re-tiers them): per place,
// day and tier, a few thousand rows for the whole chain whatever its size, never the members.
// The flows are those of the period's days, by the tier the member had when they happened
// and the home store they had when they were recorded; members and outstanding points are
// the sums of all days up to the period's end (the moves in less the moves out), so by the
// tier and home store members had then. Without a period: all days, so both views agree.
// ?5 the place (summary_place). Reward cost is no value while no reward has ever been
// costed (nothing to report, not 0). PostgreSQL keeps the same table (PostgreSQL migration
// 11, server/storage/pg_rewards_days.h).
std::string query(const Filter& filter, SqlDialect dialect = SqlDialect::kSqlite) {
  const std::string in_period = period_condition("day", filter, dialect);
  const auto flow = [&](std::string_view column) {
    return "sum(CASE WHEN " + in_period + " THEN " + std::string(column) + " ELSE 0 END)";
  };
  std::string where = "place = ?5";
  if (filter.to) where += " AND day <= ?4";
  // A store outside the region: nothing (both must hold).
  if (filter.store && filter.region) {
    where += " AND EXISTS (SELECT 1 FROM stores WHERE id = ?1 AND region = ?2)";
  }
  const std::string sums =
      "sum(members) AS n, sum(net) AS outstanding, " + flow("issued") + " AS n_issued, " +
      flow("redeemed") + " AS n_redeemed, " + flow("expired") + " AS n_expired, " +
      flow("gestures") + " AS n_gestures, " + flow("shown") + " AS n_shown, " +
      flow("held_out") + " AS n_held_out, " + flow("accepted") + " AS n_accepted";
  const std::string costed = "EXISTS (SELECT 1 FROM reward_costs)";
  // A tier shows when it has members or any figure (and the cost's, last).
  const std::string any_figure =
      "n <> 0 OR outstanding <> 0 OR n_issued <> 0 OR n_redeemed <> 0 OR n_expired <> 0 OR "
      "n_gestures <> 0 OR n_shown <> 0 OR n_held_out <> 0 OR n_accepted <> 0 OR ";
  if (dialect == SqlDialect::kPostgresql) {
    // PostgreSQL's HAVING cannot name the sums, so the tiers are chosen around them.
    return "SELECT tier, n, outstanding, n_issued, n_redeemed, n_expired, n_gestures, n_shown, "
           "n_held_out, n_accepted, CASE WHEN " + costed + " THEN n_cost END FROM (SELECT "
           "tier, " + sums + ", " + flow("cost_cents") + " AS n_cost FROM rewards_days WHERE " +
           where + " GROUP BY tier) t WHERE " + any_figure + "n_cost <> 0 ORDER BY tier";
  }
  // The sums' names differ from the table's columns: in HAVING a column's name would be the
  // column of some row of the group, not the sum.
  return "SELECT tier, " + sums + ", CASE WHEN " + costed + " THEN " + flow("cost_cents") +
         " END FROM rewards_days WHERE " + where + " GROUP BY tier HAVING " + any_figure +
         flow("cost_cents") + " <> 0 ORDER BY tier";
}

// One result row as the report's cells (a storage::Statement or a PgRow), the liability
// valued at `value` cents per 100 points, rounded to a cent.
template <class Row>
void build_row(const Row& stmt, std::optional<std::int64_t> value, std::span<Cell> cells) {
  cells[0] = stmt.column_text(0);
  for (std::size_t i = 1; i <= 9; ++i) cells[i] = stmt.column_int64(static_cast<int>(i));
  cells[10] = optional_int(stmt, 10);
  cells[11] = value ? rounded_ratio(stmt.column_int64(2) * *value, 100) : Cell{};
  cells[12] = value ? Cell{*value} : Cell{};
}

class Rewards final : public Report {
 public:
  explicit Rewards(std::optional<std::int64_t> cents_per_100_points)
      : cents_per_100_points_(cents_per_100_points) {}
  std::string_view name() const override { return "rewards"; }
  std::string_view description() const override {
    return "Points liability (in points and money) and points issued, redeemed, expired and "
           "given as gestures, offers shown, held out and accepted, and reward cost, by value "
           "tier";
  }
  std::span<const Column> columns() const override { return kColumns; }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    const auto value = cents_per_100_points_;
    RAPPORT_TRY(auto summed, db.prepare(query(filter)));
    bind_filter(summed, filter);
    const std::string place = summary_place(filter);
    summed.bind(5, std::string_view(place));
    return stream_statement(summed, kColumns, sink,
                            [value](const storage::Statement& stmt, std::span<Cell> cells) {
                              build_row(stmt, value, cells);
                            });
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    const auto value = cents_per_100_points_;
    const std::vector<pg::Param> own{summary_place(filter)};
    return stream_pg_rows(
        db, query(filter, SqlDialect::kPostgresql), filter, kColumns, sink,
        [value](const PgRow& row, std::span<Cell> cells) { build_row(row, value, cells); }, own);
  }

 private:
  std::optional<std::int64_t> cents_per_100_points_;
};

}  // namespace

std::string rewards_sql(const Filter& filter) { return query(filter); }

std::unique_ptr<Report> rewards_report(std::optional<std::int64_t> cents_per_100_points) {
  return std::make_unique<Rewards>(cents_per_100_points);
}

}  // namespace rapport::server::reports
