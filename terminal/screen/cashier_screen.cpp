// terminal/screen/cashier_screen.cpp
#include "terminal/screen/cashier_screen.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "terminal/local_database.h"
#include "terminal/outbox.h"
#include "terminal/screen/scan_view.h"

namespace rapport::terminal {
namespace {

card::CardKey card_key_or_throw(const std::filesystem::path& file) {
  auto key = card::CardKey::load(file);
  if (!key) {
    throw std::runtime_error("cashier screen: cannot use the card key " + file.string() + ": " +
                             key.error().message());
  }
  return std::move(*key);
}

// What the cashier may act on after this scan (docs/cashier-screen.md).
ScanTarget target_of(const ScanResult& result) {
  ScanTarget target;
  if (!result.card_token) return target;
  target.card_token = *result.card_token;
  target.last4 = result.card_last4;
  target.unknown = result.outcome == ScanOutcome::kUnknownCard;
  if (result.outcome == ScanOutcome::kMember && result.holder) {
    target.member_id = result.holder->member.id;
  }
  return target;
}

}  // namespace

CashierScreen::CashierScreen(const TerminalConfig& config, storage::Database& counter_db,
                             std::function<bool()> online, std::function<void()> wake)
    : audit_(counter_db),
      notes_(counter_db),
      panel_(counter_db),
      screen_db_(open_local_database_or_throw(config.database, "cashier screen")),
      pins_(screen_db_),
      actions_(screen_db_, card_key_or_throw(config.card_key),
               {config.terminal_id, config.store_id, config.issuer_prefix},
               config.phone_country_code),
      balance_(make_server_balance_source(config)),
      counter_(screen_db_, {config.terminal_id, config.store_id}, balance_.get()),
      handler_(
          board_, pins_,
          [this, online = std::move(online)] {
            ScreenStatus status;
            status.online = online();
            Outbox outbox(screen_db_);
            if (const auto size = outbox.size(); size) status.pending = *size;
            return status;
          },
          &actions_, &counter_) {
  net::ServerOptions options;
  options.address = *config.screen_host;
  options.port = config.screen_port;
  options.tls.certificate = config.tls.certificate;
  options.tls.private_key = config.tls.private_key;
  options.tls.ca_certificates = config.tls.ca_certificates;
  options.require_client_certificate = false;
  options.limits.max_body_bytes = 16 * 1024;
  options.max_connections = 32;
  options.max_streams = 8;  // pages open at once (each holds one event stream)
  server_ = net::HttpsServer::start(
      options, [this, wake = std::move(wake)](const net::HttpRequest& r) {
        auto response = handler_.handle(r);
        // A sale, refund, redemption, enrollment... was recorded: the pages show the member
        // as they are now, and the events go to the server now.
        if (r.method == "POST" && response.status == 200) {
          board_.refresh_streams();
          if (wake) wake();
        }
        return response;
      });
  spdlog::info("cashier screen listening on https://{}:{}/", options.address, server_->port());
}

CashierScreen::~CashierScreen() {
  if (server_) server_->stop(std::chrono::seconds(2));
}

AlsoInTransaction CashierScreen::audit_in_scan() {
  return [this](const ScanResult& result) -> Result<void> {
    if (!result.event_id) return {};
    const auto cashier = board_.cashier();
    // The scan's own time is not in its result; this is within its transaction.
    return audit_.record(cashier ? std::optional(cashier->id) : std::nullopt, "visit",
                         result.event_id, std::chrono::system_clock::now());
  };
}

void CashierScreen::show(const ScanResult& result, std::chrono::system_clock::time_point now,
                         bool audited) {
  std::vector<domain::MemberNote> notes;
  if (result.outcome == ScanOutcome::kMember && result.card_token && result.holder) {
    constexpr std::size_t kNotesShown = 5;
    auto found = notes_.notes_to_show(result.holder->member.id, *result.card_token, kNotesShown);
    if (found) {
      notes = std::move(*found);
    } else {
      spdlog::error("cashier screen: cannot read the member's notes: {}",
                    found.error().message());
    }
  }
  std::optional<boost::json::object> panel;
  if (result.outcome == ScanOutcome::kMember && result.card_token) {
    auto found = panel_.of(*result.card_token);
    if (found) {
      panel = std::move(*found);
    } else {
      spdlog::error("cashier screen: cannot read the member's points and offers: {}",
                    found.error().message());
    }
  }
  board_.publish(scan_json(result, now, notes, panel ? &*panel : nullptr), target_of(result));
  if (!result.event_id || audited) return;
  const auto cashier = board_.cashier();
  const auto recorded = audit_.record(cashier ? std::optional(cashier->id) : std::nullopt,
                                      "visit", result.event_id, now);
  if (!recorded) {
    spdlog::error("cashier screen: could not note who recorded visit {}: {}", *result.event_id,
                  recorded.error().message());
  }
}

}  // namespace rapport::terminal
