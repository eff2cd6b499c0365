// server/enrollment_handler.cpp
#include "server/enrollment_handler.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <optional>
#include <stdexcept>

#include "server/card_token_keys.h"
#include "shared/card/card_key.h"
#include "shared/crypto/digest.h"
#include "shared/protocol/enrollment_code.h"
#include "shared/protocol/enrollment_messages.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/files.h"

namespace rapport::server {
namespace {

net::HttpResponse error_response(unsigned status, std::string_view message) {
  return {status, "application/json", protocol::encode_error(message)};
}

const char* describe(Redemption outcome) {
  switch (outcome) {
    case Redemption::kIssued:
      return "issued";
    case Redemption::kUnknownCode:
      return "no code for this terminal id";
    case Redemption::kWrongSecret:
      return "the secret does not match the terminal's code";
    case Redemption::kAlreadyUsed:
      return "the code was used already";
    case Redemption::kExpired:
      return "the code has expired";
  }
  return "refused";
}

std::string read_or_throw(const std::filesystem::path& file, std::string_view what) {
  auto text = read_file(file);
  if (!text) throw std::runtime_error("cannot read the " + std::string(what) + " " + file.string());
  return std::move(*text);
}

}  // namespace

EnrollmentAuthority load_enrollment_authority(const ServerConfig& config, std::uint16_t sync_port) {
  EnrollmentAuthority authority;
  authority.ca.certificate_pem = read_or_throw(config.tls.ca_certificates, "CA certificate");
  authority.ca.private_key_pem = read_or_throw(config.ca_private_key, "CA private key");
  if (!crypto::certificate_sha256(authority.ca.certificate_pem)) {
    throw std::runtime_error("the CA certificate " + config.tls.ca_certificates.string() +
                             " is not a PEM certificate");
  }
  // CardKey::load checks the file's mode and content; the wire carries its hex form.
  if (!card::CardKey::load(config.card_key)) {
    throw std::runtime_error("cannot use the card key " + config.card_key.string());
  }
  std::string hex = read_or_throw(config.card_key, "card key");
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back())) != 0) hex.pop_back();
  authority.card_key_hex = std::move(hex);
  authority.issuer_prefix = config.issuer_prefix;
  authority.sync_port = sync_port;
  authority.token_keys_data = config.data_folder;
  return authority;
}

net::HttpResponse handle_enrollment_request(EnrollmentStore& store,
                                            const EnrollmentAuthority& authority,
                                            const net::HttpRequest& request,
                                            std::chrono::system_clock::time_point now) {
  if (request.target != protocol::kEnrollPath) return error_response(404, "no such endpoint");
  if (request.method != "POST") return error_response(405, "use POST");
  if (request.body.size() > protocol::kMaxEnrollRequestBytes) {
    return error_response(413, "enrollment request too large");
  }
  const auto message = protocol::decode_enroll_request(request.body);
  if (!message) return error_response(400, message.error().message());
  const auto code = protocol::parse_enrollment_code(message->code);
  if (!code) return error_response(400, code.error().message());

  // The CA signs inside the store's transaction, so a failure there leaves the code unspent.
  std::optional<ErrorCode> request_error;
  const auto issue = [&](const std::string& terminal_id,
                         const std::string& store_id) -> Result<IssuedCertificate> {
    crypto::CertificateRequest subject;
    subject.common_name = terminal_id;
    subject.organizational_unit = store_id;
    subject.use = crypto::CertificateUse::kClient;
    subject.valid_days = authority.certificate_valid_days;
    auto certificate =
        crypto::sign_certificate_request(authority.ca, message->certificate_request, subject);
    if (!certificate) {
      request_error = certificate.error();
      return certificate.error();
    }
    RAPPORT_TRY(auto info, crypto::read_certificate_info(*certificate));
    return IssuedCertificate{std::move(*certificate), std::move(info.serial_hex)};
  };
  const auto redeemed = store.redeem(code->terminal_id, crypto::sha256(code->secret), now, issue);
  if (!redeemed) {
    if (request_error) {
      spdlog::warn("enrollment of '{}' from {}: bad certificate request: {}", code->terminal_id,
                   request.remote_address, request_error->message());
      return error_response(400,
                            "the certificate request is not a valid EC P-256 PKCS#10 "
                            "request: " +
                                request_error->message());
    }
    spdlog::error("enrollment of '{}' failed: {}", code->terminal_id, redeemed.error().message());
    return error_response(503, "could not enroll the terminal now; try again later");
  }
  if (redeemed->outcome != Redemption::kIssued) {
    // The peer is not authenticated: it learns only that this code does not work, not
    // whether a terminal of that id exists or when its code was used.
    spdlog::warn("enrollment of '{}' from {} refused: {}", code->terminal_id,
                 request.remote_address, describe(redeemed->outcome));
    return error_response(403,
                          "this enrollment code is unknown, used or expired; ask for a new one "
                          "(rapportctl terminal add)");
  }
  spdlog::info("terminal '{}' of store {} enrolled from {}", code->terminal_id, redeemed->store_id,
               request.remote_address);
  protocol::EnrollResponse response;
  response.terminal_id = code->terminal_id;
  response.store_id = redeemed->store_id;
  response.certificate = redeemed->certificate_pem;
  response.ca_certificate = authority.ca.certificate_pem;
  response.card_key = authority.card_key_hex;
  response.issuer_prefix = authority.issuer_prefix;
  response.sync_port = authority.sync_port;
  if (!authority.token_keys_data.empty()) {
    try {
      response.token_keys = CardTokenKeys(authority.token_keys_data).public_keyring_text();
    } catch (const std::exception& e) {
      // The terminal still works and gets the keyring on its first sync.
      spdlog::error("enrollment of '{}': cannot read the token keys: {}", code->terminal_id,
                    e.what());
    }
  }
  return {200, "application/json", protocol::encode(response)};
}

}  // namespace rapport::server
