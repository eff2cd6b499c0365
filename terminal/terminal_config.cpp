// terminal/terminal_config.cpp
#include "terminal/terminal_config.h"

#include "shared/card/card_number.h"
#include "shared/card/phone_number.h"
#include "shared/config/config_file.h"

namespace rapport::terminal {

TerminalConfig load_terminal_config(const std::filesystem::path& file) {
  const auto config = config::ConfigFile::load(file);
  TerminalConfig c;
  c.terminal_id = config.string("terminal.id");
  c.store_id = config.string("terminal.store");
  c.database = config.path("terminal.database");
  const auto addresses = config.string_array("server.addresses");
  if (!addresses.empty() && config.optional_string("server.address")) {
    config.fail("server.addresses", "give either address = \"host:port\" or addresses = "
                                    "[\"host1:port\", \"host2:port\"], not both");
  }
  if (addresses.empty()) {
    const auto server = config::host_port(config, "server.address");
    c.servers.push_back({server.host, server.port});
  }
  for (const auto& text : addresses) {
    const auto server = config::parse_host_port(text);
    if (!server) {
      config.fail("server.addresses", "\"" + text + "\" is not host:port, e.g. \"10.0.0.5:8443\"");
    }
    c.servers.push_back({server->host, server->port});
  }
  c.server_host = c.servers.front().host;
  c.server_port = c.servers.front().port;
  // One address: its host is the default name (as before); several: each their own.
  c.server_name = config.optional_string("server.name")
                      .value_or(c.servers.size() == 1 ? c.server_host : std::string());
  c.tls.certificate = config.path("tls.certificate");
  c.tls.private_key = config.path("tls.private_key");
  c.tls.ca_certificates = config.path("tls.ca_certificates");
  c.issuer_prefix = config.string("cards.issuer_prefix");
  if (!card::is_valid_issuer_prefix(c.issuer_prefix)) {
    config.fail("cards.issuer_prefix", "must be exactly 6 digits, e.g. \"627599\"");
  }
  c.card_key = config.path("cards.card_key");
  if (config.optional_string("cards.token_keys")) c.token_keys = config.path("cards.token_keys");
  c.phone_country_code = config.optional_string("cards.phone_country_code")
                             .value_or(std::string(card::kDefaultPhoneCountryCode));
  if (!card::is_valid_country_code(c.phone_country_code)) {
    config.fail("cards.phone_country_code", "must be 1 to 3 digits, e.g. \"44\"");
  }
  c.sync_interval =
      std::chrono::milliseconds(config.integer_or("sync.interval_ms", 2000, 50, 3'600'000));
  c.members_refresh =
      std::chrono::seconds(config.integer_or("sync.members_refresh_s", 60, 1, 86'400));
  c.request_timeout =
      std::chrono::milliseconds(config.integer_or("sync.request_timeout_ms", 5000, 100, 120'000));
  c.card_lookup_timeout =
      std::chrono::milliseconds(config.integer_or("sync.card_lookup_timeout_ms", 300, 0, 5000));
  c.balance_check_timeout = std::chrono::milliseconds(
      config.integer_or("rewards.balance_check_timeout_ms", 800, 0, 5000));
  c.drain_on_exit =
      std::chrono::milliseconds(config.integer_or("sync.drain_on_exit_ms", 3000, 0, 60'000));
  if (config.optional_string("screen.listen")) {
    const auto screen = config::host_port(config, "screen.listen");
    c.screen_host = screen.host;
    c.screen_port = screen.port;
  }
  if (config.optional_string("pos_api.listen")) {
    const auto pos = config::host_port(config, "pos_api.listen");
    c.pos_api_host = pos.host;
    c.pos_api_port = pos.port;
    c.pos_api_key_file = config.path("pos_api.api_key_file");
  }
  c.readers = drivers::load_reader_config(config);
  return c;
}

net::FailoverOptions failover_options(const TerminalConfig& config, std::string purpose) {
  net::FailoverOptions options;
  options.servers = config.servers;
  if (options.servers.empty()) options.servers.push_back({config.server_host, config.server_port});
  options.server_name = config.server_name;
  options.tls = config.tls;
  options.purpose = std::move(purpose);
  return options;
}

}  // namespace rapport::terminal
