// terminal/screen/cashier_screen.cpp
#include "terminal/screen/cashier_screen.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "terminal/local_database.h"
#include "terminal/outbox.h"
#include "terminal/screen/scan_view.h"

namespace rapport::terminal {
namespace {

storage::Database open_or_throw(const std::filesystem::path& file) {
  auto db = open_local_database(file);
  if (!db) {
    throw std::runtime_error("cashier screen: cannot open " + file.string() + ": " +
                             db.error().message());
  }
  return std::move(*db);
}

}  // namespace

CashierScreen::CashierScreen(const TerminalConfig& config, storage::Database& counter_db,
                             std::function<bool()> online)
    : audit_(counter_db),
      screen_db_(open_or_throw(config.database)),
      pins_(screen_db_),
      handler_(board_, pins_, [this, online = std::move(online)] {
        ScreenStatus status;
        status.online = online();
        Outbox outbox(screen_db_);
        if (const auto size = outbox.size(); size) status.pending = *size;
        return status;
      }) {
  net::ServerOptions options;
  options.address = *config.screen_host;
  options.port = config.screen_port;
  options.tls.certificate = config.tls.certificate;
  options.tls.private_key = config.tls.private_key;
  options.tls.ca_certificates = config.tls.ca_certificates;
  options.require_client_certificate = false;
  options.limits.max_body_bytes = 16 * 1024;
  options.max_connections = 32;
  server_ = net::HttpsServer::start(
      options, [this](const net::HttpRequest& r) { return handler_.handle(r); });
  spdlog::info("cashier screen listening on https://{}:{}/", options.address, server_->port());
}

CashierScreen::~CashierScreen() {
  if (server_) server_->stop(std::chrono::seconds(2));
}

void CashierScreen::show(const ScanResult& result, std::chrono::system_clock::time_point now) {
  board_.publish(scan_json(result, now));
  if (!result.event_id) return;
  const auto cashier = board_.cashier();
  const auto recorded = audit_.record(cashier ? std::optional(cashier->id) : std::nullopt,
                                      "visit", result.event_id, now);
  if (!recorded) {
    spdlog::error("cashier screen: could not note who recorded visit {}: {}", *result.event_id,
                  recorded.error().message());
  }
}

}  // namespace rapport::terminal
