// server/storage/pg_acquisition_days.h
//
// Keeps PostgreSQL's acquisition_days (pg_report_summaries_schema.h; docs/schema.md) equal to
// its members' snapshots while a value refresh is saved, as sqlite_acquisition_days.h does on
// SQLite: triggers follow the members, not value_snapshots, whose every row a full refresh
// rewrites. Set-based: one statement compares the refresh's value_save rows with the
// snapshots before it and adds each (scope, enrollment day, channel)'s change in valued
// members and lifetime value, through acquisition_apply (key order, as the triggers).
// Internal to the PostgreSQL backend (pg_value.cpp's save).
//
// Thread-safety: as the Connection, inside the refresh's transaction.

#pragma once

#include "server/storage/pg_connection.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// Requires: value_save holds the refresh's snapshots and value_snapshots still the previous
// ones. A member merged away counts nowhere; the others where their members row says now.
[[nodiscard]] Result<void> add_acquisition_value_changes(Connection& db);

}  // namespace rapport::server::pg
