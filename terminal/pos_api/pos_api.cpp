// terminal/pos_api/pos_api.cpp
#include "terminal/pos_api/pos_api.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "terminal/pos_api/pos_routes.h"

namespace rapport::terminal {

std::string load_pos_api_key(const std::filesystem::path& file) {
  const auto text = read_file(file);
  if (!text) {
    throw std::runtime_error("pos api: cannot read the API key file " + file.string() +
                             " ([pos_api] api_key_file); make one with: openssl rand -hex 32 > " +
                             file.string() + " && chmod 600 " + file.string());
  }
  if (readable_by_others(file)) {
    throw std::runtime_error("pos api: the API key file " + file.string() +
                             " is readable by others: chmod 600 " + file.string());
  }
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text->find_first_not_of(kSpace);
  const auto last = text->find_last_not_of(kSpace);
  std::string key = first == std::string::npos ? "" : text->substr(first, last - first + 1);
  if (key.size() < 32 || key.find_first_of(kSpace) != std::string::npos) {
    throw std::runtime_error("pos api: the API key in " + file.string() +
                             " must be one word of at least 32 characters (openssl rand -hex 32)");
  }
  return key;
}

PosApi::PosApi(const TerminalConfig& config, card::CardKey key,
               std::shared_ptr<const LiveKeyring> token_keys, std::function<void()> recorded)
    : db_(open_local_database_or_throw(config.database, "pos api")),
      cache_(db_),
      outbox_(db_),
      lookup_(make_server_card_lookup(config)),
      counter_({config.terminal_id, config.store_id, config.issuer_prefix}, std::move(key), db_,
               cache_, outbox_, std::move(token_keys), lookup_.get()),
      sales_({config.terminal_id, config.store_id}, db_, cache_, outbox_),
      balance_(make_server_balance_source(config)),
      rewards_({config.terminal_id, config.store_id}, db_, cache_, outbox_, balance_.get()),
      handler_(load_pos_api_key(config.pos_api_key_file), counter_, sales_, rewards_, db_,
               std::move(recorded)) {
  net::ServerOptions options;
  options.address = *config.pos_api_host;
  options.port = config.pos_api_port;
  options.tls.certificate = config.tls.certificate;
  options.tls.private_key = config.tls.private_key;
  options.tls.ca_certificates = config.tls.ca_certificates;
  options.require_client_certificate = false;
  // Above the handler's own limit, so an oversized body gets its JSON error (413).
  options.limits.max_body_bytes = 4 * pos::kMaxPosBody;
  options.max_connections = 16;
  server_ = net::HttpsServer::start(
      options, [this](const net::HttpRequest& r) { return handler_.handle(r); });
  spdlog::info("POS API listening on https://{}:{}/pos/v1/", options.address, server_->port());
}

PosApi::~PosApi() {
  if (server_) server_->stop(std::chrono::seconds(2));
}

}  // namespace rapport::terminal
