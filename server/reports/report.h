// server/reports/report.h
//
// Head-office reports (docs/reports.md) behind one plain interface, so `rapportctl report`,
// CSV exports and a dashboard page run the same code: a report has a name and fixed columns,
// and streams its rows into a RowSink one at a time, never holding them all. Sinks write CSV
// or JSON to a stream (sinks.h); a dashboard page can bring its own.
//
// A report runs on either backend: run() on the server's SQLite database, run_pg() on a chain
// kept in PostgreSQL (server/storage/pg_schema.h). Two entry points rather than one door
// over both: the SQLite path keeps its prepared statements, its report cache and its speed
// untouched, and each report states its PostgreSQL SQL beside its SQLite SQL. A report not
// ported yet answers run_pg() with ReportsErrc::kNotOnPostgresql (docs/reports.md, "On
// PostgreSQL"), never empty rows.
//
// Thread-safety: a Report is immutable; run() and run_pg() use the connection they are given
// (one thread).

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/reports/reports_errc.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::pg {
class Connection;  // server/storage/pg_connection.h
}  // namespace rapport::server::pg

namespace rapport::server::reports {

// What every report can be narrowed to. Dates are YYYY-MM-DD, inclusive; empty: no bound.
// `region`: only stores of that region (stores.region, server migration 18); last, so
// positional initialisers written before it keep their meaning.
struct Filter {
  std::optional<std::string> store;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> region;
};

// kCents: whole cents, an integer. kPercent: a percentage as decimal text ("52.34").
enum class ColumnKind { kText, kInteger, kCents, kPercent };

struct Column {
  std::string_view name;
  ColumnKind kind;
};

using Cell = std::variant<std::monostate, std::int64_t, std::string>;  // monostate: no value

// Receives one report run: begin once, then each row (cells in column order), then end.
// end() is not called when the run fails part way.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void begin(std::span<const Column> columns) = 0;
  virtual void row(std::span<const Cell> cells) = 0;
  virtual void end() = 0;
  // False once the sink has every row it will use (a page that shows the first rows): the
  // report may stop reading and call end(). A report that cannot stop early may go on.
  [[nodiscard]] virtual bool wants_more() const { return true; }
};

// How a report is best drawn (docs/reports.md, "Charts"): one point or bar per row, labelled
// by `label_column`, one dataset per name in `value_columns` (numeric columns of the report).
enum class ChartKind { kBar, kLine };
struct ChartSpec {
  ChartKind kind = ChartKind::kBar;
  std::string_view label_column;
  std::span<const std::string_view> value_columns;
};

class Report {
 public:
  virtual ~Report() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view description() const = 0;
  [[nodiscard]] virtual std::span<const Column> columns() const = 0;
  // How the dashboard draws it; nullopt: a table says it best.
  [[nodiscard]] virtual std::optional<ChartSpec> chart() const { return std::nullopt; }
  // Streams the rows for `filter`. No rows when there is nothing to report (before the first
  // value refresh, for instance): never invented zeros.
  // Requires: `db` is the server's database (server/storage/sqlite_schema.h).
  [[nodiscard]] virtual Result<void> run(storage::Database& db, const Filter& filter,
                                         RowSink& sink) const = 0;
  // The same rows, cell for cell, from a chain on PostgreSQL (tested: reports contract),
  // kept in its report_cache where run() keeps them. Default: not ported yet.
  // Requires: `db` holds the server's PostgreSQL schema (server/storage/pg_schema.h).
  [[nodiscard]] virtual Result<void> run_pg(pg::Connection& /*db*/, const Filter& /*filter*/,
                                            RowSink& /*sink*/) const {
    return make_error_code(ReportsErrc::kNotOnPostgresql);
  }
};

// What reports take from the chain's configuration rather than its database. Whoever runs
// reports (rapportctl report, the dashboard) fills it from config/rewards.toml; default: not
// configured.
struct ReportSettings {
  // What 100 outstanding points are worth in cents ([liability] cents_per_100_points); the
  // rewards report values the points liability with it, and states it in every row.
  std::optional<std::int64_t> liability_cents_per_100_points;
};

// Every report, in the order `rapportctl report --help` lists them.
[[nodiscard]] std::vector<std::unique_ptr<Report>> all_reports(const ReportSettings& settings = {});
// The report called `name`, or null.
[[nodiscard]] std::unique_ptr<Report> find_report(std::string_view name,
                                                  const ReportSettings& settings = {});

}  // namespace rapport::server::reports
