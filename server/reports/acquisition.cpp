// server/reports/acquisition.cpp
#include "server/reports/acquisition.h"

#include <array>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 9> kColumns{{
    {"channel", ColumnKind::kText},
    {"campaign", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"valued_members", ColumnKind::kInteger},
    {"lifetime_value_cents", ColumnKind::kCents},
    {"mean_lifetime_value_cents", ColumnKind::kCents},
    {"campaign_spend_cents", ColumnKind::kCents},
    {"campaign_members", ColumnKind::kInteger},
    {"cost_per_member_cents", ColumnKind::kCents},
}};

// The channel as the report shows it: acquisition_days keeps a member's missing channel as ''.
constexpr std::string_view kShownChannel = "coalesce(nullif(d.channel, ''), 'unknown')";

}  // namespace

bool acquisition_days_serve(const Filter& filter) {
  return !filter.store && (!filter.region || !filter.region->empty());
}

std::string acquisition_days_rows(const Filter& filter, SqlDialect dialect) {
  // A member whose enrollment day is unknown ('') is in no period, as enrolled_on NULL.
  const std::string period = filter.from || filter.to
                                 ? period_condition("day", filter, dialect) + " AND day <> ''"
                                 : period_condition("day", filter, dialect);
  return "(SELECT day, channel, members, valued, lifetime_value_cents FROM acquisition_days "
         "WHERE scope = " + std::string(filter.region ? "?2" : "''") + " AND " + period + ")";
}

std::string campaign_members_sql(std::string_view campaign_alias, SqlDialect dialect) {
  const std::string c(campaign_alias);
  // PostgreSQL's sum of BIGINT is NUMERIC: back to BIGINT, as the column it is added to.
  return "(SELECT coalesce(sum(a.members), 0)" +
         std::string(dialect == SqlDialect::kPostgresql ? "::bigint" : "") +
         " FROM acquisition_days a WHERE a.scope = '' "
         "AND a.channel = " + c + ".channel AND a.day BETWEEN " + c + ".starts_on AND " + c +
         ".ends_on)";
}

std::string campaign_in_period_sql(std::string_view campaign_alias, SqlDialect dialect) {
  const std::string c(campaign_alias);
  const std::string cast = dialect == SqlDialect::kPostgresql ? "::text" : "";
  return "(?3" + cast + " IS NULL OR " + c + ".ends_on >= ?3) AND (?4" + cast + " IS NULL OR " +
         c + ".starts_on <= ?4)";
}

// ?1 store, ?2 region, ?3 from, ?4 to. Members merged into another are left out (their
// history moved to the survivor); erased members count: they were acquired all the same.
// The chain and a region read acquisition_days (days x channels rows); a store its members.
std::string acquisition_sql(const Filter& filter, SqlDialect dialect) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  const std::string acquired =
      acquisition_days_serve(filter)
          ? "  SELECT " + std::string(kShownChannel) + " AS channel, c.id AS campaign, "
            "    sum(d.members) AS members, sum(d.valued) AS valued, "
            "    CASE WHEN sum(d.valued) > 0 THEN sum(d.lifetime_value_cents) END AS ltv "
            "  FROM " + acquisition_days_rows(filter, dialect) + " d "
            "  LEFT JOIN campaigns c ON c.channel = d.channel "
            "    AND d.day BETWEEN c.starts_on AND c.ends_on "
            "  GROUP BY 1, 2 HAVING sum(d.members) > 0"
          : "  SELECT coalesce(m.channel, 'unknown') AS channel, c.id AS campaign, "
            "    count(*) AS members, count(v.member_id) AS valued, "
            "    sum(v.lifetime_value_cents) AS ltv "
            "  FROM members m "
            "  LEFT JOIN campaigns c ON c.channel = m.channel "
            "    AND m.enrolled_on BETWEEN c.starts_on AND c.ends_on "
            "  LEFT JOIN value_snapshots v ON v.member_id = m.id "
            "  WHERE m.merged_into IS NULL AND " +
            place_condition("m.home_store", filter, dialect) + " AND " +
            period_condition("m.enrolled_on", filter, dialect) + "  GROUP BY 1, 2";
  return "WITH acquired AS (" + acquired + "), "
         "campaign_members AS (SELECT c.id, " + campaign_members_sql("c", dialect) + " AS members "
         "  FROM campaigns c) "
         "SELECT a.channel, a.campaign, a.members, a.valued, a.ltv, c.spend_cents, cm.members "
         "FROM acquired a LEFT JOIN campaigns c ON c.id = a.campaign "
         "LEFT JOIN campaign_members cm ON cm.id = a.campaign "
         "UNION ALL "
         "SELECT c.channel, c.id, 0, 0, NULL, c.spend_cents, cm.members "
         "FROM campaigns c JOIN campaign_members cm ON cm.id = c.id "
         "WHERE c.id NOT IN (SELECT campaign FROM acquired WHERE campaign IS NOT NULL) "
         "  AND " + campaign_in_period_sql("c", dialect) +
         // SQLite sorts no value first; PostgreSQL last unless told.
         (sqlite ? " ORDER BY 1, 2" : " ORDER BY 1, 2 NULLS FIRST");
}

namespace {

// One result row as the report's cells (a storage::Statement or a PgRow).
template <class Row>
void build_row(const Row& stmt, std::span<Cell> cells) {
  const std::int64_t valued = stmt.column_int64(3);
  cells[0] = stmt.column_text(0);
  cells[1] = optional_text(stmt, 1);
  cells[2] = stmt.column_int64(2);
  cells[3] = valued;
  cells[4] = optional_int(stmt, 4);
  cells[5] = stmt.column_is_null(4) ? Cell{} : rounded_ratio(stmt.column_int64(4), valued);
  cells[6] = optional_int(stmt, 5);
  cells[7] = optional_int(stmt, 6);
  cells[8] = stmt.column_is_null(5) ? Cell{}
             : rounded_ratio(stmt.column_int64(5), stmt.column_int64(6));
}

class Acquisition final : public Report {
 public:
  std::string_view name() const override { return "acquisition"; }
  std::string_view description() const override {
    return "Members by channel and campaign, campaign spend and cost per member against their "
           "forecast lifetime value";
  }
  std::span<const Column> columns() const override { return kColumns; }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_rows(db, acquisition_sql(filter), filter, kColumns, sink,
                       build_row<storage::Statement>);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return stream_pg_rows(db, acquisition_sql(filter, SqlDialect::kPostgresql), filter,
                          kColumns, sink, build_row<PgRow>);
  }
};

}  // namespace

std::unique_ptr<Report> acquisition_report() { return std::make_unique<Acquisition>(); }

}  // namespace rapport::server::reports
