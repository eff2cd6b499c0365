// server/reports/warm_reports.cpp
#include "server/reports/warm_reports.h"

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/storage/sqlite_schema.h"

namespace rapport::server::reports {
namespace {

// Rows go nowhere: running the report is what fills the cache.
struct DiscardingSink final : RowSink {
  void begin(std::span<const Column>) override {}
  void row(std::span<const Cell>) override {}
  void end() override {}
};

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
  // The whole chain first, then each region (a handful): a region's first view would
  // otherwise scan a quarter of the chain on the 1M-member chain (seconds).
  std::vector<Filter> filters{Filter{}};
  if (auto regions = db->prepare("SELECT DISTINCT region FROM stores WHERE region IS NOT NULL "
                                 "ORDER BY 1")) {
    for (;;) {
      const auto row = regions->step();
      if (!row || !*row) break;
      Filter filter;
      filter.region = regions->column_text(0);
      filters.push_back(std::move(filter));
    }
  }
  const auto reports = all_reports();
  std::size_t ran = 0;
  for (const auto& filter : filters) {
    for (const auto& report : reports) {
      const std::string label = filter.region
                                    ? std::string(report->name()) + ", region " + *filter.region
                                    : std::string(report->name());
      if (stage) stage(label);
      DiscardingSink sink;
      if (auto done = report->run(*db, filter, sink); !done) {
        // A chain-wide report refuses a region: expected, nothing to prepare.
        if (done.error() == make_error_code(ReportsErrc::kChainWideOnly)) continue;
        spdlog::warn("report {} could not be prepared after the refresh: {}", label,
                     done.error().message());
        continue;
      }
      ++ran;
    }
  }
  return ran;
}

}  // namespace rapport::server::reports
