// server/reports/tier_migrations.cpp
//
// Value-tier sizes and migrations between two days, from tier_history: each member's tier at
// the start (the last change before `from`) against their tier at the end (the last change on
// or before `to`), as a from-tier x to-tier flow table. Members without a tier at the start
// (new since, or no `from` given) are the "(none)" row; the column sums are the tier sizes at
// the end.
//
// Served from tier_checkpoints (SQLite migration 25, PostgreSQL migration 11: tier_checkpoint.h):
// every member's tier at the end of the day before the period and at its end are two rows,
// and the flow is one pass over them (by member id for the chain; the place's members, found
// by their home store, for a store or region). So the cost follows the members of the place,
// never the number of tier changes in the period. While the checkpoints are not current (an
// edit of tier_history, or no refresh since the migration), the report groups the history.
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/value_reports.h"
#include "server/storage/pg_tier_checkpoints.h"
#include "server/storage/sqlite_tier_checkpoints.h"

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

// The history itself, when the checkpoints cannot serve (not current, or a period ending
// before it starts), on either backend. Driven from the filter's members: with a store or region,
// members_home_store finds them and tier_history_member each one's rows, instead of grouping
// the whole history first and filtering after (1.6 s for one store of the 1M-member chain).
// Each member's last row: SQLite's bare column beside max(), PostgreSQL's DISTINCT ON.
std::string history_query(const Filter& filter, SqlDialect dialect = SqlDialect::kSqlite) {
  const std::string place = place_condition("m.home_store", filter, dialect);
  if (dialect == SqlDialect::kPostgresql) {
    return "WITH at_end AS MATERIALIZED (SELECT DISTINCT ON (h.member_id) h.member_id, h.tier "
           "FROM members m JOIN tier_history h ON h.member_id = m.id WHERE " + place +
           " AND (?4::text IS NULL OR substr(h.changed_at, 1, 10) <= ?4) "
           "ORDER BY h.member_id, h.changed_at DESC), "
           "at_start AS MATERIALIZED (SELECT DISTINCT ON (h.member_id) h.member_id, h.tier "
           "FROM members m JOIN tier_history h ON h.member_id = m.id WHERE " + place +
           " AND ?3::text IS NOT NULL AND substr(h.changed_at, 1, 10) < ?3 "
           "ORDER BY h.member_id, h.changed_at DESC) "
           "SELECT coalesce(s.tier, '(none)') AS from_tier, count(*), "
           "count(*) FILTER (WHERE e.tier = 'MVC'), count(*) FILTER (WHERE e.tier = 'MGC'), "
           "count(*) FILTER (WHERE e.tier = 'LMC'), count(*) FILTER (WHERE e.tier = 'BZ') "
           "FROM at_end e LEFT JOIN at_start s ON s.member_id = e.member_id "
           "GROUP BY 1 ORDER BY CASE coalesce(s.tier, '(none)') WHEN 'MVC' THEN 1 "
           "WHEN 'MGC' THEN 2 WHEN 'LMC' THEN 3 WHEN 'BZ' THEN 4 ELSE 5 END";
  }
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

constexpr std::string_view kNone = "(none)";

using Flow = std::map<std::string, std::map<std::string, std::int64_t>, std::less<>>;

std::string tier_name(std::uint8_t code) {
  return code == 0 ? std::string(kNone) : std::string(kTierNames[code - 1]);
}

// The flow from the end's checkpoint and the start's (none: before anyone had a tier) over
// `members` (none: every member id).
Flow flow_between(const TierCheckpoint& end, const std::optional<TierCheckpoint>& start,
                  const std::optional<std::vector<std::int64_t>>& members) {
  std::array<std::array<std::int64_t, 5>, 5> counts{};  // [start code][end code]
  const auto count = [&](std::int64_t id) {
    const std::uint8_t to = end.tier_of(id);
    if (to == 0) return;  // no tier at the end: not in the table
    ++counts[start ? start->tier_of(id) : 0][to];
  };
  if (members) {
    for (const auto id : *members) count(id);
  } else {
    for (std::int64_t id = 0; id < end.end_id(); ++id) count(id);
  }
  Flow flow;
  for (std::uint8_t from = 0; from < counts.size(); ++from) {
    for (std::uint8_t to = 1; to < counts[from].size(); ++to) {
      if (counts[from][to] != 0) flow[tier_name(from)][tier_name(to)] = counts[from][to];
    }
  }
  return flow;
}

// The flow from the checkpoints. Requires: they are current; no period ends before it starts.
Result<Flow> checkpoint_flow(storage::Database& db, const Filter& filter) {
  // The end: the last checkpoint on or before `to` (the newest without one).
  RAPPORT_TRY(const auto end,
              sqlite::tier_checkpoint_at(db, filter.to ? *filter.to : "9999-12-31", true));
  if (!end) return Flow{};  // nobody had a tier by then
  std::optional<TierCheckpoint> start;
  if (filter.from) {
    RAPPORT_TRY(start, sqlite::tier_checkpoint_at(db, *filter.from, false));
  }
  std::optional<std::vector<std::int64_t>> members;
  if (filter.store || filter.region) {
    members.emplace();
    RAPPORT_TRY(auto ids, db.prepare(tier_migrations_members_sql(filter)));
    bind_filter(ids, filter);
    for (;;) {
      RAPPORT_TRY(const bool row, ids.step());
      if (!row) break;
      members->push_back(ids.column_int64(0));
    }
  }
  return flow_between(*end, start, members);
}

// The same on PostgreSQL (its migration 11's checkpoints).
Result<Flow> checkpoint_flow(pg::Connection& db, const Filter& filter) {
  RAPPORT_TRY(const auto end,
              pg::tier_checkpoint_at(db, filter.to ? *filter.to : "9999-12-31", true));
  if (!end) return Flow{};
  std::optional<TierCheckpoint> start;
  if (filter.from) {
    RAPPORT_TRY(start, pg::tier_checkpoint_at(db, *filter.from, false));
  }
  std::optional<std::vector<std::int64_t>> members;
  if (filter.store || filter.region) {
    const auto statement = pg_statement(
        "SELECT m.id FROM members m WHERE " +
            place_condition("m.home_store", filter, SqlDialect::kPostgresql),
        filter_params(filter));
    RAPPORT_TRY(const auto ids, db.exec(statement.sql, statement.params));
    members.emplace();
    members->reserve(ids.size());
    for (std::size_t r = 0; r < ids.size(); ++r) members->push_back(ids.int64(r, 0));
  }
  return flow_between(*end, start, members);
}

int rank(std::string_view tier) {
  constexpr std::array<std::string_view, 4> kOrder{"MVC", "MGC", "LMC", "BZ"};
  for (std::size_t i = 0; i < kOrder.size(); ++i) {
    if (kOrder[i] == tier) return static_cast<int>(i);
  }
  return static_cast<int>(kOrder.size());
}

// A period that ends before it starts has no day: the history's query says so (no rows).
bool inverted(const Filter& filter) { return filter.from && filter.to && *filter.to < *filter.from; }

void emit_flow(const Flow& flow, RowSink& sink) {
  std::vector<std::pair<std::string, const std::map<std::string, std::int64_t>*>> rows;
  for (const auto& [from, tos] : flow) rows.emplace_back(from, &tos);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
  sink.begin(kColumns);
  std::vector<Cell> cells(kColumns.size());
  for (const auto& [from, tos] : rows) {
    std::int64_t members = 0;
    for (const auto& [to, n] : *tos) members += n;
    if (members <= 0) continue;
    cells[0] = from;
    cells[1] = members;
    for (std::size_t t = 0; t < kChartValues.size(); ++t) {
      const auto found = tos->find(std::string(kChartValues[t].substr(3)));
      cells[2 + t] = found == tos->end() ? 0 : found->second;
    }
    sink.row(cells);
  }
  sink.end();
}

Result<void> run_tier_migrations(storage::Database& db, const Filter& filter, RowSink& sink) {
  bool served = !inverted(filter);
  if (served) {
    RAPPORT_TRY(served, sqlite::tier_checkpoints_current(db));
  }
  if (!served) return stream_query(db, history_query(filter), filter, kColumns, sink);
  RAPPORT_TRY(const Flow flow, checkpoint_flow(db, filter));
  emit_flow(flow, sink);
  return {};
}

Result<void> run_tier_migrations(pg::Connection& db, const Filter& filter, RowSink& sink) {
  bool served = !inverted(filter);
  if (served) {
    RAPPORT_TRY(served, pg::tier_checkpoints_current(db));
  }
  if (!served) {
    return stream_pg_query(db, history_query(filter, SqlDialect::kPostgresql), filter, kColumns,
                           sink);
  }
  RAPPORT_TRY(const Flow flow, checkpoint_flow(db, filter));
  emit_flow(flow, sink);
  return {};
}

}  // namespace

std::string tier_migrations_members_sql(const Filter& filter) {
  return "SELECT m.id FROM members m WHERE " + place_condition("m.home_store", filter);
}

namespace {

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
    return run_tier_migrations(db, filter, sink);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return run_tier_migrations(db, filter, sink);
  }
};

}  // namespace

std::unique_ptr<Report> tier_migrations_report() { return std::make_unique<TierMigrations>(); }

}  // namespace rapport::server::reports
