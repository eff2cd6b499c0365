// server/reports/sinks.h
//
// RowSinks that write a report to a stream as it runs (docs/reports.md, "Formats"): CSV with
// a header line (RFC 4180 quoting), or a JSON array of objects keyed by column name. Memory
// stays flat however many rows pass through.
//
// Thread-safety: one thread. Requires: `out` outlives the sink.

#pragma once

#include <memory>
#include <ostream>

#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] std::unique_ptr<RowSink> csv_sink(std::ostream& out);
[[nodiscard]] std::unique_ptr<RowSink> json_sink(std::ostream& out);

}  // namespace rapport::server::reports
