// server/ctl/terminal_command.cpp
//
// `rapportctl terminal issue` and `terminal revoke`. Issue: a terminal's bundle — its
// certificate and key (CN = terminal id, OU = store), the chain's CA certificate, the card
// key, the member-token public keys and terminal.toml — in a folder readable by its owner
// only, and the terminal registered so the server lets it in.

#include <filesystem>
#include <iostream>

#include "server/card_token_keys.h"
#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "shared/card/card_key.h"
#include "shared/config/terminal_toml.h"
#include "shared/crypto/certificates.h"
#include "shared/protocol/enrollment_code.h"
#include "shared/util/files.h"

namespace rapport::ctl {
namespace {

namespace fs = std::filesystem;

std::string terminal_toml(const TerminalIssueOptions& o, const server::ServerConfig& config,
                          const std::string& server_address) {
  return rapport::config::terminal_toml({.terminal_id = o.id,
                                         .store_id = o.store,
                                         .server_address = server_address,
                                         .server_name = "localhost",
                                         .issuer_prefix = config.issuer_prefix,
                                         .written_by = "rapportctl terminal issue",
                                         .token_keys = std::string(server::kPublicKeyringFile)});
}

}  // namespace

int run_terminal_issue(const TerminalIssueOptions& o) {
  if (!protocol::is_valid_terminal_id(o.id)) {
    std::cerr << "error: --id must be 1-64 letters, digits, '-' or '_', not '" << o.id << "'\n";
    return 2;
  }
  auto folder = open_data_folder(o.data);
  if (!folder) return 1;
  const auto& config = folder->config;
  if (!has_store(*folder, o.store, o.data)) return 1;

  const auto ca_cert = read_file(config.tls.ca_certificates);
  const auto ca_key = read_file(config.ca_private_key);
  if (!ca_cert || !ca_key) {
    std::cerr << "error: cannot read the CA certificate and key under " << o.data.string()
              << "/ca\n";
    return 1;
  }
  crypto::CertificateRequest request;
  request.common_name = o.id;
  request.organizational_unit = o.store;
  request.use = crypto::CertificateUse::kClient;
  auto issued = crypto::issue_certificate({*ca_cert, *ca_key}, request);
  if (!issued) {
    std::cerr << "error: cannot issue the certificate: " << issued.error().message() << "\n";
    return 1;
  }
  auto info = crypto::read_certificate_info(issued->certificate_pem);
  auto key = card::CardKey::load(config.card_key);
  if (!info || !key) {
    std::cerr << "error: cannot read the new certificate or the card key\n";
    return 1;
  }

  const fs::path out = o.out.value_or(o.data / "terminals" / o.id);
  try {
    fs::create_directories(out);
    fs::permissions(out, fs::perms::owner_all);
    write_file_atomically(out / "terminal.crt", issued->certificate_pem, false);
    write_file_atomically(out / "terminal.key", issued->private_key_pem, true);
    write_file_atomically(out / "ca.crt", *ca_cert, false);
    key->save(out / "card.key");
    // Public keys only: a stolen terminal can check signed cards but never make one.
    write_file_atomically(out / server::kPublicKeyringFile,
                          server::CardTokenKeys(o.data).public_keyring_text(), false);
    write_file_atomically(out / "terminal.toml",
                          terminal_toml(o, config,
                                        o.server.value_or(config.listen_host + ":" +
                                                          std::to_string(config.listen_port))),
                          false);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  if (auto r = folder->store->register_terminal({o.id, o.store, info->serial_hex, false}); !r) {
    std::cerr << "error: cannot register the terminal: " << r.error().message() << "\n";
    return 1;
  }
  std::cout << "Terminal " << o.id << " of store " << o.store << " issued in " << out.string()
            << "\nStart it with: rapport-terminal --config " << (out / "terminal.toml").string()
            << "\n";
  return 0;
}

int run_terminal_revoke(const std::filesystem::path& data, const std::string& id) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  const auto revoked = folder->store->revoke_terminal(id);
  if (!revoked) {
    std::cerr << "error: cannot revoke terminal " << id << ": " << revoked.error().message()
              << "\n";
    return 1;
  }
  if (!*revoked) {
    std::cerr << "error: no active terminal '" << id << "' (already revoked, or never issued)\n";
    return 1;
  }
  std::cout << "Terminal " << id << " revoked: a running server refuses its next request and "
            << "closes its open connections within [enrollment] revocation_check_ms.\n"
            << "To bring it back, issue it again: rapportctl terminal issue --data "
            << data.string() << " --id " << id << " --store STORE\n";
  return 0;
}

}  // namespace rapport::ctl
