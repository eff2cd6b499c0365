// server/ctl/init_command.cpp
//
// `rapportctl init`: a new data folder with its CA, the server's certificate, the chain's
// card key, its first member-token signing key, server.toml and an empty database with the
// given stores.

#include <filesystem>
#include <iostream>
#include <sstream>

#include "server/card_token_keys.h"
#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/crypto/certificates.h"
#include "shared/util/files.h"

namespace rapport::ctl {
namespace {

namespace fs = std::filesystem;

// --enroll-listen, or the sync listener's host with the next port.
std::string enrollment_listen(const InitOptions& o) {
  if (o.enroll_listen) return *o.enroll_listen;
  const auto colon = o.listen.rfind(':');
  int port = 8443;
  try {
    port = std::stoi(o.listen.substr(colon + 1));
  } catch (const std::exception&) {
    // server.toml's loader names the bad listen value at the next start
  }
  return o.listen.substr(0, colon) + ":" + std::to_string(port < 65535 ? port + 1 : 8444);
}

std::string server_toml(const InitOptions& o) {
  std::ostringstream t;
  t << "# rapport-server configuration, written by `rapportctl init`.\n"
    << "# Relative paths are taken from this file's folder. Reference: config/server.toml.\n\n"
    << "[server]\nlisten = \"" << o.listen << "\"\ndatabase = \"rapport.db\"\n\n"
    << "[tls]\ncertificate = \"tls/server.crt\"\nprivate_key = \"tls/server.key\"\n"
    << "ca_certificates = \"ca/ca.crt\"\nca_private_key = \"ca/ca.key\"\n\n"
    << "[cards]\nissuer_prefix = \"" << o.issuer_prefix << "\"\ncard_key = \"card.key\"\n\n"
    << "[limits]\nmax_body_bytes = 4194304\nio_timeout_ms = 10000\n"
    << "handshake_timeout_ms = 5000\n\n"
    << "[enrollment]\n# New terminals enroll here with a code from `rapportctl terminal add`.\n"
    << "listen = \"" << enrollment_listen(o) << "\"\nrevocation_check_ms = 500\n";
  if (o.dashboard_listen) {
    t << "\n[dashboard]\n# The staff dashboard (docs/dashboard.md); users: `rapportctl user add`.\n"
      << "listen = \"" << *o.dashboard_listen << "\"\n";
  }
  return t.str();
}

}  // namespace

int run_init(const InitOptions& o) {
  if (!card::is_valid_issuer_prefix(o.issuer_prefix)) {
    std::cerr << "error: --issuer-prefix must be exactly 6 digits, not '" << o.issuer_prefix
              << "'\n";
    return 2;
  }
  if (o.stores.empty()) {
    std::cerr << "error: give at least one --store\n";
    return 2;
  }
  if (fs::exists(config_file(o.data))) {
    std::cerr << "error: " << o.data.string() << " is already a Rapport data folder; "
              << "use a new folder, or remove this one to start again\n";
    return 1;
  }
  try {
    fs::create_directories(o.data / "ca");
    fs::create_directories(o.data / "tls");
    fs::create_directories(o.data / "terminals");
    fs::permissions(o.data / "ca", fs::perms::owner_all);

    std::cout << "Creating the chain's certificate authority...\n";
    auto ca =
        crypto::create_certificate_authority("Rapport CA (" + o.data.filename().string() + ")");
    if (!ca) {
      std::cerr << "error: cannot create the CA: " << ca.error().message() << "\n";
      return 1;
    }
    write_file_atomically(o.data / "ca/ca.crt", ca->certificate_pem, false);
    write_file_atomically(o.data / "ca/ca.key", ca->private_key_pem, true);

    crypto::CertificateRequest request;
    request.common_name = o.server_names.empty() ? "rapport-server" : o.server_names.front();
    request.dns_names = o.server_names;
    request.ip_addresses = o.server_ips;
    request.use = crypto::CertificateUse::kServer;
    auto server_cert = crypto::issue_certificate(*ca, request);
    if (!server_cert) {
      std::cerr << "error: cannot issue the server certificate: " << server_cert.error().message()
                << "\n";
      return 1;
    }
    write_file_atomically(o.data / "tls/server.crt", server_cert->certificate_pem, false);
    write_file_atomically(o.data / "tls/server.key", server_cert->private_key_pem, true);

    card::CardKey::generate().save(o.data / "card.key");
    // The first member-token signing key, so signed cards work from the start.
    server::CardTokenKeys token_keys(o.data);
    (void)token_keys.create();
    write_file_atomically(token_keys.folder() / server::kPublicKeyringFile,
                          token_keys.public_keyring_text(), false);
    write_file_atomically(config_file(o.data), server_toml(o), false);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }

  auto folder = open_data_folder(o.data);
  if (!folder) return 1;
  for (const auto& store : o.stores) {
    if (auto r = folder->store->add_store(store, "Store " + store); !r) {
      std::cerr << "error: cannot add store " << store << ": " << r.error().message() << "\n";
      return 1;
    }
  }
  std::cout << "Initialised " << o.data.string() << " (stores:";
  for (const auto& s : o.stores) std::cout << ' ' << s;
  std::cout << ")\nNext: rapportctl member add --data " << o.data.string()
            << " --name \"Ada Lovelace\" --store " << o.stores.front() << "\n";
  return 0;
}

}  // namespace rapport::ctl
