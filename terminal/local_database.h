// terminal/local_database.h
//
// The terminal's own SQLite file: the member cache (a copy of the store's members from the
// server), the outbox (events recorded here and not yet acknowledged) and the events the
// server refused (rejected_events). Schema:
// docs/schema.md, "Terminal". Each thread of the terminal opens its own connection.

#pragma once

#include <filesystem>
#include <string_view>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::terminal {

// `options` other than the defaults (synchronous=FULL) only for bulk fills that throw the file
// away on failure (benchmarks).
[[nodiscard]] Result<storage::Database> open_local_database(
    const std::filesystem::path& file, const storage::OpenOptions& options = {});

// The same for a part that starts with the terminal (a listener's own connection): throws
// std::runtime_error "<who>: cannot open FILE: why" (start-up only).
[[nodiscard]] storage::Database open_local_database_or_throw(const std::filesystem::path& file,
                                                             std::string_view who);

}  // namespace rapport::terminal
