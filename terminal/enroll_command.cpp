// terminal/enroll_command.cpp
#include "terminal/enroll_command.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <string_view>

#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/card/token_keyring.h"
#include "shared/config/config_file.h"
#include "shared/config/terminal_toml.h"
#include "shared/crypto/certificates.h"
#include "shared/net/https_client.h"
#include "shared/protocol/enrollment_code.h"
#include "shared/protocol/enrollment_messages.h"
#include "shared/util/files.h"
#include "shared/util/hex.h"

namespace rapport::terminal {
namespace {

namespace fs = std::filesystem;

// The public token keyring, beside the certificates (terminal.toml [cards] token_keys).
constexpr const char* kTokenKeysFile = "token-keys.pem";

// The answer must be what the code promised: the pinned CA, a certificate for the code's
// terminal id issued by it, and a well-formed card key.
bool check_answer(const protocol::EnrollResponse& answer, const protocol::EnrollmentCode& code) {
  const auto ca = crypto::certificate_sha256(answer.ca_certificate);
  if (!ca || *ca != code.ca_fingerprint) {
    std::cerr << "error: the server answered with a CA certificate that is not the one the code "
                 "names; nothing was written\n";
    return false;
  }
  const auto info = crypto::read_certificate_info(answer.certificate);
  if (!info || info->common_name != code.terminal_id || answer.terminal_id != code.terminal_id) {
    std::cerr << "error: the server's certificate is not for terminal " << code.terminal_id
              << "; nothing was written\n";
    return false;
  }
  if (!card::is_valid_issuer_prefix(answer.issuer_prefix) ||
      !protocol::is_valid_terminal_id(answer.store_id)) {
    std::cerr << "error: the server sent a malformed store id or card prefix; nothing was "
                 "written\n";
    return false;
  }
  if (!card::CardKey::from_hex(answer.card_key)) {
    std::cerr << "error: the server sent a malformed card key; nothing was written\n";
    return false;
  }
  if (!answer.token_keys.empty() && !card::TokenKeyring::parse(answer.token_keys)) {
    std::cerr << "error: the server sent a malformed token keyring; nothing was written\n";
    return false;
  }
  return true;
}

}  // namespace

int run_enroll(const EnrollOptions& o) {
  const auto code = protocol::parse_enrollment_code(o.code);
  if (!code) {
    std::cerr << "error: --code: " << code.error().message() << "\n";
    return 2;
  }
  const auto server = config::parse_host_port(o.server);
  if (!server) {
    std::cerr << "error: --server must be host:port, e.g. 192.0.2.10:8444, not '" << o.server
              << "'\n";
    return 2;
  }
  if (o.sync_address && !config::parse_host_port(*o.sync_address)) {
    std::cerr << "error: --sync-server must be host:port, not '" << *o.sync_address << "'\n";
    return 2;
  }
  for (const char* name : {"terminal.key", "terminal.crt", "terminal.toml"}) {
    if (fs::exists(o.out / name)) {
      std::cerr << "error: " << (o.out / name).string()
                << " exists: this folder holds an enrolled terminal already; choose a new --out\n";
      return 1;
    }
  }

  auto request = crypto::create_certificate_request(code->terminal_id);
  if (!request) {
    std::cerr << "error: cannot make the terminal's key: " << request.error().message() << "\n";
    return 1;
  }
  net::ClientOptions client_options;
  client_options.host = server->host;
  client_options.port = server->port;
  client_options.server_name = o.server_name;
  client_options.pinned_ca_sha256.assign(code->ca_fingerprint.begin(), code->ca_fingerprint.end());
  client_options.limits.max_body_bytes = 256 * 1024;
  std::unique_ptr<net::HttpsClient> client;
  try {
    client = net::HttpsClient::create(client_options);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  const auto response = client->request(
      "POST", protocol::kEnrollPath,
      protocol::encode(protocol::EnrollRequest{o.code, request->request_pem}), o.timeout);
  if (!response) {
    std::cerr << "error: no trusted connection to the enrollment listener " << o.server << ": "
              << response.error().message()
              << "\n(if the log says no CA with the pinned fingerprint was sent, this server is "
                 "not the chain's, or the code is from another chain: nothing was sent)\n";
    return 1;
  }
  if (response->status != 200) {
    std::cerr << "error: the server refused the enrollment (HTTP " << response->status
              << "): " << response->body << "\n";
    return 1;
  }
  const auto answer = protocol::decode_enroll_response(response->body);
  if (!answer) {
    std::cerr << "error: the server's answer is malformed: " << answer.error().message() << "\n";
    return 1;
  }
  if (!check_answer(*answer, *code)) return 1;

  const std::string sync_address = o.sync_address.value_or(
      (server->host.find(':') != std::string::npos ? "[" + server->host + "]" : server->host) +
      ":" + std::to_string(answer->sync_port));
  try {
    fs::create_directories(o.out);
    fs::permissions(o.out, fs::perms::owner_all);
    write_file_atomically(o.out / "terminal.key", request->private_key_pem, true);
    write_file_atomically(o.out / "terminal.crt", answer->certificate, false);
    write_file_atomically(o.out / "ca.crt", answer->ca_certificate, false);
    card::CardKey::from_hex(answer->card_key)->save(o.out / "card.key");
    // Public keys only: signed cards verify from the first tap. An older server sends none;
    // the first sync then fetches them into the same file (terminal/live_keyring.h).
    if (!answer->token_keys.empty()) {
      write_file_atomically(o.out / kTokenKeysFile, answer->token_keys, false);
    }
    write_file_atomically(o.out / "terminal.toml",
                          config::terminal_toml({.terminal_id = answer->terminal_id,
                                                 .store_id = answer->store_id,
                                                 .server_address = sync_address,
                                                 .server_name = o.server_name,
                                                 .issuer_prefix = answer->issuer_prefix,
                                                 .written_by = "rapport-terminal enroll",
                                                 .token_keys = kTokenKeysFile}),
                          false);
  } catch (const std::exception& e) {
    std::cerr << "error: the terminal was enrolled but its files could not be written: " << e.what()
              << "\nAsk for a new code (rapportctl terminal add) and try again.\n";
    return 1;
  }
  std::cout << "Terminal " << answer->terminal_id << " of store " << answer->store_id
            << " enrolled in " << o.out.string() << "\nStart it with: rapport-terminal --config "
            << (o.out / "terminal.toml").string() << "\n";
  return 0;
}

}  // namespace rapport::terminal
