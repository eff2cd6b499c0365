// server/reports/members_report.cpp
#include "server/reports/members_report.h"

#include <array>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 18> kColumns{{
    {"member_id", ColumnKind::kInteger},
    {"status", ColumnKind::kText},
    {"home_store", ColumnKind::kText},
    {"region", ColumnKind::kText},
    {"enrolled_on", ColumnKind::kText},
    {"channel", ColumnKind::kText},
    {"referred_by", ColumnKind::kInteger},
    {"visits", ColumnKind::kInteger},
    {"last_visit", ColumnKind::kText},
    {"purchase_days", ColumnKind::kInteger},
    {"revenue_cents", ColumnKind::kCents},
    {"value_tier", ColumnKind::kText},
    {"p_alive_percent", ColumnKind::kPercent},
    {"historic_value_cents", ColumnKind::kCents},
    {"lifetime_value_cents", ColumnKind::kCents},
    {"referral_value_cents", ColumnKind::kCents},
    {"total_value_cents", ColumnKind::kCents},
    {"value_as_of", ColumnKind::kText},
}};

class Members final : public Report {
 public:
  std::string_view name() const override { return "members"; }
  std::string_view description() const override {
    return "Every member, one row each (no names or contacts): home store, enrollment, visits, "
           "revenue and the latest value; a period selects the members enrolled in it, in "
           "order of enrollment";
  }
  std::span<const Column> columns() const override { return kColumns; }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    return stream_query(db, members_sql(filter), filter, kColumns, sink);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return stream_pg_cursor(db, members_sql(filter, SqlDialect::kPostgresql), filter, kColumns,
                            sink);
  }
};

}  // namespace

// ?1 store, ?2 region, ?3 from, ?4 to (the enrollment day). No names, contacts or birth dates:
// head office compares members by what they are worth, and a file of every member's personal
// data is the one export a chain must not hand round (one member's own data is `rapportctl
// member export`). Erased members stay (their id no longer leads to a person); members merged
// into another are left out, as in acquisition (their history moved to the survivor).
// Rows come in an order an index gives, so the first rows come at once and nothing is held
// for a sort: by member id (a store reads members_home_store, anything else walks members by
// id); with a period, by enrollment day then id, from members_enrolled_on (migration 27)
// over the period alone. A region alone is tested per row ("+" keeps SQLite from reading
// members_home_store store by store and then sorting the lot).
std::string members_sql(const Filter& filter, SqlDialect dialect) {
  const bool period = filter.from || filter.to;
  const bool sqlite = dialect == SqlDialect::kSqlite;
  const std::string place = place_condition(
      filter.store || !sqlite ? "m.home_store" : "+m.home_store", filter, dialect);
  return "SELECT m.id, CASE WHEN m.erased_at IS NULL THEN 'member' ELSE 'erased' END, "
         "  m.home_store, s.region, m.enrolled_on, coalesce(m.channel, 'unknown'), "
         "  m.referred_by, m.visit_count, substr(m.last_visit, 1, 10), m.purchase_days, "
         "  m.revenue_cents, v.tier, "
         // No snapshot, no value: SQLite's printf would print NULL as "0.00".
         "  CASE WHEN v.member_id IS NOT NULL THEN " + percent_sql(dialect, "v.p_alive", "1") +
         " END, "
         "  v.historic_value_cents, v.lifetime_value_cents, v.referral_value_cents, "
         "  v.total_value_cents, v.as_of "
         "FROM members m "
         "LEFT JOIN stores s ON s.id = m.home_store "
         "LEFT JOIN value_snapshots v ON v.member_id = m.id "
         "WHERE m.merged_into IS NULL AND " + place + " AND " +
         period_condition("m.enrolled_on", filter, dialect) +
         (period ? " ORDER BY m.enrolled_on, m.id" : " ORDER BY m.id");
}

std::unique_ptr<Report> members_report() { return std::make_unique<Members>(); }

}  // namespace rapport::server::reports
