// server/reports/query_rows.h
//
// The one way a report that is a single SQL query streams its rows: binds the filter as
// ?1 store, ?2 from, ?3 to, ?4 region (NULL when absent; a query with a store condition must
// also honour the region, e.g. `store IN (SELECT id FROM stores WHERE region = ?4)`), steps the query and hands each row to the sink
// with cells typed by the report's columns (SQL NULL is no value, never a zero).
//
// Thread-safety: one thread (the Database's). Requires: the query yields columns.size()
// columns in that order; integer/cents columns are SQL integers, text/percent columns text.

#pragma once

#include <span>
#include <string_view>

#include "server/reports/report.h"

namespace rapport::server::reports {

[[nodiscard]] Result<void> stream_query(storage::Database& db, std::string_view sql,
                                        const Filter& filter, std::span<const Column> columns,
                                        RowSink& sink);

}  // namespace rapport::server::reports
