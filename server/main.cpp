// server/main.cpp
//
// rapport-server: the chain's central server. Terminals sync over mutual TLS; every event
// is stored once in SQLite before it is acknowledged. New terminals enroll with a one-time
// code on a second, server-authenticated listener ([enrollment]). SIGINT/SIGTERM stop it
// gracefully.

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "server/dashboard/dashboard_handler.h"
#include "server/enrollment_handler.h"
#include "server/lease_keeper.h"
#include "server/member_token_handler.h"
#include "server/revocation_watcher.h"
#include "server/server_config.h"
#include "server/points_scheduler.h"
#include "server/storage/offer_store.h"
#include "server/terminal_offers.h"
#include "server/value_scheduler.h"
#include "server/storage/enrollment_store.h"
#include "server/storage/lease_store.h"
#include "server/storage/member_rights_store.h"
#include "server/storage/staff_store.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "server/sync_handler.h"
#include "shared/config/config_file.h"
#include "shared/net/https_server.h"
#include "shared/protocol/enrollment_messages.h"
#include "shared/util/huge_pages.h"
#include "shared/util/logging.h"

namespace {

rapport::server::EnrollmentStore& open_enrollment_store(
    const rapport::server::ServerConfig& config,
    std::unique_ptr<rapport::server::EnrollmentStore>& holder) {
  auto store = rapport::server::open_enrollment_store(config.database_url);
  if (!store) {
    throw std::runtime_error("cannot open the database " + config.database_url + ": " +
                             store.error().message());
  }
  holder = std::move(*store);
  return *holder;
}

// The enrollment listener: TLS with the server's certificate and the CA sent along (the
// terminal pins the CA by the fingerprint in its code), no client certificate, small bodies.
std::unique_ptr<rapport::net::HttpsServer> start_enrollment(
    const rapport::server::ServerConfig& config, std::uint16_t sync_port,
    std::unique_ptr<rapport::server::EnrollmentStore>& store_holder,
    std::unique_ptr<rapport::server::EnrollmentAuthority>& authority_holder) {
  using namespace rapport;
  authority_holder = std::make_unique<server::EnrollmentAuthority>(
      server::load_enrollment_authority(config, sync_port));
  server::EnrollmentStore& store = open_enrollment_store(config, store_holder);
  net::ServerOptions options;
  options.address = config.enrollment_host;
  options.port = config.enrollment_port;
  options.tls = config.tls;
  options.require_client_certificate = false;
  options.present_ca_certificate = true;
  options.limits = config.limits;
  options.limits.max_body_bytes = protocol::kMaxEnrollRequestBytes;
  options.max_connections = 32;
  const server::EnrollmentAuthority& authority = *authority_holder;
  auto listener =
      net::HttpsServer::start(options, [&store, &authority](const net::HttpRequest& request) {
        return server::handle_enrollment_request(store, authority, request,
                                                 std::chrono::system_clock::now());
      });
  spdlog::info("enrollment listening on {}:{}", config.enrollment_host, listener->port());
  return listener;
}

// The staff dashboard: TLS with the server's certificate and no client certificate, its own
// I/O thread and its own connection to the database (docs/dashboard.md).
struct Dashboard {
  std::unique_ptr<rapport::server::StaffStore> store;
  std::unique_ptr<rapport::server::MemberRightsStore> rights;  // export and erase, head office
  std::unique_ptr<rapport::server::DashboardHandler> handler;
  std::unique_ptr<rapport::net::HttpsServer> listener;
};

Dashboard start_dashboard(const rapport::server::ServerConfig& config) {
  using namespace rapport;
  Dashboard dashboard;
  auto store = server::open_staff_store(config.database_url);
  if (!store) {
    // Not the URL itself: a postgresql:// one may hold a password.
    throw std::runtime_error("cannot open the database for the dashboard: " +
                             store.error().message());
  }
  dashboard.store = std::move(*store);
  server::DashboardOptions dashboard_options;
  dashboard_options.sessions.idle = config.dashboard_session_idle;
  dashboard_options.sessions.lifetime = config.dashboard_session_lifetime;
  if (config.rewards) {
    dashboard_options.reports.liability_cents_per_100_points =
        config.rewards->liability_cents_per_100_points;
  }
  dashboard.handler =
      std::make_unique<server::DashboardHandler>(*dashboard.store, dashboard_options);
  // Members' rights (export, erasure) on either backend, on their own connection.
  auto rights = server::MemberRightsStore::open(config.database_url);
  if (!rights) {
    // Not the URL itself: a postgresql:// one may hold a password.
    throw std::runtime_error("cannot open the database for members' rights: " +
                             rights.error().message());
  }
  dashboard.rights = std::move(*rights);
  dashboard.handler->set_member_rights(dashboard.rights.get());
  net::ServerOptions options;
  options.address = config.dashboard_host;
  options.port = config.dashboard_port;
  options.tls = config.tls;
  options.require_client_certificate = false;
  options.limits = config.limits;
  options.limits.max_body_bytes = 64 * 1024;
  options.max_connections = 64;
  server::DashboardHandler& handler = *dashboard.handler;
  dashboard.listener = net::HttpsServer::start(
      options, [&handler](const net::HttpRequest& request) { return handler.handle(request); });
  spdlog::info("dashboard listening on https://{}:{}/", config.dashboard_host,
               dashboard.listener->port());
  return dashboard;
}

// On PostgreSQL the server runs what that backend supports (sync, the points ledger and its
// expiry, offers to terminals, the value refresh and its follow-ups, enrollment codes and the
// revocation watcher, leases, the staff dashboard with its sessions and members' rights);
// what is not there yet is said once here (docs/deployment.md, "On PostgreSQL").
void log_postgresql_limits() {
  spdlog::warn("not yet supported on PostgreSQL: the head-office reports offer-uplift and "
               "rewards (their pages and rapportctl say so) "
               "(docs/deployment.md, \"On PostgreSQL\")");
}

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
  rapport::restart_with_malloc_huge_pages(argv);  // before any thread or allocation matters
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
    auto store = rapport::server::open_store(config.database_url);
    if (!store) {
      spdlog::critical("cannot open the database {}: {}", config.database_url,
                       store.error().message());
      return EXIT_FAILURE;
    }
    const bool on_postgresql = config.database.empty();  // database_url is postgresql://
    if (on_postgresql) log_postgresql_limits();
    rapport::net::ServerOptions options;
    options.address = config.listen_host;
    options.port = config.listen_port;
    options.tls = config.tls;
    options.require_client_certificate = true;
    options.limits = config.limits;
    options.max_connections = config.max_connections;
    rapport::server::Store& storage = **store;
    storage.set_card_velocity_window(config.card_velocity_window);
    storage.set_rewards_rules(config.rewards);
    // Keyrings for terminals and tokens for blank chips (docs/cards.md).
    auto card_key = rapport::card::CardKey::load(config.card_key);
    if (!card_key) {
      spdlog::critical("cannot use the card key {}: {}", config.card_key.string(),
                       card_key.error().message());
      return EXIT_FAILURE;
    }
    const rapport::server::MemberTokenService tokens{
        *card_key, rapport::server::CardTokenKeys(config.data_folder), config.issuer_prefix};
    // With rewards rules, members reach terminals with their offers (docs/offers.md); the
    // offers' reads and held-out records use their own connection (to either backend), on
    // the sync I/O thread.
    std::unique_ptr<rapport::server::OfferStore> offer_store;
    std::unique_ptr<rapport::server::TerminalOffers> offers;
    if (config.rewards) {
      auto opened = rapport::server::OfferStore::open(config.database_url);
      if (!opened) {
        // Not the URL itself: a postgresql:// one may hold a password.
        spdlog::critical("cannot open the database for offers: {}", opened.error().message());
        return EXIT_FAILURE;
      }
      offer_store = std::move(*opened);
      offers = std::make_unique<rapport::server::TerminalOffers>(*offer_store, config.rewards);
    }
    auto server = rapport::net::HttpsServer::start(
        options, [&storage, &tokens, member_offers = offers.get(),
                  policy = config.sync](const rapport::net::HttpRequest& request) {
          return rapport::server::handle_sync_request(storage, policy, request, &tokens,
                                                      member_offers);
        });
    std::unique_ptr<rapport::server::EnrollmentStore> enrollment_store;
    std::unique_ptr<rapport::server::EnrollmentAuthority> authority;
    std::unique_ptr<rapport::net::HttpsServer> enrollment;
    if (config.enrollment_port != 0) {
      enrollment = start_enrollment(config, server->port(), enrollment_store, authority);
    }
    Dashboard dashboard;
    if (config.dashboard_port != 0) dashboard = start_dashboard(config);
    std::unique_ptr<rapport::server::RevocationWatcher> watcher;
    {
      std::unique_ptr<rapport::server::EnrollmentStore> watcher_store;
      (void)open_enrollment_store(config, watcher_store);
      watcher = std::make_unique<rapport::server::RevocationWatcher>(
          std::move(watcher_store), *server, config.revocation_check);
    }
    spdlog::info("rapport-server listening on {}:{} (database {})", config.listen_host,
                 server->port(), on_postgresql ? "on PostgreSQL" : config.database.string());
    // Several instances may share the database: each scheduled job runs where its lease is
    // (docs/deployment.md, "Scheduled work").
    const rapport::server::LeaseOptions lease_options{rapport::server::new_instance_id(),
                                                      config.lease_length};
    spdlog::info("instance id {}", lease_options.instance_id);
    const auto keep_lease = [&](std::string name) {
      auto leases = rapport::server::open_lease_store(config.database_url);
      if (!leases) {
        throw std::runtime_error("cannot open the database for leases: " +
                                 leases.error().message());
      }
      return std::make_unique<rapport::server::LeaseKeeper>(std::move(*leases), std::move(name),
                                                            lease_options);
    };
    const auto value_lease = keep_lease("value-refresh");
    const auto expiry_lease = keep_lease("points-expiry");
    std::unique_ptr<const rapport::server::ValueScheduler> values;
    std::unique_ptr<const rapport::server::PointsScheduler> points_expiry;
    values = std::make_unique<const rapport::server::ValueScheduler>(
        config.database_url, config.value, config.value_refresh_every, config.value_changed_every,
        config.value_incremental_max_members, value_lease.get());
    points_expiry = std::make_unique<const rapport::server::PointsScheduler>(
        config.database_url, config.rewards, config.points_expiry_every, expiry_lease.get());
    const int signal = wait_for_stop_signal();
    spdlog::info("received {}, stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
    watcher.reset();
    if (enrollment) enrollment->stop();
    if (dashboard.listener) dashboard.listener->stop();
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
