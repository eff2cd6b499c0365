// tests/support/pg_files.h
//
// The raw bytes PostgreSQL keeps on disk for one database of the test cluster
// (tests/support/pg_cluster.h): every file under base/<database oid>/ in its data directory
// (tables, indexes, TOAST, the free space and visibility maps, pg_statistic), as erasure tests
// read them. Not pg_wal: PostgreSQL keeps old WAL segments until it recycles them, and what
// that means for erasure is in docs/members-rights.md, "On PostgreSQL". For test programs
// that link rapport_server (pg_connection.h).

#pragma once

#include <filesystem>
#include <string>

#include "server/storage/pg_connection.h"
#include "shared/util/files.h"
#include "tests/support/pg_cluster.h"

namespace rapport::testing {

// Requires: `url` names a database of PgCluster::shared(). What the server has not written
// to the files yet (shared buffers) is not there: run CHECKPOINT first to see everything.
inline std::string pg_database_bytes(const std::string& url) {
  auto connection = server::pg::Connection::open(url).value();
  const auto oid = connection.exec("SELECT oid FROM pg_database WHERE datname = current_database()")
                       .value()
                       .text(0, 0);
  std::string bytes;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           PgCluster::shared().data_dir() / "base" / oid)) {
    if (entry.is_regular_file()) bytes += read_file(entry.path().string()).value_or("");
  }
  return bytes;
}

}  // namespace rapport::testing
