// shared/net/detail/tls_context.h
//
// Internal to rapport_net: builds the TLS 1.3 contexts of HttpsServer and HttpsClient from
// PEM files, and reads what OpenSSL knows about one connection (peer name, failure reason).

#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <string>

#include "shared/net/https.h"

namespace rapport::net::detail {

// Context of the listening side: presents files.certificate / files.private_key. With
// `require_client_certificate`, a client whose certificate does not chain to
// files.ca_certificates (or that sends none) fails the handshake.
// With `present_ca_certificate`, the handshake also sends files.ca_certificates' first
// certificate after the server's own (for clients that pin the CA by fingerprint).
// Throws std::runtime_error naming the file on a missing, unreadable or mismatched file.
[[nodiscard]] boost::asio::ssl::context make_server_tls_context(const TlsFiles& files,
                                                                bool require_client_certificate,
                                                                bool present_ca_certificate);

// Context of the connecting side: accepts only a server certificate that chains to
// files.ca_certificates and carries `server_name` as a DNS or IP subjectAltName. Presents
// files.certificate / files.private_key when both are set; both empty means no client
// certificate. Throws std::runtime_error naming the file, as above.
// With a non-empty `pinned_ca_sha256` (32 bytes, owned by the caller and outliving the
// context) files.ca_certificates is not read: the server must send its CA in the handshake,
// the one certificate of its chain whose SHA-256 fingerprint equals the pin becomes the only
// trust anchor, and the chain and name are verified against it as usual. No certificate with
// that fingerprint fails the handshake before anything is trusted.
[[nodiscard]] boost::asio::ssl::context make_client_tls_context(
    const TlsFiles& files, const std::string& server_name,
    const std::string& pinned_ca_sha256 = {});

// True when `name` is an IPv4 or IPv6 literal: verified against IP SANs and sent without SNI.
[[nodiscard]] bool is_ip_literal(const std::string& name);

// Who the peer's certificate says it is, once the handshake verified it: its common name
// and serial (lower-case hex, as rapportctl records it). Both empty when the peer presented
// no certificate.
struct PeerIdentity {
  std::string common_name;
  std::string serial_hex;
};
[[nodiscard]] PeerIdentity peer_identity(SSL* ssl);

// A log line's worth on why a TLS operation failed: the error, plus OpenSSL's verdict on the
// peer's certificate when that is what failed.
[[nodiscard]] std::string describe_tls_failure(const boost::system::error_code& ec, SSL* ssl);

}  // namespace rapport::net::detail
