// server/reports/warm_reports.cpp
#include "server/reports/warm_reports.h"

#include <spdlog/spdlog.h>

#include "server/reports/report.h"
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
  std::size_t ran = 0;
  for (const auto& report : all_reports()) {
    if (stage) stage(report->name());
    DiscardingSink sink;
    if (auto done = report->run(*db, Filter{}, sink); !done) {
      spdlog::warn("report {} could not be prepared after the refresh: {}", report->name(),
                   done.error().message());
      continue;
    }
    ++ran;
  }
  return ran;
}

}  // namespace rapport::server::reports
