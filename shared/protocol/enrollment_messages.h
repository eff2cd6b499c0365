// shared/protocol/enrollment_messages.h
//
// The enrollment endpoint's messages and their JSON form (docs/protocol.md, "Enrollment"):
// a new terminal sends its one-time code and a certificate request; the server answers with
// everything the terminal needs to run. Decoders take any text (fuzzed) and never throw.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/util/result.h"

namespace rapport::protocol {

inline constexpr std::string_view kEnrollPath = "/enroll/v1";
// The largest enrollment request the server reads: a code and a P-256 request fit in 2 KiB.
inline constexpr std::size_t kMaxEnrollRequestBytes = 16 * 1024;

// POST /enroll/v1.
struct EnrollRequest {
  std::string code;                 // as printed by `rapportctl terminal add`
  std::string certificate_request;  // PKCS#10 PEM; its subject is ignored
};

// 200 answer: the terminal's identity and what it needs to sync.
struct EnrollResponse {
  std::string terminal_id;      // the certificate's CN, chosen by the server
  std::string store_id;         // the certificate's OU
  std::string certificate;      // PEM, signed by the chain's CA
  std::string ca_certificate;   // PEM, the chain's CA (the one the code's fingerprint names)
  std::string card_key;         // 64 hex digits: the chain's card key (docs/protocol.md)
  std::string issuer_prefix;    // the chain's 6-digit card prefix
  std::uint16_t sync_port = 0;  // where the sync endpoint listens (same host)
  // The chain's public token keyring (card::TokenKeyring's file format, docs/cards.md); empty
  // when the server sent none (an older server): the terminal then gets it on its first sync.
  std::string token_keys;
};

[[nodiscard]] std::string encode(const EnrollRequest& request);
// kBadMessage when not an object with string fields "code" and "certificate_request".
[[nodiscard]] Result<EnrollRequest> decode_enroll_request(std::string_view json);

[[nodiscard]] std::string encode(const EnrollResponse& response);
// kBadMessage when a field is missing, has the wrong type, or the port is not 1-65535;
// "token_keys" may be absent (empty), but when present it is a string.
[[nodiscard]] Result<EnrollResponse> decode_enroll_response(std::string_view json);

}  // namespace rapport::protocol
