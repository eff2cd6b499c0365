// server/storage/pg_acquisition_days.h
//
// Keeps PostgreSQL's acquisition_days (pg_report_summaries_schema.h; docs/schema.md) equal to
// its members' snapshots while a value refresh is saved, as sqlite_acquisition_days.h does on
// SQLite: triggers follow the members, not value_snapshots, whose every row a full refresh
// rewrites. Set-based: the refresh's value_save rows compared with the snapshots before it,
// each (scope, enrollment day, channel)'s change in valued members and lifetime value added
// through acquisition_apply (key order, as the triggers).
// Internal to the PostgreSQL backend (pg_value.cpp's save).
//
// Thread-safety: as the Connection, inside the refresh's transaction.

#pragma once

#include "server/storage/pg_connection.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// Two steps, so that acquisition_days is written only after the save has locked its members
// (as every other writer of it does: enrollment, moves and merges lock members first; in the
// other order a save and an enrollment deadlocked). stage: each saved member's change against
// the previous snapshot (newly valued, lifetime value's difference), into the temporary
// acquisition_save. Requires: value_save holds the refresh's snapshots and value_snapshots
// still the previous ones.
[[nodiscard]] Result<void> stage_acquisition_value_changes(Connection& db);
// add: the staged changes where each member counts now (a member merged away counts nowhere),
// summed per (scope, enrollment day, channel). Requires: stage ran in this transaction.
[[nodiscard]] Result<void> add_acquisition_value_changes(Connection& db);

}  // namespace rapport::server::pg
