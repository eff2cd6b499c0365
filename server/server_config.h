// server/server_config.h
//
// rapport-server's configuration (server.toml; annotated example: config/server.toml).
// Loading validates every value and throws config::ConfigError naming the key to fix.

#pragma once

#include <filesystem>
#include <string>

#include "shared/net/https.h"

namespace rapport::server {

struct ServerConfig {
  std::string listen_host;
  std::uint16_t listen_port = 0;
  std::filesystem::path database;
  net::TlsFiles tls;
  net::Limits limits;
  // Open connections at once (limits.max_connections); more are closed at accept. Each takes
  // a file descriptor: the process's open-file limit must exceed it (docs/performance.md).
  std::size_t max_connections = 256;
  std::string issuer_prefix;             // the chain's 6-digit card prefix
  std::filesystem::path card_key;        // HMAC key for card tokens (mode 0600)
  std::filesystem::path ca_private_key;  // for rapportctl to issue terminal certificates
};

[[nodiscard]] ServerConfig load_server_config(const std::filesystem::path& file);

}  // namespace rapport::server
