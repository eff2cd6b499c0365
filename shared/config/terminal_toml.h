// shared/config/terminal_toml.h
//
// The terminal.toml that a new terminal starts with, written by `rapportctl terminal issue`
// and by `rapport-terminal enroll` (reference of every key: config/terminal.toml). File
// names are relative to the file's folder: terminal.crt/.key, ca.crt, card.key, terminal.db.

#pragma once

#include <string>

namespace rapport::config {

struct TerminalTomlValues {
  std::string terminal_id;
  std::string store_id;
  std::string server_address;  // host:port of the sync listener
  std::string server_name;     // the name the server's certificate carries
  std::string issuer_prefix;
  std::string written_by;  // the command, for the file's first line
  // The public keyring signed member tokens are verified with (docs/cards.md); empty: none.
  std::string token_keys;
};

// Requires: every value is free of '"', '\\' and line breaks (ids, host names, digits).
[[nodiscard]] std::string terminal_toml(const TerminalTomlValues& values);

}  // namespace rapport::config
