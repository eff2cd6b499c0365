// tests/unit/enrollment_code_test.cpp
//
// The enrollment code's text form (docs/protocol.md, "Enrollment code") and the certificate
// request a terminal makes: round trips, what a person copying a code gets away with, and
// what is refused.

#include "shared/protocol/enrollment_code.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "shared/crypto/certificates.h"
#include "shared/crypto/crypto_errc.h"
#include "shared/crypto/openssl_handles.h"
#include "shared/protocol/enrollment_errc.h"
#include "shared/protocol/enrollment_messages.h"
#include "tests/support/catch_result.h"

using namespace rapport;
using protocol::EnrollmentCode;
using protocol::EnrollmentErrc;

namespace {

EnrollmentCode sample_code(std::string id = "T2") {
  EnrollmentCode code;
  code.terminal_id = std::move(id);
  for (std::size_t i = 0; i < code.secret.size(); ++i) {
    code.secret[i] = static_cast<std::uint8_t>(0xA0 + i);
  }
  for (std::size_t i = 0; i < code.ca_fingerprint.size(); ++i) {
    code.ca_fingerprint[i] = static_cast<std::uint8_t>(i * 7);
  }
  return code;
}

// Replaces the symbol at `index` (after the prefix, dashes counted) by another symbol.
std::string with_typo(std::string text, std::size_t index) {
  char& c = text.at(index);
  c = c == '7' ? '8' : '7';
  return text;
}

}  // namespace

TEST_CASE("an enrollment code reads back to what was written", "[enrollment]") {
  const std::string id =
      GENERATE(std::string("T"), std::string("T2"), std::string("till-04_b"), std::string(64, 'x'));
  const EnrollmentCode code = sample_code(id);
  const std::string text = protocol::format_enrollment_code(code);
  CHECK(text.rfind("RAP1-", 0) == 0);
  const auto parsed = protocol::parse_enrollment_code(text);
  REQUIRE(parsed);
  CHECK(*parsed == code);
}

TEST_CASE("an enrollment code for a short id stays around a hundred characters", "[enrollment]") {
  const std::string text = protocol::format_enrollment_code(sample_code("T2"));
  CHECK(text.size() <= 110);
  CHECK(std::all_of(text.begin(), text.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) != 0 ||
           std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-';
  }));
}

TEST_CASE("an enrollment code survives the ways people copy it", "[enrollment]") {
  const EnrollmentCode code = sample_code();
  const std::string text = protocol::format_enrollment_code(code);
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string no_dashes = "RAP1-";
  for (char c : text.substr(5)) {
    if (c != '-') no_dashes += c;
  }
  std::string spaced = "  " + text.substr(0, 20) + "\n" + text.substr(20) + " \n";
  std::string look_alikes = text;
  std::replace(look_alikes.begin() + 5, look_alikes.end(), '0', 'O');
  std::replace(look_alikes.begin() + 5, look_alikes.end(), '1', 'l');
  for (const auto& variant : {lower, no_dashes, spaced, look_alikes}) {
    INFO(variant);
    const auto parsed = protocol::parse_enrollment_code(variant);
    REQUIRE(parsed);
    CHECK(*parsed == code);
  }
}

TEST_CASE("a typo in an enrollment code is reported as a typo", "[enrollment]") {
  const std::string text = protocol::format_enrollment_code(sample_code());
  for (std::size_t index = 5; index < text.size(); ++index) {
    if (text[index] == '-') continue;
    INFO(index);
    const auto parsed = protocol::parse_enrollment_code(with_typo(text, index));
    REQUIRE_FALSE(parsed);
    // The last symbol carries padding bits too: a change there may break the spelling.
    CHECK((parsed.error() == EnrollmentErrc::kCodeTypo ||
           (index == text.size() - 1 && parsed.error() == EnrollmentErrc::kNotACode)));
  }
}

TEST_CASE("text that is not an enrollment code is refused", "[enrollment]") {
  const std::string text = protocol::format_enrollment_code(sample_code());
  for (const std::string& bad :
       {std::string(), std::string("RAP1-"), std::string("RAP2") + text.substr(4), text.substr(5),
        text + "U", std::string("RAP1-") + std::string(600, 'A'), std::string("RAP1-!!!!!"),
        std::string("RAP1-AAAAA-AAAAA")}) {
    INFO(bad);
    const auto parsed = protocol::parse_enrollment_code(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == EnrollmentErrc::kNotACode);
  }
  // Cut short or run on: the check bytes no longer match (or the spelling is off).
  for (const std::string& damaged : {text.substr(0, text.size() - 6), text + "-AAAAA"}) {
    INFO(damaged);
    CHECK_FALSE(protocol::parse_enrollment_code(damaged));
  }
}

TEST_CASE("an enrollment code whose id is not a terminal id is refused", "[enrollment]") {
  // format_enrollment_code requires a valid id; a crafted payload with a bad one must not pass.
  const std::string text = protocol::format_enrollment_code(sample_code("T/2"));
  const auto parsed = protocol::parse_enrollment_code(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error() == EnrollmentErrc::kNotACode);
}

TEST_CASE("enrollment messages round-trip and refuse the wrong shape", "[enrollment]") {
  const protocol::EnrollRequest request{"RAP1-AAAAA", "-----BEGIN CERTIFICATE REQUEST-----"};
  const auto decoded = protocol::decode_enroll_request(protocol::encode(request));
  REQUIRE(decoded);
  CHECK(decoded->code == request.code);
  CHECK(decoded->certificate_request == request.certificate_request);
  protocol::EnrollResponse response{"T2",   "S1", "cert", "ca", std::string(64, 'a'),
                                    "627599", 8443, "Key-Id: 1\n"};
  const auto answer = protocol::decode_enroll_response(protocol::encode(response));
  REQUIRE(answer);
  CHECK(answer->sync_port == 8443);
  CHECK(answer->card_key == response.card_key);
  CHECK(answer->token_keys == response.token_keys);
  // An older server sends no keyring: the terminal fetches it on its first sync.
  const auto older = protocol::decode_enroll_response(
      R"({"terminal_id":"T2","store":"S1","certificate":"c","ca_certificate":"ca",)"
      R"("card_key":"k","issuer_prefix":"627599","sync_port":8443})");
  REQUIRE(older);
  CHECK(older->token_keys.empty());
  CHECK_FALSE(protocol::decode_enroll_response(
      R"({"terminal_id":"T2","store":"S1","certificate":"c","ca_certificate":"ca",)"
      R"("card_key":"k","issuer_prefix":"627599","sync_port":8443,"token_keys":7})"));
  for (const char* bad :
       {"", "[]", "{\"code\":1,\"certificate_request\":\"x\"}", "{\"code\":\"x\"}", "{{"}) {
    INFO(bad);
    CHECK(protocol::decode_enroll_request(bad).error() == EnrollmentErrc::kBadMessage);
  }
  CHECK_FALSE(protocol::decode_enroll_response(R"({"terminal_id":"T2"})"));
}

TEST_CASE("a certificate request is signed for the CA's choice of names, not its own",
          "[enrollment][crypto]") {
  const auto ca = crypto::create_certificate_authority("Test CA").value();
  const auto request = crypto::create_certificate_request("asks-for-this").value();
  CHECK(request.request_pem.find("BEGIN CERTIFICATE REQUEST") != std::string::npos);
  crypto::CertificateRequest subject;
  subject.common_name = "T2";
  subject.organizational_unit = "S1";
  const auto certificate = crypto::sign_certificate_request(ca, request.request_pem, subject);
  REQUIRE(certificate);
  const auto info = crypto::read_certificate_info(*certificate).value();
  CHECK(info.common_name == "T2");
  CHECK(info.organizational_unit == "S1");
  CHECK(info.issuer_common_name == "Test CA");

  // The certificate carries the requester's own key.
  namespace ossl = crypto::ossl;
  ossl::BioPtr cert_bio(
      BIO_new_mem_buf(certificate->data(), static_cast<int>(certificate->size())));
  ossl::X509Ptr x509(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  ossl::BioPtr key_bio(BIO_new_mem_buf(request.private_key_pem.data(),
                                       static_cast<int>(request.private_key_pem.size())));
  ossl::KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(x509);
  REQUIRE(key);
  CHECK(X509_check_private_key(x509.get(), key.get()) == 1);
}

TEST_CASE(
    "a certificate request that is not one, tampered with, or of another key type is "
    "refused",
    "[enrollment][crypto]") {
  const auto ca = crypto::create_certificate_authority("Test CA").value();
  crypto::CertificateRequest subject;
  subject.common_name = "T2";
  CHECK(crypto::sign_certificate_request(ca, "not pem", subject).error() ==
        crypto::CryptoErrc::kBadPem);
  CHECK(crypto::sign_certificate_request(ca, ca.certificate_pem, subject).error() ==
        crypto::CryptoErrc::kBadPem);

  // Another key's signature over the same request: the proof of possession fails.
  namespace ossl = crypto::ossl;
  const auto request = crypto::create_certificate_request("T2").value();
  const auto other = crypto::create_certificate_request("T3").value();
  ossl::BioPtr in(
      BIO_new_mem_buf(request.request_pem.data(), static_cast<int>(request.request_pem.size())));
  std::unique_ptr<X509_REQ, ossl::Deleter<&X509_REQ_free>> parsed(
      PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr));
  ossl::BioPtr other_key_bio(BIO_new_mem_buf(other.private_key_pem.data(),
                                             static_cast<int>(other.private_key_pem.size())));
  ossl::KeyPtr other_key(PEM_read_bio_PrivateKey(other_key_bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(parsed);
  REQUIRE(other_key);
  REQUIRE(X509_REQ_sign(parsed.get(), other_key.get(), EVP_sha256()) > 0);
  ossl::BioPtr out(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509_REQ(out.get(), parsed.get()) == 1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(out.get(), &data);
  const std::string forged(data, static_cast<std::size_t>(length));
  CHECK(crypto::sign_certificate_request(ca, forged, subject).error() ==
        crypto::CryptoErrc::kBadInput);

  // An RSA key is not what Rapport certifies.
  ossl::KeyPtr rsa(EVP_RSA_gen(2048));
  REQUIRE(rsa);
  std::unique_ptr<X509_REQ, ossl::Deleter<&X509_REQ_free>> rsa_request(X509_REQ_new());
  REQUIRE(X509_REQ_set_pubkey(rsa_request.get(), rsa.get()) == 1);
  REQUIRE(X509_REQ_sign(rsa_request.get(), rsa.get(), EVP_sha256()) > 0);
  ossl::BioPtr rsa_out(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509_REQ(rsa_out.get(), rsa_request.get()) == 1);
  const long rsa_length = BIO_get_mem_data(rsa_out.get(), &data);
  CHECK(crypto::sign_certificate_request(
            ca, std::string(data, static_cast<std::size_t>(rsa_length)), subject)
            .error() == crypto::CryptoErrc::kBadKey);
}

TEST_CASE("a certificate's SHA-256 fingerprint is the digest of its DER form", "[crypto]") {
  const auto ca = crypto::create_certificate_authority("Test CA").value();
  const auto fingerprint = crypto::certificate_sha256(ca.certificate_pem);
  REQUIRE(fingerprint);
  namespace ossl = crypto::ossl;
  ossl::BioPtr bio(
      BIO_new_mem_buf(ca.certificate_pem.data(), static_cast<int>(ca.certificate_pem.size())));
  ossl::X509Ptr x509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_X509(x509.get(), &der);
  REQUIRE(der_length > 0);
  std::array<unsigned char, 32> expected{};
  unsigned int expected_length = 0;
  REQUIRE(EVP_Digest(der, static_cast<std::size_t>(der_length), expected.data(), &expected_length,
                     EVP_sha256(), nullptr) == 1);
  OPENSSL_free(der);
  CHECK(std::equal(expected.begin(), expected.end(), fingerprint->begin()));
  CHECK(crypto::certificate_sha256("nope").error() == crypto::CryptoErrc::kBadPem);
}
