// terminal/terminal_config.h
//
// rapport-terminal's configuration (terminal.toml, written by `rapportctl terminal issue`;
// annotated example: config/terminal.toml). Loading validates every value and throws
// config::ConfigError naming the key to fix.

#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "drivers/usb/reader_config.h"
#include "shared/card/phone_number.h"
#include "shared/net/failover_client.h"
#include "shared/net/https.h"

namespace rapport::terminal {

struct TerminalConfig {
  std::string terminal_id;  // must equal the certificate's common name
  std::string store_id;
  std::filesystem::path database;
  // [server] address, or addresses = ["h1:port", "h2:port"]: the chain's server instances,
  // tried in order, failing over to the next (shared/net/failover_client.h). server_host and
  // server_port are the first of them.
  std::vector<net::ServerAddress> servers;
  std::string server_host;
  std::uint16_t server_port = 0;
  // The name every server's certificate must carry ([server] name); defaults to the host of
  // the address (of each address, when there are several).
  std::string server_name;
  net::TlsFiles tls;
  std::string issuer_prefix;
  std::filesystem::path card_key;
  // [cards] token_keys: the public keys signed member tokens are verified with
  // (docs/cards.md). Absent: every signed card is refused.
  std::optional<std::filesystem::path> token_keys;
  // [cards] phone_country_code: the chain's country calling code, for numbers typed without
  // one at "find by phone" (shared/card/phone_number.h); must match the server's.
  std::string phone_country_code{card::kDefaultPhoneCountryCode};
  std::chrono::milliseconds sync_interval{2000};
  std::chrono::seconds members_refresh{60};  // how often to pull changed members
  std::chrono::milliseconds request_timeout{5000};
  // A card not in the local store is looked up on the server for at most this long; the
  // greeting never waits longer. 0 turns the lookup off.
  std::chrono::milliseconds card_lookup_timeout{300};
  // [rewards] balance_check_timeout_ms: a redemption asks the server for the member's
  // balance for at most this long, then follows the offline rules (docs/offers.md). 0: never
  // asks (always the offline rules).
  std::chrono::milliseconds balance_check_timeout{800};
  // On a clean stop, how long to keep trying to deliver the outbox before exiting.
  // Whatever is left stays in the outbox and goes at the next start.
  std::chrono::milliseconds drain_on_exit{3000};
  // [screen] listen: where the cashier's screen is served (docs/cashier-screen.md), over TLS
  // with the terminal's own certificate. Absent: no screen.
  std::optional<std::string> screen_host;
  std::uint16_t screen_port = 0;
  // [pos_api] listen and api_key_file: the POS integration API (docs/pos-api.md), over TLS
  // with the terminal's own certificate; every request carries the key in that file as a
  // bearer token. Absent listen: no POS API.
  std::optional<std::string> pos_api_host;
  std::uint16_t pos_api_port = 0;
  std::filesystem::path pos_api_key_file;
  drivers::ReaderConfig readers;  // [readers]: console, USB readers, extra reader models
};

[[nodiscard]] TerminalConfig load_terminal_config(const std::filesystem::path& file);

// What a client of config's servers needs ({server_host, server_port} when `servers` is
// empty): addresses, name, TLS files; `purpose` names it in the log. Pure.
[[nodiscard]] net::FailoverOptions failover_options(const TerminalConfig& config,
                                                    std::string purpose);

}  // namespace rapport::terminal
