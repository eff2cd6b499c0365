// server/enrollment_handler.h
//
// The terminal enrollment endpoint as a pure function of the request, the enrollment store
// and the chain's CA: no sockets. It runs behind its own server-authenticated TLS listener
// (no client certificate: the terminal has none yet). Protocol: docs/protocol.md,
// "Enrollment".

#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "server/server_config.h"
#include "server/storage/enrollment_store.h"
#include "shared/crypto/certificates.h"
#include "shared/net/https.h"

namespace rapport::server {

// What the server hands an enrolled terminal, loaded once at start-up.
struct EnrollmentAuthority {
  crypto::KeyAndCertificate ca;  // the chain's CA certificate and key (PEM)
  std::string card_key_hex;      // the chain's card key, 64 hex digits
  std::string issuer_prefix;     // the chain's 6-digit card prefix
  std::uint16_t sync_port = 0;   // where terminals sync (the main listener)
  // The data folder whose token-keys/ holds the public keyring sent to each new terminal
  // (read at each enrollment, so it is the current one); empty: no keyring sent.
  std::filesystem::path token_keys_data;
  int certificate_valid_days = 825;
};

// Reads the CA certificate and key and the card key that `config` names. Throws
// std::runtime_error naming the file on a missing or bad one (start-up only).
[[nodiscard]] EnrollmentAuthority load_enrollment_authority(const ServerConfig& config,
                                                            std::uint16_t sync_port);

// POST /enroll/v1 {code, certificate_request}:
//   200 {terminal_id, store, certificate, ca_certificate, card_key, issuer_prefix, sync_port,
//        token_keys} (token_keys: the public token keyring, docs/cards.md)
//   400 malformed JSON, not a code, a typo in the code, or a request that is not a valid
//       P-256 PKCS#10 (the code is then not spent)
//   403 unknown, wrong, used or expired code: one answer for all four (the log says which)
//   404/405 wrong path or method; 503 storage failed (the code is not spent)
[[nodiscard]] net::HttpResponse handle_enrollment_request(
    EnrollmentStore& store, const EnrollmentAuthority& authority, const net::HttpRequest& request,
    std::chrono::system_clock::time_point now);

}  // namespace rapport::server
