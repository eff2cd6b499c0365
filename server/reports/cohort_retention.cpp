// server/reports/cohort_retention.cpp
//
// Cohort retention by month of enrollment: for the members who enrolled in each month (the
// cohort; the enrollment event's day), the share who bought something in the k-th calendar
// month after it, k = 1..12.
// A month that has not ended yet, or lies after `to` (or after the last purchase on record
// when no `to` is given), is no value rather than 0 %.
// Served from cohort_days / cohort_months (server migration 23; PostgreSQL's report
// summaries migration), which triggers keep as members and purchases are written: any store,
// region or period reads a few thousand summary rows instead of every member and purchase,
// so it is fresh without a cache.
#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/value_reports.h"
#include "shared/util/clock.h"

namespace rapport::server::reports {
namespace {

constexpr int kMonths = 12;

constexpr std::array<Column, 2 + kMonths> kColumns{{
    {"cohort", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"month_1", ColumnKind::kPercent},
    {"month_2", ColumnKind::kPercent},
    {"month_3", ColumnKind::kPercent},
    {"month_4", ColumnKind::kPercent},
    {"month_5", ColumnKind::kPercent},
    {"month_6", ColumnKind::kPercent},
    {"month_7", ColumnKind::kPercent},
    {"month_8", ColumnKind::kPercent},
    {"month_9", ColumnKind::kPercent},
    {"month_10", ColumnKind::kPercent},
    {"month_11", ColumnKind::kPercent},
    {"month_12", ColumnKind::kPercent},
}};
constexpr std::array<std::string_view, 4> kChartValues{"month_1", "month_3", "month_6",
                                                       "month_12"};

// A YYYY-MM-DD (or ISO 8601) text as a month count, so months subtract.
std::string month_number(std::string_view column) {
  const std::string c(column);
  return "(CAST(substr(" + c + ", 1, 4) AS INTEGER) * 12 + CAST(substr(" + c +
         ", 6, 2) AS INTEGER))";
}

// The cells after `cohort` and `members`: month k's share once it is over (before the last
// month on record), from `active` (cohort, k, n) and `sizes` (cohort, start, n) named `s`.
std::string share_columns(SqlDialect dialect = SqlDialect::kSqlite) {
  std::string sql;
  for (int k = 1; k <= kMonths; ++k) {
    const std::string kk = std::to_string(k);
    sql += ", CASE WHEN s.start + " + kk + " < (SELECT month FROM last_month) THEN " +
           percent_sql(dialect,
                       "coalesce((SELECT n FROM active a WHERE a.cohort = s.cohort AND a.k = " +
                           kk + "), 0)",
                       "s.n") +
           " END";
  }
  return sql;
}

// The last month on record: `to`'s, or the last purchase's (purchases_day, migration 22).
// PostgreSQL wants a type for the parameter coalesce() is given first, and an alias for a
// subquery in FROM.
std::string last_month_sql(SqlDialect dialect = SqlDialect::kSqlite) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  return "last_month AS (SELECT (CAST(substr(d, 1, 4) AS INTEGER) * 12 + CAST(substr(d, 6, 2) "
         "AS INTEGER)) AS month FROM (SELECT coalesce(" + std::string(sqlite ? "?4" : "?4::text") +
         ", (SELECT max(day) FROM purchases)) AS d)" + (sqlite ? ")" : " AS last)");
}

// From the raw tables: every member of the place and their purchases. Only for a period
// whose bounds are not calendar days (the summary cuts periods by day; the tests' own SQL),
// on both backends. PostgreSQL types the parameters tested for NULL, and takes no output
// alias in WHERE.
std::string scan_sql(const Filter& filter, SqlDialect dialect = SqlDialect::kSqlite) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  const std::string from = sqlite ? "?3" : "?3::text";
  const std::string to = sqlite ? "?4" : "?4::text";
  const std::string k = month_number("p.day") + " - c.start";
  return "WITH joined AS (SELECT m.id, coalesce(m.enrolled_on, substr(m.created_at, 1, 10)) AS "
         "day FROM members m WHERE " + place_condition("m.home_store", filter, dialect) + "), "
         "cohorts AS MATERIALIZED (SELECT id, substr(day, 1, 7) AS cohort, " +
         month_number("day") +
         " AS start FROM joined WHERE (" + from + " IS NULL OR substr(day, 1, 10) >= ?3) "
         "AND (" + to + " IS NULL OR substr(day, 1, 10) <= ?4)), " + last_month_sql(dialect) +
         ", "
         "active AS MATERIALIZED (SELECT c.cohort, " + k + " AS k, count(DISTINCT p.member_id) "
         "AS n FROM cohorts c JOIN purchases p ON p.member_id = c.id "
         "WHERE (" + to + " IS NULL OR p.day <= ?4) AND " + (sqlite ? std::string("k") : k) +
         " BETWEEN 1 AND " + std::to_string(kMonths) +
         " GROUP BY 1, 2), "
         "sizes AS (SELECT cohort, min(start) AS start, count(*) AS n FROM cohorts GROUP BY 1) "
         "SELECT s.cohort, s.n" + share_columns(dialect) + " FROM sizes s ORDER BY s.cohort";
}

// How a period falls on the summary (migration 23): whole months from cohort_months
// [?5, ?6] (either bound may be open), and up to two cut months' days from cohort_days
// ([?7, ?8] and [?9, ?10]). `whole` false: no whole month lies in the period.
struct PeriodParts {
  bool whole = true;
  std::optional<std::string> first_month;  // ?5
  std::optional<std::string> last_month;   // ?6
  std::vector<std::pair<std::string, std::string>> days;  // ?7..?10, at most two
};

std::string month_text(std::chrono::year_month ym) {
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(ym.year()),
                static_cast<unsigned>(ym.month()));
  return text;
}

std::chrono::year_month_day parse_day(const std::string& day) {
  return std::chrono::year{std::stoi(day.substr(0, 4))} /
         std::chrono::month{static_cast<unsigned>(std::stoi(day.substr(5, 2)))} /
         std::chrono::day{static_cast<unsigned>(std::stoi(day.substr(8, 2)))};
}

// Requires: `from` and `to`, when given, are valid YYYY-MM-DD days.
PeriodParts split_period(const Filter& filter) {
  using namespace std::chrono;
  PeriodParts parts;
  std::optional<year_month> lo;
  std::optional<year_month> hi;
  std::optional<std::string> cut_from_end;  // the end of `from`'s month when it starts mid-month
  if (filter.from) {
    const auto from = parse_day(*filter.from);
    const year_month ym{from.year(), from.month()};
    lo = from.day() == day{1} ? ym : ym + months{1};
    if (from.day() != day{1}) {
      const std::string end = month_text(ym) + "-31";
      const std::string cut_end = filter.to && *filter.to < end ? *filter.to : end;
      if (*filter.from <= cut_end) parts.days.emplace_back(*filter.from, cut_end);
      cut_from_end = end;
    }
  }
  if (filter.to) {
    const auto to = parse_day(*filter.to);
    const year_month ym{to.year(), to.month()};
    const bool last = year_month_day_last{to.year(), month_day_last{to.month()}}.day() == to.day();
    hi = last ? ym : ym - months{1};
    const std::string start = month_text(ym) + "-01";
    // Not already cut with `from`'s month (the same month).
    if (!last && !(cut_from_end && *cut_from_end >= start)) {
      const std::string cut_start = filter.from && *filter.from > start ? *filter.from : start;
      if (cut_start <= *filter.to) parts.days.emplace_back(cut_start, *filter.to);
    }
  }
  if (lo) parts.first_month = month_text(*lo);
  if (hi) parts.last_month = month_text(*hi);
  parts.whole = !(lo && hi && *lo > *hi);
  return parts;
}

// From the summary: the place's rows of the month table for the whole months of the
// period, of the day table for the cut ones.
std::string summary_sql(const Filter& filter, const PeriodParts& parts,
                        SqlDialect dialect = SqlDialect::kSqlite) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  // The whole chain reads its own sums on SQLite (months x 13 rows); a store or region its
  // stores'. PostgreSQL keeps no chain-wide rows (every batch of purchases would update the
  // same few, serialising two instances): its chain sums every store's.
  const bool chain = sqlite && !filter.store && !filter.region;
  const std::string months = chain ? "cohort_chain_months" : "cohort_months";
  const std::string days = chain ? "cohort_chain_days" : "cohort_days";
  const std::string place = chain ? "1" : place_condition("store_id", filter, dialect);
  std::vector<std::string> branches;
  if (parts.whole) {
    std::string where = place;
    if (parts.first_month) where += " AND month >= ?5";
    if (parts.last_month) where += " AND month <= ?6";
    branches.push_back("SELECT month AS cohort, k, members FROM " + months + " WHERE " + where);
  }
  for (std::size_t i = 0; i < parts.days.size(); ++i) {
    const std::string lo = std::to_string(7 + 2 * i);
    const std::string hi = std::to_string(8 + 2 * i);
    branches.push_back("SELECT substr(day, 1, 7), k, members FROM " + days + " WHERE " + place +
                       " AND day BETWEEN ?" + lo + " AND ?" + hi);
  }
  std::string parts_sql;
  for (const auto& b : branches) parts_sql += (parts_sql.empty() ? "" : " UNION ALL ") + b;
  if (parts_sql.empty()) {
    parts_sql = sqlite ? "SELECT NULL, NULL, NULL WHERE 0"
                       : "SELECT NULL::text, NULL::integer, NULL::bigint WHERE false";
  }
  // PostgreSQL's sum of BIGINT is NUMERIC: back to BIGINT, so the shares divide as on SQLite.
  return "WITH parts(cohort, k, n) AS (" + parts_sql + "), "
         "sums AS MATERIALIZED (SELECT cohort, k, sum(n)" + (sqlite ? "" : "::bigint") +
         " AS n FROM parts GROUP BY 1, 2), "
         "active AS (SELECT cohort, k, n FROM sums WHERE k > 0), "
         "sizes AS (SELECT cohort, " + month_number("cohort") +
         " AS start, n FROM sums WHERE k = 0 AND n > 0), " + last_month_sql(dialect) + " "
         "SELECT s.cohort, s.n" + share_columns(dialect) + " FROM sizes s ORDER BY s.cohort";
}

// True when the period's bounds are calendar days the summary can cut by.
bool summary_serves(const Filter& filter) {
  return (!filter.from || is_valid_date(*filter.from)) && (!filter.to || is_valid_date(*filter.to));
}

class CohortRetention final : public Report {
 public:
  std::string_view name() const override { return "cohort-retention"; }
  std::string_view description() const override {
    return "Cohort retention: share of each month's new members who bought in month k after";
  }
  std::span<const Column> columns() const override { return kColumns; }
  std::optional<ChartSpec> chart() const override {
    return ChartSpec{ChartKind::kLine, "cohort", kChartValues};
  }
  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    if (!summary_serves(filter)) return stream_query(db, scan_sql(filter), filter, kColumns, sink);
    const PeriodParts parts = split_period(filter);
    RAPPORT_TRY(auto stmt, db.prepare(summary_sql(filter, parts)));
    bind_filter(stmt, filter);
    stmt.bind_optional(5, parts.first_month).bind_optional(6, parts.last_month);
    for (std::size_t i = 0; i < parts.days.size(); ++i) {
      const int at = 7 + 2 * static_cast<int>(i);
      stmt.bind(at, parts.days[i].first).bind(at + 1, parts.days[i].second);
    }
    return stream_statement(stmt, kColumns, sink);
  }
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    if (!summary_serves(filter)) {
      return stream_pg_query(db, scan_sql(filter, SqlDialect::kPostgresql), filter, kColumns,
                             sink);
    }
    const PeriodParts parts = split_period(filter);
    // ?5, ?6 the whole months' bounds, ?7.. the cut months' days, as run() binds them.
    std::vector<pg::Param> own{parts.first_month, parts.last_month};
    for (const auto& [from, to] : parts.days) {
      own.emplace_back(from);
      own.emplace_back(to);
    }
    return stream_pg_query(db, summary_sql(filter, parts, SqlDialect::kPostgresql), filter,
                           kColumns, sink, own);
  }
};

}  // namespace

std::string cohort_retention_sql(const Filter& filter) {
  return summary_serves(filter) ? summary_sql(filter, split_period(filter)) : scan_sql(filter);
}

std::unique_ptr<Report> cohort_retention_report() { return std::make_unique<CohortRetention>(); }

}  // namespace rapport::server::reports
