// shared/config/terminal_toml.cpp
#include "shared/config/terminal_toml.h"

#include <sstream>

namespace rapport::config {

std::string terminal_toml(const TerminalTomlValues& v) {
  std::ostringstream t;
  t << "# rapport-terminal configuration, written by `" << v.written_by << "`.\n"
    << "# Relative paths are taken from this file's folder. Reference: config/terminal.toml.\n\n"
    << "[terminal]\nid = \"" << v.terminal_id << "\"\nstore = \"" << v.store_id << "\"\n"
    << "database = \"terminal.db\"\n\n"
    << "[server]\naddress = \"" << v.server_address << "\"\n"
    << "# The name the server's certificate must carry.\nname = \"" << v.server_name << "\"\n\n"
    << "[tls]\ncertificate = \"terminal.crt\"\nprivate_key = \"terminal.key\"\n"
    << "ca_certificates = \"ca.crt\"\n\n"
    << "[cards]\nissuer_prefix = \"" << v.issuer_prefix << "\"\ncard_key = \"card.key\"\n";
  if (!v.token_keys.empty()) {
    t << "# Public keys that signed member tokens are verified with (docs/cards.md).\n"
      << "token_keys = \"" << v.token_keys << "\"\n";
  }
  t << "\n[sync]\ninterval_ms = 2000\nmembers_refresh_s = 60\nrequest_timeout_ms = 5000\n";
  return t.str();
}

}  // namespace rapport::config
