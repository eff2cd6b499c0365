// server/reports/warm_reports.h
//
// Runs every head-office report once for the whole chain (no filter) right after a full
// value refresh, so the reports kept until the next refresh (cached_report.h) are filled
// before anyone opens them: the first view of the morning reads the cache instead of
// scanning a million members (on the 20M-purchase chain, cohort retention alone scans for
// about 20 s), then once for each region (stores.region; a few), so a region's first view
// reads the cache too. Views of one store or a period still fill their own entries on first
// view (a store's cold run reads its members through members_home_store: well under a
// second). A report that fails is logged and skipped: warming is an optimisation.
//
// Thread-safety: opens its own connection; call from the refreshing thread.

#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace rapport::server::reports {

// Called before each report with its name (and the region, when one), for progress.
using WarmStage = std::function<void(std::string_view report)>;

// Returns how many report views (report x whole chain or region) ran without error.
std::size_t warm_report_cache(const std::filesystem::path& database, const WarmStage& stage = {});

// The same for a chain on PostgreSQL (`url`, a libpq URI): the reports ported there fill its
// report_cache (docs/reports.md, "On PostgreSQL"); the others are skipped.
std::size_t warm_report_cache_pg(const std::string& url, const WarmStage& stage = {});

}  // namespace rapport::server::reports
