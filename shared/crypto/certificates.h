// shared/crypto/certificates.h
//
// The chain's small private PKI: a development/production CA that signs the server's
// certificate and one client certificate per terminal (mutual TLS, docs/architecture.md).
// Keys are ECDSA P-256; everything is exchanged as PEM text so callers never see OpenSSL.

#pragma once

#include <string>
#include <vector>

#include "shared/crypto/hmac.h"
#include "shared/util/result.h"

namespace rapport::crypto {

struct KeyAndCertificate {
  std::string certificate_pem;
  std::string private_key_pem;  // PKCS#8, unencrypted: store it readable by its owner only
};

enum class CertificateUse {
  kServer = 1,  // extendedKeyUsage serverAuth; needs at least one DNS or IP name
  kClient,      // extendedKeyUsage clientAuth (a terminal)
};

struct CertificateRequest {
  std::string common_name;                // a terminal's id, or the server's host name
  std::string organizational_unit;        // a terminal's store id; may be empty
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries ("127.0.0.1", "::1")
  CertificateUse use = CertificateUse::kClient;
  int valid_days = 825;
};

// Errors (CryptoErrc): kBadInput for an empty or over-64-character name, valid_days <= 0,
// a server request without a DNS/IP name, a malformed DNS name or IP address, or an issuing
// certificate that is not a CA; kBadPem for an unreadable CA certificate or key; kBadKey when
// the CA key does not belong to the CA certificate; kOpenSsl otherwise (details are logged).

// A self-signed CA (basicConstraints critical CA:TRUE pathlen:0, keyCertSign) named
// `common_name`.
[[nodiscard]] Result<KeyAndCertificate> create_certificate_authority(const std::string& common_name,
                                                                     int valid_days = 3650);

// A new key pair and a certificate for it, signed by `ca`, with a random 128-bit serial.
[[nodiscard]] Result<KeyAndCertificate> issue_certificate(const KeyAndCertificate& ca,
                                                          const CertificateRequest& request);

// Fields read back from a PEM certificate (for `rapportctl` listings and tests).
struct CertificateInfo {
  std::string common_name;
  std::string organizational_unit;
  std::string issuer_common_name;
  std::string serial_hex;
};
[[nodiscard]] Result<CertificateInfo> read_certificate_info(const std::string& certificate_pem);

// SHA-256 of the certificate's DER form: its fingerprint, as `openssl x509 -noout
// -fingerprint -sha256` prints it. kBadPem when the text holds no certificate.
[[nodiscard]] Result<Sha256Digest> certificate_sha256(const std::string& certificate_pem);

// A terminal enrolling itself (docs/protocol.md, "Enrollment"): it makes its own key, which
// never leaves the machine, and asks the CA to certify it with a PKCS#10 request.
struct KeyAndCertificateRequest {
  std::string request_pem;      // "CERTIFICATE REQUEST", signed with the new key
  std::string private_key_pem;  // PKCS#8, unencrypted: store it readable by its owner only
};

// A new EC P-256 key and a request for it naming `common_name` (only a hint: the CA decides).
[[nodiscard]] Result<KeyAndCertificateRequest> create_certificate_request(
    const std::string& common_name);

// Certifies the key of the PKCS#10 request `request_pem` with `ca`, for `subject` (names, use
// and validity are the CA's choice; whatever subject or extensions the request asks for are
// ignored). Returns the certificate's PEM. Errors: kBadPem when the text is not one request
// (or is over 16 KiB), kBadInput when its self-signature does not verify (or as
// issue_certificate), kBadKey when its key is not EC P-256.
[[nodiscard]] Result<std::string> sign_certificate_request(const KeyAndCertificate& ca,
                                                           const std::string& request_pem,
                                                           const CertificateRequest& subject);

}  // namespace rapport::crypto
