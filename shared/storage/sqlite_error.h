// shared/storage/sqlite_error.h
//
// Internal to shared/storage: turns an SQLite result code into a StorageErrc and logs the
// SQLite message, so callers get a stable error and operators get the detail.

#pragma once

#include <sqlite3.h>

#include "shared/storage/storage_errc.h"

namespace rapport::storage::detail {

// Requires: `rc` is not SQLITE_OK/ROW/DONE. `db` may be null (open failed early).
ErrorCode sqlite_error(int rc, sqlite3* db, const char* what);

}  // namespace rapport::storage::detail
