// bench/bench_reports.cpp
//
// Every head-office report (server/reports/all_reports()) on a server data folder, each run
// 1 + R times into a sink that only counts rows (and stops, as a page does, after 1,001):
// the first run (cold: it fills the report cache, cached_report.h, after a value refresh) and
// p50/p95 of the R runs after it.
// Issue 11 asks for under 200 ms at p95 with 1,000,000 members, 20,000,000 purchases and 500
// stores. Prints figures; asserts nothing about speed (docs/performance.md, "Reports").
//
// --warm fills the cache as the scheduler does after a full refresh (warm_reports.h) before
// measuring, so "first" is the first view a user sees the morning after. --periods N
// measures instead the first view of N random periods (from a random day of the purchases'
// span, 1-365 days long, with the --store/--region given): the p95 of what someone
// choosing periods waits, each a filter nobody opened before.
//
// --database URL runs the reports on that PostgreSQL database (a `storage migrate` copy of the
// folder's chain, refreshed there) through run_pg() instead of on the folder's SQLite file.
//
//   bench_reports --data DIR [--runs R] [--store S] [--region R] [--from D] [--to D]
//                 [--report NAME]... [--warm] [--periods N [--seed K]] [--database URL]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/reports/warm_reports.h"
#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"
#include "shared/util/clock.h"
#include "shared/util/huge_pages.h"

namespace {

using namespace rapport;
namespace reports = rapport::server::reports;

// Counts rows and, like the dashboard's page (DashboardOptions::report_page_rows, 1000), stops
// wanting them one past the page: the members report's page reads 1,001 rows, not a million
// (its whole export is bench_report_export's).
struct CountingSink final : reports::RowSink {
  static constexpr std::size_t kPageRows = 1000;
  std::size_t rows = 0;
  void begin(std::span<const reports::Column>) override {}
  void row(std::span<const reports::Cell>) override { ++rows; }
  void end() override {}
  bool wants_more() const override { return rows <= kPageRows; }
};

double percentile(std::vector<double> ms, double p) {
  std::sort(ms.begin(), ms.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(ms.size() - 1) + 0.5);
  return ms[std::min(at, ms.size() - 1)];
}

constexpr std::string_view kSpanSql = "SELECT min(day), max(day) FROM purchases";

using DaySpan = std::pair<std::chrono::sys_days, std::chrono::sys_days>;

std::chrono::sys_days parse_day(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  std::sscanf(text.c_str(), "%d-%u-%u", &y, &m, &d);
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

// The first and last purchase day (purchases_day: two index reads).
std::optional<DaySpan> purchase_span(storage::Database& db) {
  auto stmt = db.prepare(kSpanSql);
  if (!stmt) return std::nullopt;
  const auto row = stmt->step();
  if (!row || !*row || stmt->column_is_null(0)) return std::nullopt;
  return DaySpan{parse_day(stmt->column_text(0)), parse_day(stmt->column_text(1))};
}

std::optional<DaySpan> purchase_span(server::pg::Connection& db) {
  const auto rows = db.exec(kSpanSql);
  if (!rows || rows->size() == 0 || !rows->optional_text(0, 0)) return std::nullopt;
  return DaySpan{parse_day(rows->text(0, 0)), parse_day(rows->text(0, 1))};
}

// Where the reports run: the folder's SQLite file, or a PostgreSQL database (--database).
struct Backend {
  storage::Database* sqlite = nullptr;
  server::pg::Connection* pg = nullptr;

  Result<void> run(const reports::Report& report, const reports::Filter& filter,
                   reports::RowSink& sink) const {
    return pg ? report.run_pg(*pg, filter, sink) : report.run(*sqlite, filter, sink);
  }
};

}  // namespace

int main(int argc, char** argv) {
  rapport::restart_with_malloc_huge_pages(argv);  // before any thread or allocation matters
  CLI::App app{"bench_reports: p50/p95 of every head-office report on a data folder"};
  app.footer(
      "Example: rapportctl init --data /tmp/chain --store S1 && rapportctl seed --data /tmp/chain "
      "--members 20000 --stores 20 --bulk && rapportctl value refresh --data /tmp/chain && "
      "bench_reports --data /tmp/chain --runs 20 --region North; "
      "bench_reports --data /tmp/chain --warm --periods 20; on PostgreSQL: bench_reports --data "
      "/tmp/chain --database postgresql:///chain?host=/tmp/pgc/socket_dir --warm --runs 20");
  std::filesystem::path data;
  int runs = 20;
  reports::Filter filter;
  std::string store, region, from, to;
  std::vector<std::string> only;
  app.add_option("--data", data, "Server data folder (DIR/rapport.db)")->required();
  app.add_option("--runs", runs, "Runs of each report")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--store", store, "Only this store");
  app.add_option("--region", region, "Only the stores of this region (stores.region)");
  app.add_option("--from", from, "First day, YYYY-MM-DD");
  app.add_option("--to", to, "Last day, YYYY-MM-DD");
  app.add_option("--report", only, "Only this report (repeatable); default: every report");
  bool warm = false;
  int periods = 0;
  unsigned seed = 1;
  app.add_flag("--warm", warm,
               "Fill the cache as after a full refresh (whole chain, each region) first");
  app.add_option("--periods", periods,
                 "Measure the first views of N random periods instead of --runs repeats")
      ->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "Seed of the random periods")->capture_default_str();
  std::string database;
  app.add_option("--database", database,
                 "Run the reports on this PostgreSQL URL (a storage migrate copy of the chain, "
                 "refreshed there) instead of the folder's SQLite file");
  CLI11_PARSE(app, argc, argv);
  if (!store.empty()) filter.store = store;
  if (!region.empty()) filter.region = region;
  if (!from.empty()) filter.from = from;
  if (!to.empty()) filter.to = to;

  auto db = storage::Database::open(data / "rapport.db", server::kSqliteMigrations);
  if (!db) {
    std::fprintf(stderr, "bench_reports: cannot open %s: %s\n", (data / "rapport.db").c_str(),
                 db.error().message().c_str());
    return 1;
  }
  std::optional<server::pg::Connection> pg;
  if (!database.empty()) {
    auto opened = server::pg::Connection::open(database);
    if (!opened) {
      std::fprintf(stderr, "bench_reports: cannot open %s: %s\n", database.c_str(),
                   opened.error().message().c_str());
      return 1;
    }
    pg.emplace(std::move(*opened));
  }
  const Backend backend{&*db, pg ? &*pg : nullptr};
  // A new run of the refresh's cache for each bench run: the first run is cold (or, with
  // --warm, as warm as the scheduler leaves it).
  const auto clear_cache = [&]() -> Result<void> {
    const char* clear = "DELETE FROM report_cache";
    if (!pg) return db->execute(clear);
    RAPPORT_TRY_VOID(pg->exec(clear));
    return {};
  };
  if (auto cleared = clear_cache(); !cleared) {
    std::fprintf(stderr, "bench_reports: cannot clear the report cache: %s\n",
                 cleared.error().message().c_str());
    return 1;
  }
  if (warm) {
    std::fprintf(stderr, "warming the report cache as after a full refresh...\n");
    const auto started = std::chrono::steady_clock::now();
    const auto ran = pg ? reports::warm_report_cache_pg(database)
                        : reports::warm_report_cache(data / "rapport.db");
    std::fprintf(stderr, "warmed %zu views in %.1f s\n", ran,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (periods > 0) {
    const auto span = pg ? purchase_span(*pg) : purchase_span(*db);
    if (!span) {
      std::fprintf(stderr, "bench_reports: no purchases, so no period to draw\n");
      return 1;
    }
    std::mt19937 draw(seed);
    std::vector<reports::Filter> filters;
    const auto days = (span->second - span->first).count();
    for (int i = 0; i < periods; ++i) {
      const auto start = span->first + std::chrono::days(std::uniform_int_distribution<long>(0, days)(draw));
      const auto length = std::chrono::days(std::uniform_int_distribution<long>(0, 364)(draw));
      reports::Filter period = filter;
      period.from = to_iso8601_day(start);
      period.to = to_iso8601_day(start + length);
      filters.push_back(std::move(period));
    }
    std::printf("first views of %d random periods within %s..%s\n", periods,
                to_iso8601_day(span->first).c_str(), to_iso8601_day(span->second).c_str());
    std::printf("%-24s %10s %10s %10s\n", "report", "p50 ms", "p95 ms", "max ms");
    int failed = 0;
    for (const auto& report : reports::all_reports()) {
      if (!only.empty() && std::find(only.begin(), only.end(), report->name()) == only.end()) {
        continue;
      }
      std::vector<double> ms;
      for (const auto& period : filters) {
        CountingSink sink;
        const auto start = std::chrono::steady_clock::now();
        const auto ran = backend.run(*report, period, sink);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        if (!ran) {
          if (ran.error() != make_error_code(reports::ReportsErrc::kChainWideOnly)) {
            std::fprintf(stderr, "bench_reports: %s failed: %s\n",
                         std::string(report->name()).c_str(), ran.error().message().c_str());
            ++failed;
          }
          ms.clear();
          break;
        }
      }
      if (ms.empty()) continue;
      std::printf("%-24s %10.1f %10.1f %10.1f\n", std::string(report->name()).c_str(),
                  percentile(ms, 0.5), percentile(ms, 0.95), percentile(ms, 1.0));
      std::fflush(stdout);
    }
    return failed == 0 ? 0 : 1;
  }
  std::printf("%-24s %8s %10s %10s %10s %10s\n", "report", "rows", "first ms", "p50 ms",
              "p95 ms", "max ms");
  int failed = 0;
  for (const auto& report : reports::all_reports()) {
    if (!only.empty() && std::find(only.begin(), only.end(), report->name()) == only.end()) {
      continue;
    }
    std::vector<double> ms;
    std::size_t rows = 0;
    double first = 0;
    for (int i = 0; i <= runs; ++i) {
      CountingSink sink;
      const auto start = std::chrono::steady_clock::now();
      const auto ran = backend.run(*report, filter, sink);
      const double took =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (i == 0) {
        first = took;
      } else {
        ms.push_back(took);
      }
      if (!ran && ran.error() == make_error_code(reports::ReportsErrc::kChainWideOnly)) {
        std::printf("%-24s (whole chain only: no --store/--region)\n",
                    std::string(report->name()).c_str());
        break;
      }
      if (!ran && ran.error() == make_error_code(reports::ReportsErrc::kNotOnPostgresql)) {
        std::printf("%-24s (not yet on PostgreSQL)\n", std::string(report->name()).c_str());
        break;
      }
      if (!ran) {
        std::fprintf(stderr, "bench_reports: %s failed: %s\n", std::string(report->name()).c_str(),
                     ran.error().message().c_str());
        ++failed;
        break;
      }
      rows = sink.rows;
    }
    if (ms.empty()) continue;
    std::printf("%-24s %8zu %10.1f %10.1f %10.1f %10.1f\n", std::string(report->name()).c_str(),
                rows, first, percentile(ms, 0.5), percentile(ms, 0.95), percentile(ms, 1.0));
    std::fflush(stdout);
  }
  return failed == 0 ? 0 : 1;
}
