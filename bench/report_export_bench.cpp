// bench/report_export_bench.cpp
//
// A head-office report exported whole as CSV, as `rapportctl report NAME --format csv` and
// the dashboard's CSV link do, written to /dev/null: rows per second, and the process's
// memory every --every rows, so it shows whether the export streams (memory flat) or holds
// rows (memory growing with them). Issue 11: "a full CSV export of all members streams at a
// steady memory" at 1,000,000 members. Prints figures; asserts nothing about speed.
//
// RssAnon is the heap and stacks (what holding rows would grow); RssFile is file pages
// mapped into the process (SQLite's memory-mapped reads, if on), which the kernel can drop.
//
//   bench_report_export --data DIR [--report members] [--store S] [--region R]
//                       [--from D] [--to D] [--every N]

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/proc_status.h"
#include "server/reports/report.h"
#include "server/reports/sinks.h"
#include "server/storage/sqlite_schema.h"
#include "shared/util/huge_pages.h"

namespace {

using namespace rapport;
namespace reports = rapport::server::reports;
using Clock = std::chrono::steady_clock;

// Passes every row to the CSV sink and prints the memory every `every` rows.
class MeasuringSink final : public reports::RowSink {
 public:
  MeasuringSink(reports::RowSink& csv, std::size_t every) : csv_(csv), every_(every) {}
  void begin(std::span<const reports::Column> columns) override {
    csv_.begin(columns);
    sample();
  }
  void row(std::span<const reports::Cell> cells) override {
    csv_.row(cells);
    if (++rows_ % every_ == 0) sample();
  }
  void end() override {
    csv_.end();
    sample();
  }
  [[nodiscard]] std::size_t rows() const { return rows_; }
  [[nodiscard]] long peak_anon_kb() const { return peak_anon_kb_; }

 private:
  void sample() {
    const long anon = bench::status_kb(::getpid(), "RssAnon");
    const long file = bench::status_kb(::getpid(), "RssFile");
    if (anon > peak_anon_kb_) peak_anon_kb_ = anon;
    std::printf("%10zu %10.2f %12.1f %12.1f\n", rows_,
                std::chrono::duration<double>(Clock::now() - started_).count(),
                static_cast<double>(anon) / 1024.0, static_cast<double>(file) / 1024.0);
    std::fflush(stdout);
  }

  reports::RowSink& csv_;
  std::size_t every_;
  std::size_t rows_ = 0;
  long peak_anon_kb_ = 0;
  Clock::time_point started_ = Clock::now();
};

}  // namespace

int main(int argc, char** argv) {
  rapport::restart_with_malloc_huge_pages(argv);  // as the other benches: the same allocator
  CLI::App app{"bench_report_export: a report exported whole as CSV, its speed and memory"};
  app.footer(
      "Example: rapportctl init --data /tmp/chain --store S1 && rapportctl seed --data /tmp/chain "
      "--members 20000 --stores 20 --bulk && rapportctl value refresh --data /tmp/chain && "
      "bench_report_export --data /tmp/chain --report members --every 5000");
  std::filesystem::path data;
  std::string name = "members";
  std::size_t every = 100'000;
  std::string store, region, from, to;
  app.add_option("--data", data, "Server data folder (DIR/rapport.db)")->required();
  app.add_option("--report", name, "The report to export")->capture_default_str();
  app.add_option("--every", every, "Print the memory every N rows")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000'000}));
  app.add_option("--store", store, "Only this store");
  app.add_option("--region", region, "Only the stores of this region (stores.region)");
  app.add_option("--from", from, "First day, YYYY-MM-DD");
  app.add_option("--to", to, "Last day, YYYY-MM-DD");
  CLI11_PARSE(app, argc, argv);
  reports::Filter filter;
  if (!store.empty()) filter.store = store;
  if (!region.empty()) filter.region = region;
  if (!from.empty()) filter.from = from;
  if (!to.empty()) filter.to = to;

  const auto report = reports::find_report(name);
  if (!report) {
    std::fprintf(stderr, "bench_report_export: no report called '%s'\n", name.c_str());
    return 1;
  }
  auto db = storage::Database::open(data / "rapport.db", server::kSqliteMigrations);
  if (!db) {
    std::fprintf(stderr, "bench_report_export: cannot open %s: %s\n",
                 (data / "rapport.db").c_str(), db.error().message().c_str());
    return 1;
  }
  std::ofstream null("/dev/null");
  const auto csv = reports::csv_sink(null);
  std::printf("%10s %10s %12s %12s\n", "rows", "seconds", "RssAnon MiB", "RssFile MiB");
  MeasuringSink sink(*csv, every);
  const auto started = Clock::now();
  if (const auto ran = report->run(*db, filter, sink); !ran) {
    std::fprintf(stderr, "bench_report_export: %s failed: %s\n", name.c_str(),
                 ran.error().message().c_str());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("%s: %zu rows in %.2f s (%.0f rows/s), peak RssAnon %.1f MiB, VmHWM %.1f MiB\n",
              name.c_str(), sink.rows(), seconds,
              seconds > 0 ? static_cast<double>(sink.rows()) / seconds : 0.0,
              static_cast<double>(sink.peak_anon_kb()) / 1024.0,
              static_cast<double>(bench::status_kb(::getpid(), "VmHWM")) / 1024.0);
  return 0;
}
