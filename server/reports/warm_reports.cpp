// server/reports/warm_reports.cpp
#include "server/reports/warm_reports.h"

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"

namespace rapport::server::reports {
namespace {

// Rows go nowhere: running the report is what fills the cache. A report kept in the cache
// records every row whatever this sink wants (its recording sink takes them all); one that
// is not (the members report's million rows) stops at its first.
struct DiscardingSink final : RowSink {
  void begin(std::span<const Column>) override {}
  void row(std::span<const Cell>) override {}
  void end() override {}
  bool wants_more() const override { return false; }
};

// The whole chain first, then each region (a handful): a region's first view would
// otherwise scan a quarter of the chain on the 1M-member chain (seconds).
std::vector<Filter> warm_filters(const std::vector<std::string>& regions) {
  std::vector<Filter> filters{Filter{}};
  for (const auto& region : regions) {
    Filter filter;
    filter.region = region;
    filters.push_back(std::move(filter));
  }
  return filters;
}

// Runs every report for each filter through `run` (report, filter, sink), counting the views
// that ran. Expected refusals are skipped silently: a chain-wide report asked for a region,
// a report not yet on PostgreSQL.
template <class Run>
std::size_t warm_all(const std::vector<Filter>& filters, const WarmStage& stage, Run run) {
  const auto reports = all_reports();
  std::size_t ran = 0;
  for (const auto& filter : filters) {
    for (const auto& report : reports) {
      const std::string label = filter.region
                                    ? std::string(report->name()) + ", region " + *filter.region
                                    : std::string(report->name());
      if (stage) stage(label);
      DiscardingSink sink;
      if (auto done = run(*report, filter, sink); !done) {
        if (done.error() == make_error_code(ReportsErrc::kChainWideOnly) ||
            done.error() == make_error_code(ReportsErrc::kNotOnPostgresql)) {
          continue;
        }
        spdlog::warn("report {} could not be prepared after the refresh: {}", label,
                     done.error().message());
        continue;
      }
      ++ran;
    }
  }
  return ran;
}

}  // namespace

std::size_t warm_report_cache(const std::filesystem::path& database, const WarmStage& stage) {
  storage::OpenOptions options;
  options.create_if_missing = false;
  auto db = storage::Database::open(database, kSqliteMigrations, options);
  if (!db) {
    spdlog::warn("cannot open {} to prepare the head-office reports: {}", database.string(),
                 db.error().message());
    return 0;
  }
  std::vector<std::string> regions;
  if (auto listed = db->prepare("SELECT DISTINCT region FROM stores WHERE region IS NOT NULL "
                                "ORDER BY 1")) {
    for (;;) {
      const auto row = listed->step();
      if (!row || !*row) break;
      regions.push_back(listed->column_text(0));
    }
  }
  return warm_all(warm_filters(regions), stage,
                  [&](const Report& report, const Filter& filter, RowSink& sink) {
                    return report.run(*db, filter, sink);
                  });
}

std::size_t warm_report_cache_pg(const std::string& url, const WarmStage& stage) {
  auto db = pg::Connection::open(url);
  if (!db) {
    spdlog::warn("cannot connect to PostgreSQL to prepare the head-office reports: {}",
                 db.error().message());
    return 0;
  }
  std::vector<std::string> regions;
  if (const auto listed = db->exec("SELECT DISTINCT region FROM stores WHERE region IS NOT "
                                   "NULL ORDER BY 1")) {
    for (std::size_t r = 0; r < listed->size(); ++r) regions.push_back(listed->text(r, 0));
  }
  return warm_all(warm_filters(regions), stage,
                  [&](const Report& report, const Filter& filter, RowSink& sink) {
                    return report.run_pg(*db, filter, sink);
                  });
}

}  // namespace rapport::server::reports
