// tests/support/loopback_tls.h
//
// A chain CA and a server certificate for 127.0.0.1 (serverAuth), made by the code
// `rapportctl init` uses and written as PEM files into `dir`: for tests and benchmarks that
// run a real HttpsServer on loopback and verify it with the repository's own client.

#pragma once

#include <filesystem>
#include <string>

#include "shared/net/https.h"

namespace rapport::testing {

// Writes ca.pem, <name>.pem and <name>.key (0600) into `dir`; returns the server's files.
// Throws on failure (test set-up).
[[nodiscard]] net::TlsFiles write_loopback_tls(const std::filesystem::path& dir,
                                               const std::string& name);

}  // namespace rapport::testing
