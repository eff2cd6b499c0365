// shared/storage/sqlite_error.cpp
#include "shared/storage/sqlite_error.h"

#include <spdlog/spdlog.h>

namespace rapport::storage::detail {

ErrorCode sqlite_error(int rc, sqlite3* db, const char* what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  StorageErrc errc = StorageErrc::kOther;
  switch (rc & 0xff) {  // primary result code
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      errc = StorageErrc::kCannotOpen;
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      errc = StorageErrc::kBusy;
      break;
    case SQLITE_CONSTRAINT:
      errc = StorageErrc::kConstraint;
      break;
    case SQLITE_FULL:
      errc = StorageErrc::kDiskFull;
      break;
    case SQLITE_IOERR:
      errc = StorageErrc::kIo;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      errc = StorageErrc::kCorrupt;
      break;
    case SQLITE_MISUSE:
    case SQLITE_ERROR:
    case SQLITE_RANGE:
      errc = StorageErrc::kMisuse;
      break;
    default:
      break;
  }
  // A constraint is often expected (a duplicate); the caller decides whether to shout.
  if (errc == StorageErrc::kConstraint) {
    spdlog::debug("sqlite: {}: {} ({})", what, detail, rc);
  } else {
    spdlog::error("sqlite: {}: {} ({})", what, detail, rc);
  }
  return make_error_code(errc);
}

}  // namespace rapport::storage::detail
