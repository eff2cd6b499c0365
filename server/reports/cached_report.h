// server/reports/cached_report.h
//
// A report whose rows, for one filter, are kept in report_cache (migration 16) after its
// first run and replayed until the next full value refresh (a new full row in
// value_refreshes; the changed-members refreshes in between keep it): the
// value-based reports scan every member's snapshot, categories or purchases, which costs
// seconds at a million members, so they are computed once per refresh and then read back
// in milliseconds (docs/reports.md, "Speed"). Figures are therefore as of the latest
// refresh's first view. Results over kMaxCachedRows rows are not kept (streamed only).
// Failing to write the cache (a read-only file, a busy lock) is logged, never an error:
// the rows were already streamed.
//
// Thread-safety: as the wrapped report; run() writes on the Database it is given.

#pragma once

#include <cstddef>
#include <memory>

#include "server/reports/report.h"

namespace rapport::server::reports {

inline constexpr std::size_t kMaxCachedRows = 10'000;

[[nodiscard]] std::unique_ptr<Report> cached(std::unique_ptr<Report> report);

}  // namespace rapport::server::reports
