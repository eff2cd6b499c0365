// bench/bench_reports.cpp
//
// Every head-office report (server/reports/all_reports()) on a server data folder, each run
// 1 + R times into a sink that only counts rows: the first run (cold: it fills the report
// cache, cached_report.h, after a value refresh) and p50/p95 of the R runs after it.
// Issue 11 asks for under 200 ms at p95 with 1,000,000 members, 20,000,000 purchases and 500
// stores. Prints figures; asserts nothing about speed (docs/performance.md, "Reports").
//
//   bench_reports --data DIR [--runs R] [--store S] [--region R] [--from D] [--to D]
//                 [--report NAME]...

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/storage/sqlite_schema.h"
#include "shared/util/huge_pages.h"

namespace {

using namespace rapport;
namespace reports = rapport::server::reports;

struct CountingSink final : reports::RowSink {
  std::size_t rows = 0;
  void begin(std::span<const reports::Column>) override {}
  void row(std::span<const reports::Cell>) override { ++rows; }
  void end() override {}
};

double percentile(std::vector<double> ms, double p) {
  std::sort(ms.begin(), ms.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(ms.size() - 1) + 0.5);
  return ms[std::min(at, ms.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  rapport::restart_with_malloc_huge_pages(argv);  // before any thread or allocation matters
  CLI::App app{"bench_reports: p50/p95 of every head-office report on a data folder"};
  app.footer(
      "Example: rapportctl init --data /tmp/chain --store S1 && rapportctl seed --data /tmp/chain "
      "--members 20000 --stores 20 --bulk && rapportctl value refresh --data /tmp/chain && "
      "bench_reports --data /tmp/chain --runs 20 --region North");
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
  // A new run of the refresh's cache for each bench run: the first run is cold.
  if (auto cleared = db->execute("DELETE FROM report_cache"); !cleared) {
    std::fprintf(stderr, "bench_reports: cannot clear the report cache: %s\n",
                 cleared.error().message().c_str());
    return 1;
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
      const auto ran = report->run(*db, filter, sink);
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
