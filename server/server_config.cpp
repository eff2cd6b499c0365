// server/server_config.cpp
#include "server/server_config.h"

#include "shared/card/card_number.h"
#include "shared/config/config_file.h"

namespace rapport::server {

ServerConfig load_server_config(const std::filesystem::path& file) {
  const auto config = config::ConfigFile::load(file);
  ServerConfig c;
  const auto listen = config::host_port(config, "server.listen");
  c.listen_host = listen.host;
  c.listen_port = listen.port;
  c.database = config.path("server.database");
  c.tls.certificate = config.path("tls.certificate");
  c.tls.private_key = config.path("tls.private_key");
  c.tls.ca_certificates = config.path("tls.ca_certificates");
  c.ca_private_key = config.path("tls.ca_private_key");
  c.limits.max_body_bytes = static_cast<std::size_t>(
      config.integer_or("limits.max_body_bytes", 4 << 20, 256 << 10, std::int64_t{256} << 20));
  c.limits.io_timeout =
      std::chrono::milliseconds(config.integer_or("limits.io_timeout_ms", 10'000, 100, 600'000));
  c.max_connections = static_cast<std::size_t>(
      config.integer_or("limits.max_connections", 256, 1, 100'000));
  c.issuer_prefix = config.string("cards.issuer_prefix");
  if (!card::is_valid_issuer_prefix(c.issuer_prefix)) {
    config.fail("cards.issuer_prefix", "must be exactly 6 digits, e.g. \"627599\"");
  }
  c.card_key = config.path("cards.card_key");
  return c;
}

}  // namespace rapport::server
