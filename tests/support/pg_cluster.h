// tests/support/pg_cluster.h
//
// A throwaway PostgreSQL 15 cluster for tests and benchmarks: initdb and pg_ctl from
// /usr/lib/postgresql/15/bin in a fresh folder under /tmp, listening on a Unix socket in
// that folder only (no TCP), fsync on, stopped and removed afterwards. initdb and postgres
// refuse to run as root (CI runs as root): then they run as `nobody`, owner of the folder.
// The cluster's superuser is named after the calling user, so libpq connects without a user
// in the URL (trust authentication, which the socket's folder mode keeps to this machine).
//
// Thread-safety: one thread (Catch runs tests one at a time).

#pragma once

#include <filesystem>
#include <string>

namespace rapport::testing {

class PgCluster {
 public:
  // The test binary's one cluster, started on first use (so never while ctest lists the
  // tests), stopped and removed when the program exits. Throws std::runtime_error with
  // the server's log when it cannot start.
  [[nodiscard]] static PgCluster& shared();

  // Starts a cluster of its own (benchmarks). Throws as shared().
  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // Creates a new, empty database and returns its URL (postgresql:///NAME?host=DIR).
  [[nodiscard]] std::string fresh_database();

  [[nodiscard]] const std::filesystem::path& socket_dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string superuser_;
  int databases_ = 0;
  bool running_ = false;
};

}  // namespace rapport::testing
