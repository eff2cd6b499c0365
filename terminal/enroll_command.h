// terminal/enroll_command.h
//
// `rapport-terminal enroll`: turns a one-time enrollment code into a working terminal
// folder. The terminal makes its own key (it never leaves the machine), trusts the
// enrollment listener only through the CA fingerprint the code carries, and writes
// terminal.key (0600), terminal.crt, ca.crt, card.key (0600), token-keys.pem (the chain's
// public token keyring, docs/cards.md) and terminal.toml.
// Protocol: docs/protocol.md, "Enrollment".

#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace rapport::terminal {

struct EnrollOptions {
  std::string server;  // host:port of the server's enrollment listener
  std::string code;    // as printed by `rapportctl terminal add`
  std::filesystem::path out;
  std::string server_name = "localhost";    // the name the server's certificate carries
  std::optional<std::string> sync_address;  // host:port for terminal.toml; default: the
                                            // --server host and the port the server names
  std::chrono::milliseconds timeout{15'000};
};

// Returns a process exit code: 0 enrolled, 1 refused or failed (the reason is printed),
// 2 a bad argument. Nothing is written unless the server issued the certificate.
int run_enroll(const EnrollOptions& options);

}  // namespace rapport::terminal
