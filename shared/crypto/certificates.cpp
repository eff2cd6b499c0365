// shared/crypto/certificates.cpp
//
// The private PKI of certificates.h on the OpenSSL 3 C API: EC P-256 keys, X.509 v3
// certificates signed with ECDSA/SHA-256, PEM in and out. OpenSSL failures are logged here.
#include "shared/crypto/certificates.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/crypto/crypto_errc.h"
#include "shared/crypto/openssl_handles.h"
#include "shared/crypto/openssl_support.h"

namespace rapport::crypto {
namespace {

using ossl::drain;
using ossl::input_bio;
using ossl::input_failure;
using ossl::openssl_failure;
using ossl::refuse_password;

constexpr long kBackdateSeconds = 5 * 60;  // accepted by peers whose clocks run a little behind
constexpr std::size_t kSerialBytes = 16;
constexpr std::size_t kMaxNameLength = 64;  // RFC 5280 upper bound for CN and OU

struct Extension {
  int nid;
  std::string value;  // OpenSSL config syntax, e.g. "critical,CA:FALSE"
};

Result<ossl::X509Ptr> parse_certificate(const std::string& pem) {
  auto bio = input_bio(pem);
  if (!bio) return bio.error();
  ossl::X509Ptr certificate(PEM_read_bio_X509(bio->get(), nullptr, refuse_password, nullptr));
  if (!certificate) return input_failure(CryptoErrc::kBadPem);
  return certificate;
}

Result<ossl::KeyPtr> parse_private_key(const std::string& pem) {
  auto bio = input_bio(pem);
  if (!bio) return bio.error();
  ossl::KeyPtr key(PEM_read_bio_PrivateKey(bio->get(), nullptr, refuse_password, nullptr));
  if (!key) return input_failure(CryptoErrc::kBadPem);
  return key;
}

Result<std::string> certificate_to_pem(X509* certificate) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) {
    return openssl_failure("PEM_write_bio_X509");
  }
  return drain(bio.get());
}

Result<std::string> private_key_to_pem(EVP_PKEY* key) {
  // A secure-memory BIO wipes the key's PEM text when it is freed.
  ossl::BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_failure("PEM_write_bio_PrivateKey");
  }
  return drain(bio.get());
}

Result<KeyAndCertificate> to_pem(X509* certificate, EVP_PKEY* key) {
  auto certificate_pem = certificate_to_pem(certificate);
  if (!certificate_pem) return certificate_pem.error();
  auto key_pem = private_key_to_pem(key);
  if (!key_pem) return key_pem.error();
  return KeyAndCertificate{std::move(*certificate_pem), std::move(*key_pem)};
}

Result<ossl::KeyPtr> generate_p256_key() {
  ossl::KeyContextPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!context || EVP_PKEY_keygen_init(context.get()) <= 0 ||
      EVP_PKEY_CTX_set_group_name(context.get(), "prime256v1") <= 0) {
    return openssl_failure("EC key generation setup");
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(context.get(), &key) <= 0) return openssl_failure("EVP_PKEY_generate");
  return ossl::KeyPtr(key);
}

// A positive serial of at most 16 DER octets (the top bit is cleared so no sign octet is needed).
Result<ossl::Asn1IntegerPtr> random_serial() {
  std::array<unsigned char, kSerialBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return openssl_failure("RAND_bytes");
  }
  bytes[0] = static_cast<unsigned char>(bytes[0] & 0x7fU);
  ossl::BigNumPtr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!number) return openssl_failure("BN_bin2bn");
  ossl::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  if (!serial) return openssl_failure("BN_to_ASN1_INTEGER");
  return serial;
}

bool add_name_entry(X509_NAME* name, int nid, const std::string& value) {
  return X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.data()),
                                    static_cast<int>(value.size()), -1, 0) == 1;
}

ErrorCode check_subject(const CertificateRequest& request) {
  const bool bad = request.common_name.empty() || request.common_name.size() > kMaxNameLength ||
                   request.organizational_unit.size() > kMaxNameLength || request.valid_days <= 0;
  return bad ? make_error_code(CryptoErrc::kBadInput) : ErrorCode{};
}

// The subjectAltName value ("DNS:a,IP:b"), or kBadInput for a name that is not one: a DNS
// name may hold only letters, digits, '-', '.' and '*' (so it cannot smuggle in more entries).
Result<std::string> subject_alt_names(const CertificateRequest& request) {
  std::string names;
  for (const auto& dns : request.dns_names) {
    const bool valid = !dns.empty() && std::all_of(dns.begin(), dns.end(), [](unsigned char c) {
      return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '*';
    });
    if (!valid) return input_failure(CryptoErrc::kBadInput);
    names += (names.empty() ? "DNS:" : ",DNS:") + dns;
  }
  for (const auto& ip : request.ip_addresses) {
    ossl::Asn1OctetStringPtr parsed(a2i_IPADDRESS(ip.c_str()));
    if (!parsed || ip.find(',') != std::string::npos) return input_failure(CryptoErrc::kBadInput);
    names += (names.empty() ? "IP:" : ",IP:") + ip;
  }
  return names;
}

// Builds and signs a v3 certificate for `subject_key`. A null `issuer` means self-signed
// (the issuer name is the subject's own and `issuer_key` is `subject_key`).
Result<ossl::X509Ptr> build_certificate(EVP_PKEY* subject_key, const CertificateRequest& subject,
                                        const std::vector<Extension>& extensions, X509* issuer,
                                        EVP_PKEY* issuer_key) {
  ossl::X509Ptr certificate(X509_new());
  if (!certificate) return openssl_failure("X509_new");
  auto serial = random_serial();
  if (!serial) return serial.error();
  X509* cert = certificate.get();
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_set_version(cert, X509_VERSION_3) != 1 ||
      X509_set_serialNumber(cert, serial->get()) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert), -kBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert), subject.valid_days, 0, nullptr) == nullptr ||
      X509_set_pubkey(cert, subject_key) != 1 ||
      !add_name_entry(name, NID_commonName, subject.common_name) ||
      (!subject.organizational_unit.empty() &&
       !add_name_entry(name, NID_organizationalUnitName, subject.organizational_unit)) ||
      X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name) != 1) {
    return openssl_failure("filling in the certificate");
  }
  X509V3_CTX context{};
  X509V3_set_ctx(&context, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  for (const auto& extension : extensions) {
    ossl::X509ExtensionPtr made(
        X509V3_EXT_conf_nid(nullptr, &context, extension.nid, extension.value.c_str()));
    if (!made || X509_add_ext(cert, made.get(), -1) != 1) {
      return openssl_failure(std::string("adding extension ") + OBJ_nid2sn(extension.nid));
    }
  }
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) return openssl_failure("X509_sign");
  return certificate;
}

Result<std::string> name_entry(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return std::string();
  unsigned char* utf8 = nullptr;
  const int length =
      ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
  if (length < 0) return openssl_failure("ASN1_STRING_to_UTF8");
  const ossl::OpenSslMemoryPtr<unsigned char> owned(utf8);
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
}

// The extensions of a terminal's or server's certificate, or kBadInput (see check_subject).
Result<std::vector<Extension>> end_entity_extensions(const CertificateRequest& request) {
  if (const ErrorCode error = check_subject(request)) return error;
  auto alt_names_result = subject_alt_names(request);
  if (!alt_names_result) return alt_names_result.error();
  const std::string& alt_names = alt_names_result.value();
  std::vector<Extension> extensions{
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature,keyAgreement"},
  };
  switch (request.use) {
    case CertificateUse::kServer:
      if (alt_names.empty()) return make_error_code(CryptoErrc::kBadInput);
      extensions.push_back({NID_ext_key_usage, "serverAuth"});
      break;
    case CertificateUse::kClient:
      extensions.push_back({NID_ext_key_usage, "clientAuth"});
      break;
    default:
      return make_error_code(CryptoErrc::kBadInput);
  }
  if (!alt_names.empty()) extensions.push_back({NID_subject_alt_name, alt_names});
  extensions.push_back({NID_subject_key_identifier, "hash"});
  extensions.push_back({NID_authority_key_identifier, "keyid"});
  return extensions;
}

struct Issuer {
  ossl::X509Ptr certificate;
  ossl::KeyPtr key;
};

// The CA's certificate and key, checked to belong together and to be a CA.
Result<Issuer> load_issuer(const KeyAndCertificate& ca) {
  auto certificate = parse_certificate(ca.certificate_pem);
  if (!certificate) return certificate.error();
  auto key = parse_private_key(ca.private_key_pem);
  if (!key) return key.error();
  if (X509_check_private_key(certificate->get(), key->get()) != 1) {
    return input_failure(CryptoErrc::kBadKey);
  }
  if (X509_check_ca(certificate->get()) == 0) return input_failure(CryptoErrc::kBadInput);
  return Issuer{std::move(*certificate), std::move(*key)};
}

// True for an EC key on P-256, the one key type Rapport's certificates carry.
bool is_p256_key(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  std::array<char, 64> group{};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", group.data(), group.size(), &length) != 1) {
    return false;
  }
  const std::string_view name(group.data(), length);
  return name == "prime256v1" || name == "P-256";
}

constexpr std::size_t kMaxRequestPemBytes = 16 * 1024;

}  // namespace

Result<KeyAndCertificate> create_certificate_authority(const std::string& common_name,
                                                       int valid_days) {
  CertificateRequest subject;
  subject.common_name = common_name;
  subject.valid_days = valid_days;
  if (const ErrorCode error = check_subject(subject)) return error;
  auto key = generate_p256_key();
  if (!key) return key.error();
  // pathlen:0 — this CA signs end-entity certificates only, never another CA.
  const std::vector<Extension> extensions{
      {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
      {NID_key_usage, "critical,keyCertSign,cRLSign"},
      {NID_subject_key_identifier, "hash"},  // before the AKI, which copies it
      {NID_authority_key_identifier, "keyid:always"},
  };
  auto certificate = build_certificate(key->get(), subject, extensions, nullptr, key->get());
  if (!certificate) return certificate.error();
  return to_pem(certificate->get(), key->get());
}

Result<KeyAndCertificate> issue_certificate(const KeyAndCertificate& ca,
                                            const CertificateRequest& request) {
  auto extensions = end_entity_extensions(request);
  if (!extensions) return extensions.error();
  auto issuer = load_issuer(ca);
  if (!issuer) return issuer.error();
  auto key = generate_p256_key();
  if (!key) return key.error();
  auto certificate = build_certificate(key->get(), request, *extensions, issuer->certificate.get(),
                                       issuer->key.get());
  if (!certificate) return certificate.error();
  return to_pem(certificate->get(), key->get());
}

Result<CertificateInfo> read_certificate_info(const std::string& certificate_pem) {
  auto certificate = parse_certificate(certificate_pem);
  if (!certificate) return certificate.error();
  const X509_NAME* subject = X509_get_subject_name(certificate->get());
  auto common_name = name_entry(subject, NID_commonName);
  if (!common_name) return common_name.error();
  auto unit = name_entry(subject, NID_organizationalUnitName);
  if (!unit) return unit.error();
  auto issuer = name_entry(X509_get_issuer_name(certificate->get()), NID_commonName);
  if (!issuer) return issuer.error();

  const ossl::BigNumPtr serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate->get()), nullptr));
  if (!serial) return openssl_failure("ASN1_INTEGER_to_BN");
  const ossl::OpenSslMemoryPtr<char> hex(BN_bn2hex(serial.get()));
  if (!hex) return openssl_failure("BN_bn2hex");
  std::string serial_hex(hex.get());
  std::transform(serial_hex.begin(), serial_hex.end(), serial_hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return CertificateInfo{std::move(*common_name), std::move(*unit), std::move(*issuer),
                         std::move(serial_hex)};
}

Result<Sha256Digest> certificate_sha256(const std::string& certificate_pem) {
  auto certificate = parse_certificate(certificate_pem);
  if (!certificate) return certificate.error();
  Sha256Digest digest{};
  unsigned int length = 0;
  if (X509_digest(certificate->get(), EVP_sha256(), digest.data(), &length) != 1 ||
      length != digest.size()) {
    return openssl_failure("X509_digest");
  }
  return digest;
}

Result<KeyAndCertificateRequest> create_certificate_request(const std::string& common_name) {
  CertificateRequest subject;
  subject.common_name = common_name;
  if (const ErrorCode error = check_subject(subject)) return error;
  auto key = generate_p256_key();
  if (!key) return key.error();
  ossl::X509RequestPtr request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1 ||
      !add_name_entry(X509_REQ_get_subject_name(request.get()), NID_commonName, common_name) ||
      X509_REQ_set_pubkey(request.get(), key->get()) != 1 ||
      X509_REQ_sign(request.get(), key->get(), EVP_sha256()) <= 0) {
    return openssl_failure("making the certificate request");
  }
  ossl::BioPtr request_bio(BIO_new(BIO_s_mem()));
  if (!request_bio || PEM_write_bio_X509_REQ(request_bio.get(), request.get()) != 1) {
    return openssl_failure("PEM_write_bio_X509_REQ");
  }
  auto request_pem = drain(request_bio.get());
  if (!request_pem) return request_pem.error();
  auto key_pem = private_key_to_pem(key->get());
  if (!key_pem) return key_pem.error();
  return KeyAndCertificateRequest{std::move(*request_pem), std::move(*key_pem)};
}

Result<std::string> sign_certificate_request(const KeyAndCertificate& ca,
                                             const std::string& request_pem,
                                             const CertificateRequest& subject) {
  if (request_pem.size() > kMaxRequestPemBytes) return input_failure(CryptoErrc::kBadPem);
  auto bio = input_bio(request_pem);
  if (!bio) return bio.error();
  ossl::X509RequestPtr request(
      PEM_read_bio_X509_REQ(bio->get(), nullptr, refuse_password, nullptr));
  if (!request) return input_failure(CryptoErrc::kBadPem);
  EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
  if (key == nullptr || !is_p256_key(key)) return input_failure(CryptoErrc::kBadKey);
  // Proof that the requester holds the private key of the public key it wants certified.
  if (X509_REQ_verify(request.get(), key) != 1) return input_failure(CryptoErrc::kBadInput);

  auto extensions = end_entity_extensions(subject);
  if (!extensions) return extensions.error();
  auto issuer = load_issuer(ca);
  if (!issuer) return issuer.error();
  auto certificate =
      build_certificate(key, subject, *extensions, issuer->certificate.get(), issuer->key.get());
  if (!certificate) return certificate.error();
  return certificate_to_pem(certificate->get());
}

}  // namespace rapport::crypto
