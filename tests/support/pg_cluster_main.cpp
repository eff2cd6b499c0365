// tests/support/pg_cluster_main.cpp
//
// rapport-pg-cluster: the ctest fixture's program (tests/CMakeLists.txt). `start FOLDER`
// starts the one throwaway PostgreSQL cluster a ctest run's PostgreSQL tests share and
// returns (the cluster keeps running); `stop FOLDER` stops and removes it. The tests find it
// through RAPPORT_PG_CLUSTER=FOLDER (tests/support/pg_cluster.h).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "tests/support/pg_cluster.h"

int main(int argc, char** argv) {
  CLI::App app{"rapport-pg-cluster: the throwaway PostgreSQL cluster of one ctest run"};
  app.footer(
      "Example:\n  rapport-pg-cluster start build/ci/tests/pg-cluster\n"
      "  RAPPORT_PG_CLUSTER=build/ci/tests/pg-cluster build/ci/tests/test_store_contract\n"
      "  rapport-pg-cluster stop build/ci/tests/pg-cluster");
  app.require_subcommand(1);
  std::string folder;
  auto* start = app.add_subcommand("start", "start a cluster, recorded in FOLDER");
  start->add_option("folder", folder, "the fixture's folder (RAPPORT_PG_CLUSTER)")->required();
  auto* stop = app.add_subcommand("stop", "stop the cluster recorded in FOLDER and remove it");
  stop->add_option("folder", folder, "the fixture's folder (RAPPORT_PG_CLUSTER)")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto absolute = std::filesystem::absolute(folder);
    if (start->parsed()) {
      rapport::testing::PgCluster::start_shared(absolute);
      std::printf("PostgreSQL cluster running; RAPPORT_PG_CLUSTER=%s\n", absolute.c_str());
    } else {
      rapport::testing::PgCluster::stop_shared(absolute);
      std::printf("PostgreSQL cluster of %s stopped and removed\n", absolute.c_str());
    }
    return EXIT_SUCCESS;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return EXIT_FAILURE;
  }
}
