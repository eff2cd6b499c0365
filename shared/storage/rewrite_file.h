// shared/storage/rewrite_file.h
//
// Rewriting a database file so that bytes of deleted or overwritten rows are gone from the
// disk, not only unlinked: what erasing a member needs on the server and on terminals
// (docs/members-rights.md, "Why VACUUM and a TRUNCATE checkpoint").
//
// SQLite leaves old copies of a row behind whenever it is updated or deleted: in free space
// inside pages, on free pages, and as whole old page images in the -wal file until a
// checkpoint. secure_delete only zeroes what is freed from the moment it is switched on, not
// the copies that earlier updates left. So the file is rebuilt (VACUUM writes every live row
// into fresh pages) and the WAL is checkpointed into it and truncated to zero bytes.

#pragma once

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::storage {

// VACUUM, then PRAGMA wal_checkpoint(TRUNCATE), retried for up to `wait` while other
// connections still read old WAL frames. kBusy when the checkpoint could not complete in
// that time: the file is rebuilt but the -wal file may still hold old pages (run it again).
// Requires: no transaction open on `db`. Other connections may stay open; writers wait.
[[nodiscard]] Result<void> rewrite_file(Database& db,
                                        std::chrono::milliseconds wait = std::chrono::seconds(30));

}  // namespace rapport::storage
