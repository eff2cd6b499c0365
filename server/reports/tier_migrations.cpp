// server/reports/tier_migrations.cpp
//
// Value-tier sizes and migrations between two days, from tier_history: each member's tier at
// the start (the last change before `from`) against their tier at the end (the last change on
// or before `to`), as a from-tier x to-tier flow table. Members without a tier at the start
// (new since, or no `from` given) are the "(none)" row; the column sums are the tier sizes at
// the end.
//
// Served from tier_moves (migration 24): a tier's size at a day is its moves in less its
// moves out up to that day, and the flow over a period is, for the members who changed tier
// once in it, that change (the period's moves); for everyone else who had a tier at the
// start, no change; and for the few who changed twice or more (tier_retierings), their own
// changes walked here. So the cost follows the days and the members who changed twice, never
// the members. A stale summary (tier_history edited) falls back to grouping the history.
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

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

// The history itself, when the summary cannot serve (stale, or a period ending before it
// starts). Driven from the filter's members: with a store or region, members_home_store finds
// them and tier_history_member each one's rows, instead of grouping the whole history first
// and filtering after (1.6 s for one store of the 1M-member chain).
std::string history_query(const Filter& filter) {
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

constexpr std::string_view kNone = "(none)";

// Each tier's size at the end of the days `days` selects (in less out), from tier_moves.
std::string sizes_sql(std::string_view days) {
  const std::string d(days);
  return "SELECT tier, sum(n) FROM (SELECT to_tier AS tier, members AS n FROM tier_moves "
         "WHERE place = ?5 AND " + d + " UNION ALL SELECT from_tier, -members FROM tier_moves "
         "WHERE place = ?5 AND " + d + " AND from_tier <> '') GROUP BY 1";
}

std::string moves_sql(const Filter& filter) {
  return "SELECT from_tier, to_tier, sum(members) FROM tier_moves WHERE place = ?5 AND " +
         period_condition("day", filter) + " GROUP BY 1, 2";
}

// The changes in the period of the members of the place who changed tier twice or more in
// it (a change from a tier in it whose previous change was in it too), in order: each
// member's from `tier_retierings` alone. Requires: filter.from.
std::string twice_sql(const Filter& filter) {
  const std::string to = filter.to ? " AND r.day <= ?4" : "";
  // From the period's changes, whatever the place (a region's members are far more), each
  // with the member's home store: tier_retierings_previous covers it, no members read.
  return "WITH twice AS (SELECT DISTINCT r.member_id AS id FROM tier_retierings r INDEXED BY "
         "tier_retierings_previous WHERE r.previous_day >= ?3" + to + " AND " +
         place_condition("r.home_store", filter) +
         ") SELECT r.member_id, r.previous_day, r.from_tier, r.to_tier FROM twice t "
         "JOIN tier_retierings r ON r.member_id = t.id AND r.day >= ?3" + to +
         " ORDER BY r.member_id, r.day, r.rowid";
}

using Flow = std::map<std::string, std::map<std::string, std::int64_t>, std::less<>>;

Result<storage::Statement> prepared(storage::Database& db, const std::string& sql,
                                    const Filter& filter, const std::string& place) {
  RAPPORT_TRY(auto stmt, db.prepare(sql));
  bind_filter(stmt, filter);
  stmt.bind(5, std::string_view(place));
  return stmt;
}

Result<std::map<std::string, std::int64_t>> sizes(storage::Database& db, std::string_view days,
                                                  const Filter& filter, const std::string& place) {
  RAPPORT_TRY(auto stmt, prepared(db, sizes_sql(days), filter, place));
  std::map<std::string, std::int64_t> out;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    out[stmt.column_text(0)] = stmt.column_int64(1);
  }
  return out;
}

// One member's tier at the start ('' none) and the end, and their changes in the period
// ('' before their first tier), from their changes from a tier in the period, in order: the
// first one's previous change is either before the period (then its from-tier is where they
// started) or their first tier, in the period (then they started with none).
struct Walk {
  std::int64_t member = -1;
  std::string start, end;
  std::vector<std::pair<std::string, std::string>> changes;
};

void step(Walk& w, const storage::Statement& row, const Filter& filter) {
  std::string from = row.column_text(2);
  std::string to = row.column_text(3);
  if (w.changes.empty()) {
    if (row.column_text(1) >= *filter.from) {
      w.changes.emplace_back(std::string(), from);  // their first tier
    } else {
      w.start = from;
    }
  }
  w.end = to;
  w.changes.emplace_back(std::move(from), std::move(to));
}

// The flow table from the summary. Requires: the summary is not stale; `filter`'s place is
// one the summary keeps (see run_tier_migrations).
Result<Flow> summary_flow(storage::Database& db, const Filter& filter) {
  const std::string place = summary_place(filter);
  Flow flow;
  if (!filter.from) {
    // Everyone starts at (none): the row is the tier sizes at the end.
    RAPPORT_TRY(const auto end, sizes(db, filter.to ? "day <= ?4" : "1", filter, place));
    for (const auto& [tier, n] : end) {
      if (n != 0) flow[std::string(kNone)][tier] = n;
    }
    return flow;
  }
  RAPPORT_TRY(auto start, sizes(db, "day < ?3", filter, place));
  Flow moves;  // from ('' none) -> to -> members, in the period
  {
    RAPPORT_TRY(auto stmt, prepared(db, moves_sql(filter), filter, place));
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      moves[stmt.column_text(0)][stmt.column_text(1)] += stmt.column_int64(2);
    }
  }
  {
    // The members who changed twice or more: their own start and end, not their moves.
    RAPPORT_TRY(auto twice, prepared(db, twice_sql(filter), filter, place));
    const auto settle = [&](const Walk& w) {
      if (w.member < 0) return;
      for (const auto& [from, to] : w.changes) --moves[from][to];
      ++flow[w.start.empty() ? std::string(kNone) : w.start][w.end];
      if (!w.start.empty()) --start[w.start];  // not among those who kept their tier
    };
    Walk w;
    for (;;) {
      RAPPORT_TRY(const bool row, twice.step());
      if (!row) break;
      if (const std::int64_t member = twice.column_int64(0); member != w.member) {
        settle(w);
        w = Walk{member, {}, {}, {}};
      }
      step(w, twice, filter);
    }
    settle(w);
  }
  // Everyone else who changed did so once: that change is their flow.
  for (const auto& [from, tos] : moves) {
    for (const auto& [to, n] : tos) {
      if (n == 0) continue;
      flow[from.empty() ? std::string(kNone) : from][to] += n;
      if (!from.empty()) start[from] -= n;
    }
  }
  // Who had a tier at the start and did not change kept it.
  for (const auto& [tier, n] : start) {
    if (n != 0) flow[tier][tier] += n;
  }
  return flow;
}

int rank(std::string_view tier) {
  constexpr std::array<std::string_view, 4> kOrder{"MVC", "MGC", "LMC", "BZ"};
  for (std::size_t i = 0; i < kOrder.size(); ++i) {
    if (kOrder[i] == tier) return static_cast<int>(i);
  }
  return static_cast<int>(kOrder.size());
}

Result<void> run_tier_migrations(storage::Database& db, const Filter& filter, RowSink& sink) {
  // The summary serves every place it keeps and every period that ends no earlier than it
  // starts, unless an edit of tier_history made it stale.
  bool served = (!filter.region || !filter.region->empty()) &&
                !(filter.from && filter.to && *filter.to < *filter.from);
  if (served) {
    RAPPORT_TRY(auto state, db.prepare("SELECT stale FROM tier_flows_state"));
    RAPPORT_TRY(const bool row, state.step());
    served = row && state.column_int64(0) == 0;
  }
  if (!served) return stream_query(db, history_query(filter), filter, kColumns, sink);
  if (filter.store && filter.region) {
    // Both must hold: a store outside the region has no members here.
    RAPPORT_TRY(auto in_region, db.prepare("SELECT 1 FROM stores WHERE id = ?1 AND region = ?2"));
    bind_filter(in_region, filter);
    RAPPORT_TRY(const bool row, in_region.step());
    if (!row) {
      sink.begin(kColumns);
      sink.end();
      return {};
    }
  }
  RAPPORT_TRY(const Flow flow, summary_flow(db, filter));
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
  return {};
}

}  // namespace

std::vector<std::string> tier_migrations_sql(const Filter& filter) {
  std::vector<std::string> sql{sizes_sql("day < ?3"), moves_sql(filter)};
  if (filter.from) sql.push_back(twice_sql(filter));
  return sql;
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
};

}  // namespace

std::unique_ptr<Report> tier_migrations_report() { return std::make_unique<TierMigrations>(); }

}  // namespace rapport::server::reports
