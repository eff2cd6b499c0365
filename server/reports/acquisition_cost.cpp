// server/reports/acquisition_cost.cpp
#include "server/reports/acquisition_cost.h"

#include <array>

#include "server/reports/acquisition.h"
#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 8> kColumns{{
    {"channel", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"valued_members", ColumnKind::kInteger},
    {"affordable_cost_cents", ColumnKind::kCents},
    {"campaign_spend_cents", ColumnKind::kCents},
    {"campaign_members", ColumnKind::kInteger},
    {"cost_per_member_cents", ColumnKind::kCents},
    {"headroom_cents", ColumnKind::kCents},
}};

}  // namespace

// ?1 store, ?2 region, ?3 from, ?4 to (enrollment days for members; campaigns whose days
// meet the period). The chain and a region read acquisition_days; a store its members.
std::string acquisition_cost_sql(const Filter& filter, SqlDialect dialect) {
  const std::string channel_members =
      acquisition_days_serve(filter)
          ? "  SELECT coalesce(nullif(d.channel, ''), 'unknown') AS channel, "
            "    sum(d.members) AS members, sum(d.valued) AS valued, "
            "    CASE WHEN sum(d.valued) > 0 THEN sum(d.lifetime_value_cents) END AS ltv "
            "  FROM " + acquisition_days_rows(filter, dialect) + " d GROUP BY 1 HAVING sum(d.members) > 0"
          : "  SELECT coalesce(m.channel, 'unknown') AS channel, count(*) AS members, "
            "    count(v.member_id) AS valued, sum(v.lifetime_value_cents) AS ltv "
            "  FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id "
            "  WHERE m.merged_into IS NULL AND " +
            place_condition("m.home_store", filter, dialect) + " AND " +
            period_condition("m.enrolled_on", filter, dialect) + "  GROUP BY 1";
  return "WITH channel_members AS (" + channel_members + "), "
         "channel_campaigns AS ("
         "  SELECT c.channel, sum(c.spend_cents) AS spend, "
         "    sum(" + campaign_members_sql("c", dialect) + ") AS acquired "
         "  FROM campaigns c WHERE " + campaign_in_period_sql("c", dialect) +
         "  GROUP BY c.channel) "
         "SELECT ch.channel, coalesce(cm.members, 0), coalesce(cm.valued, 0), cm.ltv, "
         "  cc.spend, cc.acquired "
         "FROM (SELECT channel FROM channel_members UNION SELECT channel FROM channel_campaigns) ch "
         "LEFT JOIN channel_members cm ON cm.channel = ch.channel "
         "LEFT JOIN channel_campaigns cc ON cc.channel = ch.channel ORDER BY 1";
}

namespace {

// One result row as the report's cells (a storage::Statement or a PgRow).
template <class Row>
void build_row(const Row& stmt, std::span<Cell> cells) {
  const std::int64_t valued = stmt.column_int64(2);
  cells[0] = stmt.column_text(0);
  cells[1] = stmt.column_int64(1);
  cells[2] = valued;
  cells[3] = stmt.column_is_null(3) ? Cell{} : rounded_ratio(stmt.column_int64(3), valued);
  cells[4] = optional_int(stmt, 4);
  cells[5] = optional_int(stmt, 5);
  cells[6] = stmt.column_is_null(4) ? Cell{}
             : rounded_ratio(stmt.column_int64(4), stmt.column_int64(5));
  const auto* affordable = std::get_if<std::int64_t>(&cells[3]);
  const auto* cost = std::get_if<std::int64_t>(&cells[6]);
  cells[7] = affordable && cost ? Cell{*affordable - *cost} : Cell{};
}

class AcquisitionCost final : public Report {
 public:
  std::string_view name() const override { return "acquisition-cost"; }
  std::string_view description() const override {
    return "Affordable acquisition cost per channel (mean forecast lifetime value) against "
           "its campaigns' cost per member";
  }
  std::span<const Column> columns() const override { return kColumns; }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_rows(db, acquisition_cost_sql(filter), filter, kColumns, sink,
                       build_row<storage::Statement>);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return stream_pg_rows(db, acquisition_cost_sql(filter, SqlDialect::kPostgresql), filter,
                          kColumns, sink, build_row<PgRow>);
  }
};

}  // namespace

std::unique_ptr<Report> acquisition_cost_report() { return std::make_unique<AcquisitionCost>(); }

}  // namespace rapport::server::reports
