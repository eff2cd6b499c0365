// server/main.cpp
//
// rapport-server: the chain's central server. Terminals sync over mutual TLS; every event
// is stored once in SQLite before it is acknowledged. SIGINT/SIGTERM stop it gracefully.

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "server/server_config.h"
#include "server/storage/store.h"
#include "server/sync_handler.h"
#include "shared/config/config_file.h"
#include "shared/net/https_server.h"
#include "shared/util/logging.h"

namespace {

int wait_for_stop_signal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rapport-server: the Rapport loyalty server (terminal sync over mutual TLS)"};
  app.footer(
      "Example:\n  rapport-server --config /var/lib/rapport/server.toml\n\n"
      "Create a data folder with its config first: rapportctl init --data DIR");
  std::string config_path;
  std::string log_level = "info";
  app.add_option("-c,--config", config_path, "server.toml (written by `rapportctl init`)")
      ->required();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  app.set_version_flag("--version", "rapport-server 0.1.0");
  CLI11_PARSE(app, argc, argv);
  // Keys, member data and the databases Rapport writes are for its own user only.
  ::umask(077);
  rapport::init_logging("server", log_level);

  // Block the stop signals before any thread starts, so only sigwait() below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    const auto config = rapport::server::load_server_config(config_path);
    auto store = rapport::server::open_sqlite_store(config.database);
    if (!store) {
      spdlog::critical("cannot open the database {}: {}", config.database.string(),
                       store.error().message());
      return EXIT_FAILURE;
    }
    rapport::net::ServerOptions options;
    options.address = config.listen_host;
    options.port = config.listen_port;
    options.tls = config.tls;
    options.require_client_certificate = true;
    options.limits = config.limits;
    options.max_connections = config.max_connections;
    rapport::server::Store& storage = **store;
    auto server = rapport::net::HttpsServer::start(
        options, [&storage](const rapport::net::HttpRequest& request) {
          return rapport::server::handle_sync_request(storage, request);
        });
    spdlog::info("rapport-server listening on {}:{} (database {})", config.listen_host,
                 server->port(), config.database.string());
    const int signal = wait_for_stop_signal();
    spdlog::info("received {}, stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
    server->stop();
    spdlog::info("rapport-server stopped");
    return EXIT_SUCCESS;
  } catch (const rapport::config::ConfigError& e) {
    spdlog::critical("{}", e.what());
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
  }
  return EXIT_FAILURE;
}
