// server/storage/pg_store_equity.h
//
// Customer equity per home store over time on PostgreSQL (PostgreSQL migration 9's
// store_equity, the twin of sqlite_store_equity.h with the same rows): while a value refresh
// is saved, each member's new lifetime value is compared with their previous snapshot's, and
// each touched store's change is split into new members, growth, decline and lost members
// (probability alive fell below sqlite::kLostPAlive). Set-based: one statement stages the
// parts from the refresh's value_save table before the snapshots are rewritten, one writes a
// row per store once the refresh is logged. Internal to the PostgreSQL backend
// (pg_value.cpp's save); read by the customer-equity-change report.
//
// Thread-safety: as the Connection, inside the refresh's transaction.

#pragma once

#include <cstdint>
#include <string>

#include "server/storage/pg_connection.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// Requires: value_save holds the refresh's snapshots and value_snapshots the previous ones.
// Leaves the parts in the temporary table equity_save (dropped at commit).
[[nodiscard]] Result<void> stage_store_equity(Connection& db);

// One store_equity row per store in equity_save: its equity after the refresh (its previous
// row plus the change) and the parts. Requires: stage_store_equity ran in this transaction.
[[nodiscard]] Result<void> write_store_equity(Connection& db, std::int64_t refresh_id,
                                              const std::string& as_of);

}  // namespace rapport::server::pg
