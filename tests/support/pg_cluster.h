// tests/support/pg_cluster.h
//
// A throwaway PostgreSQL 15 cluster for tests and benchmarks: initdb and pg_ctl from
// /usr/lib/postgresql/15/bin in a fresh folder under /tmp, listening on a Unix socket in
// that folder only (no TCP), fsync on, stopped and removed afterwards. initdb and postgres
// refuse to run as root (CI runs as root): then they run as `nobody`, owner of the folder.
// The cluster's superuser is named after the calling user, so libpq connects without a user
// in the URL (trust authentication, which the socket's folder mode keeps to this machine).
//
// One cluster per ctest run: the ctest fixture (tests/CMakeLists.txt, `pg.cluster.start` and
// `pg.cluster.stop`, program `rapport-pg-cluster`) starts a cluster with start_shared(FOLDER)
// and names FOLDER to the PostgreSQL tests in RAPPORT_PG_CLUSTER; shared() then attaches to
// it instead of starting one, and each test process makes its own databases (unique names),
// so test processes stay independent and may run in parallel. FOLDER (under the build tree)
// holds only `socket_dir`, the path of the cluster's own folder under /tmp: a Unix socket's
// path must stay under 107 bytes, and under root the cluster's folder must be reachable by
// `nobody`, which a build tree need not be.
//
// Thread-safety: one thread (Catch runs tests one at a time).

#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace rapport::testing {

class PgCluster {
 public:
  // The environment variable naming the fixture's folder.
  static constexpr const char* kEnvironment = "RAPPORT_PG_CLUSTER";

  // The test binary's one cluster, found on first use (so never while ctest lists the
  // tests): the fixture's when RAPPORT_PG_CLUSTER is set (its databases dropped when the
  // program exits; the cluster stays), otherwise one of its own, stopped and removed when
  // the program exits. Throws std::runtime_error with the server's log when it cannot start,
  // or naming the folder when RAPPORT_PG_CLUSTER points where no cluster runs.
  [[nodiscard]] static PgCluster& shared();

  // The fixture's two halves (rapport-pg-cluster start|stop FOLDER). start_shared stops and
  // removes a cluster a killed run left in `folder` first, then starts a new one; it throws
  // as the constructor. stop_shared stops it and removes both folders; nothing to do is fine.
  static void start_shared(const std::filesystem::path& folder);
  static void stop_shared(const std::filesystem::path& folder);

  // Starts a cluster of its own (benchmarks). Throws as shared().
  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // Creates a new, empty database and returns its URL (postgresql:///NAME?host=DIR). The
  // name is unique among every process sharing the cluster.
  [[nodiscard]] std::string fresh_database();

  [[nodiscard]] const std::filesystem::path& socket_dir() const { return dir_; }
  // The cluster's data directory (PGDATA), for tests that read its raw files (erasure).
  [[nodiscard]] std::filesystem::path data_dir() const { return dir_ / "data"; }

 private:
  struct Attach {};  // the fixture's cluster, running in `dir`
  PgCluster(Attach, std::filesystem::path dir);

  std::filesystem::path dir_;
  std::string superuser_;
  std::vector<std::string> databases_;  // made by this process
  bool owned_ = false;                  // started (and so stopped and removed) by this object
};

}  // namespace rapport::testing
