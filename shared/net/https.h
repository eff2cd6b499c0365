// shared/net/https.h
//
// The plain types that cross the rapport_net boundary: an HTTP request as a handler sees it,
// the response it returns, and the TLS files of one side. Nothing here names Asio, Beast or
// OpenSSL, so callers (server, terminal, tests) compile without those headers.

#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

namespace rapport::net {

// PEM files of one TLS endpoint. `ca_certificates` is what the peer must be signed by.
// A client may leave `certificate` and `private_key` both empty to present no certificate;
// a server that does not require client certificates ignores `ca_certificates`.
struct TlsFiles {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::filesystem::path ca_certificates;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, e.g. "/sync/v1/events"
  std::string content_type;
  std::string body;
  // Common name of the verified client certificate; empty when the server does not
  // require one. The server trusts it because the TLS handshake verified the chain.
  std::string peer_common_name;
  // Serial of that certificate, lower-case hex: lets the server refuse a superseded one.
  std::string peer_certificate_serial;
  std::string remote_address;  // "127.0.0.1:51234", for logs
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Bounds on what one peer may cost us; the defaults suit the terminal sync protocol.
struct Limits {
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds io_timeout{10'000};  // for each read and write
  // For the TLS handshake alone: a peer that connects and stalls there holds a connection
  // slot (max_connections) for at most this long.
  std::chrono::milliseconds handshake_timeout{5'000};
};

}  // namespace rapport::net
