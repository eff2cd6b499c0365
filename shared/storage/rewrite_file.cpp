// shared/storage/rewrite_file.cpp
#include "shared/storage/rewrite_file.h"

#include <thread>

#include "shared/storage/storage_errc.h"

namespace rapport::storage {

Result<void> rewrite_file(Database& db, std::chrono::milliseconds wait) {
  RAPPORT_TRY_VOID(db.execute("VACUUM"));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    // One row: busy (1 when a reader kept it from finishing), frames in the log, frames
    // checkpointed. TRUNCATE leaves a zero-byte -wal file when it completes.
    RAPPORT_TRY(auto checkpoint, db.prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
    RAPPORT_TRY(const bool row, checkpoint.step());
    const bool busy = row && checkpoint.column_int64(0) != 0;
    if (!busy) return {};
    if (std::chrono::steady_clock::now() >= deadline) return StorageErrc::kBusy;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace rapport::storage
