// tests/unit/certificates_test.cpp
//
// The private PKI: issued certificates pass OpenSSL's own strict chain verification, carry
// the names, usages and serials asked for, and bad requests come back as error values.
#include "shared/crypto/certificates.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "shared/crypto/crypto_errc.h"
#include "shared/crypto/openssl_handles.h"

namespace {

namespace crypto = rapport::crypto;
namespace ossl = rapport::crypto::ossl;
using crypto::CertificateRequest;
using crypto::CertificateUse;
using crypto::CryptoErrc;
using crypto::KeyAndCertificate;

ossl::BioPtr pem_bio(const std::string& pem) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  REQUIRE(bio);
  return bio;
}

ossl::X509Ptr parse_certificate(const std::string& pem) {
  const auto bio = pem_bio(pem);
  ossl::X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(certificate);
  return certificate;
}

ossl::KeyPtr parse_key(const std::string& pem) {
  const auto bio = pem_bio(pem);
  ossl::KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(key);
  return key;
}

KeyAndCertificate make_ca(const std::string& name) {
  auto ca = crypto::create_certificate_authority(name);
  REQUIRE(ca.has_value());
  return ca.value();
}

CertificateRequest client_request(const std::string& terminal, const std::string& store) {
  CertificateRequest request;
  request.common_name = terminal;
  request.organizational_unit = store;
  request.use = CertificateUse::kClient;
  return request;
}

CertificateRequest server_request() {
  CertificateRequest request;
  request.common_name = "rapport-server";
  request.dns_names = {"localhost"};
  request.ip_addresses = {"127.0.0.1", "::1"};
  request.use = CertificateUse::kServer;
  return request;
}

KeyAndCertificate issue(const KeyAndCertificate& ca, const CertificateRequest& request) {
  auto issued = crypto::issue_certificate(ca, request);
  REQUIRE(issued.has_value());
  return issued.value();
}

// OpenSSL chain verification with RFC 5280 strict checks for a TLS `purpose`; the
// X509_V_* result (X509_V_OK when the chain is good).
int verify(const KeyAndCertificate& ca, const std::string& leaf_pem, int purpose) {
  const auto ca_certificate = parse_certificate(ca.certificate_pem);
  const auto leaf = parse_certificate(leaf_pem);
  const ossl::X509StorePtr store(X509_STORE_new());
  REQUIRE(store);
  REQUIRE(X509_STORE_add_cert(store.get(), ca_certificate.get()) == 1);
  REQUIRE(X509_STORE_set_flags(store.get(), X509_V_FLAG_X509_STRICT) == 1);
  const ossl::X509StoreContextPtr context(X509_STORE_CTX_new());
  REQUIRE(context);
  REQUIRE(X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), nullptr) == 1);
  REQUIRE(X509_STORE_CTX_set_purpose(context.get(), purpose) == 1);
  return X509_verify_cert(context.get()) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(context.get());
}

struct AltNames {
  std::vector<std::string> dns;
  std::vector<std::string> ip;
};

AltNames alt_names(X509* certificate) {
  AltNames names;
  const ossl::GeneralNamesPtr general(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  if (!general) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(general.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(general.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                             static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      std::array<char, INET6_ADDRSTRLEN> text{};
      const int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      REQUIRE(inet_ntop(family, ASN1_STRING_get0_data(ip), text.data(), text.size()) != nullptr);
      names.ip.emplace_back(text.data());
    }
  }
  return names;
}

std::string name_text(const X509_NAME* name, int nid) {
  std::array<char, 256> text{};
  const int length =
      X509_NAME_get_text_by_NID(name, nid, text.data(), static_cast<int>(text.size()));
  return length < 0 ? std::string() : std::string(text.data(), static_cast<std::size_t>(length));
}

std::string serial_hex(X509* certificate) {
  const ossl::BigNumPtr number(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
  REQUIRE(number);
  const ossl::OpenSslMemoryPtr<char> hex(BN_bn2hex(number.get()));
  REQUIRE(hex);
  std::string text(hex.get());
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

TEST_CASE("A CA and a client certificate it issued verify with OpenSSL", "[crypto]") {
  const auto ca = make_ca("Rapport Test CA");
  const auto client = issue(ca, client_request("T-0001", "S-042"));

  CHECK(verify(ca, ca.certificate_pem, X509_PURPOSE_ANY) == X509_V_OK);
  CHECK(verify(ca, client.certificate_pem, X509_PURPOSE_SSL_CLIENT) == X509_V_OK);

  const auto ca_certificate = parse_certificate(ca.certificate_pem);
  CHECK(X509_get_version(ca_certificate.get()) == X509_VERSION_3);
  CHECK(X509_check_ca(ca_certificate.get()) != 0);
  CHECK((X509_get_key_usage(ca_certificate.get()) & KU_KEY_CERT_SIGN) != 0);

  for (const auto* pair : {&ca, &client}) {
    CHECK(pair->private_key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    const auto key = parse_key(pair->private_key_pem);
    CHECK(EVP_PKEY_is_a(key.get(), "EC") == 1);
    CHECK(EVP_PKEY_get_bits(key.get()) == 256);
    CHECK(X509_check_private_key(parse_certificate(pair->certificate_pem).get(), key.get()) == 1);
  }
}

TEST_CASE("A certificate from another CA does not verify against the first CA", "[crypto]") {
  const auto first = make_ca("Rapport CA One");
  const auto second = make_ca("Rapport CA Two");
  const auto stranger = issue(second, client_request("T-0002", "S-001"));

  CHECK(verify(second, stranger.certificate_pem, X509_PURPOSE_SSL_CLIENT) == X509_V_OK);
  CHECK(verify(first, stranger.certificate_pem, X509_PURPOSE_SSL_CLIENT) ==
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_CASE("A server certificate names localhost and 127.0.0.1 and is for serverAuth", "[crypto]") {
  const auto ca = make_ca("Rapport Test CA");
  const auto server = issue(ca, server_request());
  const auto certificate = parse_certificate(server.certificate_pem);

  const auto names = alt_names(certificate.get());
  CHECK(names.dns == std::vector<std::string>{"localhost"});
  CHECK(names.ip == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(X509_check_host(certificate.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(certificate.get(), "127.0.0.1", 0) == 1);

  CHECK(X509_get_extended_key_usage(certificate.get()) == XKU_SSL_SERVER);
  CHECK(verify(ca, server.certificate_pem, X509_PURPOSE_SSL_SERVER) == X509_V_OK);
  CHECK(verify(ca, server.certificate_pem, X509_PURPOSE_SSL_CLIENT) != X509_V_OK);
}

TEST_CASE("A client certificate carries the requested CN and OU and is for clientAuth",
          "[crypto]") {
  const auto ca = make_ca("Rapport Test CA");
  auto request = client_request("T-0007", "S-123");
  request.valid_days = 30;
  const auto certificate = parse_certificate(issue(ca, request).certificate_pem);

  const X509_NAME* subject = X509_get_subject_name(certificate.get());
  CHECK(name_text(subject, NID_commonName) == "T-0007");
  CHECK(name_text(subject, NID_organizationalUnitName) == "S-123");
  CHECK(name_text(X509_get_issuer_name(certificate.get()), NID_commonName) == "Rapport Test CA");

  CHECK(X509_get_extended_key_usage(certificate.get()) == XKU_SSL_CLIENT);
  CHECK(X509_check_ca(certificate.get()) == 0);
  const auto usage = X509_get_key_usage(certificate.get());
  CHECK((usage & KU_DIGITAL_SIGNATURE) != 0);
  CHECK((usage & KU_KEY_CERT_SIGN) == 0);
  CHECK(alt_names(certificate.get()).dns.empty());

  int days = 0;
  int seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate.get())) == 1);
  CHECK((days == 30 || (days == 29 && seconds > 86000)));
  REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(certificate.get()), nullptr) == 1);
  CHECK(days == 0);
  CHECK((seconds >= 300 && seconds < 360));
}

TEST_CASE("Two issued certificates have different positive serials", "[crypto]") {
  const auto ca = make_ca("Rapport Test CA");
  const auto first = parse_certificate(issue(ca, client_request("T-1", "S-1")).certificate_pem);
  const auto second = parse_certificate(issue(ca, client_request("T-1", "S-1")).certificate_pem);

  const ASN1_INTEGER* first_serial = X509_get0_serialNumber(first.get());
  const ASN1_INTEGER* second_serial = X509_get0_serialNumber(second.get());
  CHECK(ASN1_INTEGER_cmp(first_serial, second_serial) != 0);
  CHECK(ASN1_STRING_type(first_serial) == V_ASN1_INTEGER);  // V_ASN1_NEG_INTEGER if negative
  CHECK(ASN1_STRING_length(first_serial) <= 16);
}

TEST_CASE("Requests that cannot be honoured are refused as bad input", "[crypto]") {
  const auto ca = make_ca("Rapport Test CA");

  auto nameless_server = server_request();
  nameless_server.dns_names.clear();
  nameless_server.ip_addresses.clear();
  const auto refused = crypto::issue_certificate(ca, nameless_server);
  REQUIRE(refused.has_error());
  CHECK(refused.error() == CryptoErrc::kBadInput);

  auto no_common_name = client_request("", "S-1");
  CHECK(crypto::issue_certificate(ca, no_common_name).error() == CryptoErrc::kBadInput);
  auto no_days = client_request("T-1", "S-1");
  no_days.valid_days = 0;
  CHECK(crypto::issue_certificate(ca, no_days).error() == CryptoErrc::kBadInput);
  auto smuggled_name = server_request();
  smuggled_name.dns_names = {"localhost,IP:10.0.0.1"};
  CHECK(crypto::issue_certificate(ca, smuggled_name).error() == CryptoErrc::kBadInput);
  auto bad_ip = server_request();
  bad_ip.ip_addresses = {"127.0.0.300"};
  CHECK(crypto::issue_certificate(ca, bad_ip).error() == CryptoErrc::kBadInput);
  CHECK(crypto::create_certificate_authority("").error() == CryptoErrc::kBadInput);
  CHECK(crypto::create_certificate_authority("CA", -1).error() == CryptoErrc::kBadInput);
}

TEST_CASE("A garbage CA PEM is reported as a bad PEM", "[crypto]") {
  const auto ca = make_ca("Rapport Test CA");
  const auto request = client_request("T-1", "S-1");

  auto garbage_certificate = ca;
  garbage_certificate.certificate_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n";
  CHECK(crypto::issue_certificate(garbage_certificate, request).error() == CryptoErrc::kBadPem);
  auto garbage_key = ca;
  garbage_key.private_key_pem = "garbage";
  CHECK(crypto::issue_certificate(garbage_key, request).error() == CryptoErrc::kBadPem);
  CHECK(crypto::read_certificate_info("garbage").error() == CryptoErrc::kBadPem);
}

TEST_CASE("A CA key that does not belong to the CA certificate is a bad key", "[crypto]") {
  auto ca = make_ca("Rapport Test CA");
  ca.private_key_pem = make_ca("Another CA").private_key_pem;
  CHECK(crypto::issue_certificate(ca, client_request("T-1", "S-1")).error() == CryptoErrc::kBadKey);
}

TEST_CASE("A leaf certificate cannot act as the issuing CA", "[crypto]") {
  const auto ca = make_ca("Rapport Test CA");
  const auto leaf = issue(ca, client_request("T-1", "S-1"));
  CHECK(crypto::issue_certificate(leaf, client_request("T-2", "S-1")).error() ==
        CryptoErrc::kBadInput);
}

TEST_CASE("read_certificate_info returns the names and serial of a certificate", "[crypto]") {
  const auto ca = make_ca("Rapport Test CA");
  const auto client = issue(ca, client_request("T-0042", "S-7"));

  const auto read = crypto::read_certificate_info(client.certificate_pem);
  REQUIRE(read.has_value());
  const auto& info = read.value();
  CHECK(info.common_name == "T-0042");
  CHECK(info.organizational_unit == "S-7");
  CHECK(info.issuer_common_name == "Rapport Test CA");
  CHECK(info.serial_hex == serial_hex(parse_certificate(client.certificate_pem).get()));
  CHECK(std::all_of(info.serial_hex.begin(), info.serial_hex.end(),
                    [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));

  const auto read_ca = crypto::read_certificate_info(ca.certificate_pem);
  REQUIRE(read_ca.has_value());
  const auto& ca_info = read_ca.value();
  CHECK(ca_info.common_name == "Rapport Test CA");
  CHECK(ca_info.organizational_unit.empty());
  CHECK(ca_info.issuer_common_name == "Rapport Test CA");
}
