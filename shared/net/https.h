// shared/net/https.h
//
// The plain types that cross the rapport_net boundary: an HTTP request as a handler sees it,
// the response it returns, and the TLS files of one side. Nothing here names Asio, Beast or
// OpenSSL, so callers (server, terminal, tests) compile without those headers.

#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace rapport::net {

// PEM files of one TLS endpoint. `ca_certificates` is what the peer must be signed by.
// A client may leave `certificate` and `private_key` both empty to present no certificate;
// a server that does not require client certificates ignores `ca_certificates`.
struct TlsFiles {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::filesystem::path ca_certificates;
};

// One header field. Names of request headers arrive in lower case.
struct HttpHeader {
  std::string name;
  std::string value;
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
  // Every header field as received (names lower case), for handlers that need more than the
  // content type (the dashboard's cookies and CSRF token).
  std::vector<HttpHeader> headers{};

  // The first value of header `lower_case_name`; empty when absent.
  [[nodiscard]] std::string_view header(std::string_view lower_case_name) const {
    for (const auto& field : headers) {
      if (field.name == lower_case_name) return field.value;
    }
    return {};
  }
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Further header fields to send (Set-Cookie, Cache-Control, ...); the client fills it with
  // every field it received, names lower case.
  std::vector<HttpHeader> headers{};
  // Server side only, for a body too large to hold (a CSV export): when set, `body` is
  // ignored and the body is sent chunked as this produces it. It is called once, after the
  // header is sent, on the server's I/O thread, and hands each piece to `write`, which
  // returns false once the peer is gone (stop then). It returns false when it failed part
  // way: the connection is then closed without the last chunk, so the client sees a
  // truncated body, never a short one that looks whole. Whatever it uses must outlive the
  // server (the handler's own state does).
  using BodyWriter = std::function<bool(std::string_view piece)>;
  std::function<bool(const BodyWriter& write)> stream_body{};
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
