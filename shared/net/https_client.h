// shared/net/https_client.h
//
// A blocking HTTPS/1.1 client with a client certificate: the terminal's side of the sync
// protocol. It verifies the server's certificate against the chain's CA and the expected
// host name, keeps one connection alive between requests and reconnects when it drops.
//
// Threading: one thread at a time per HttpsClient.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/net/https.h"
#include "shared/util/result.h"

namespace rapport::net {

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  // Name the server's certificate must carry (DNS or IP SAN); defaults to `host`.
  std::string server_name;
  TlsFiles tls;
  Limits limits;
  // Enrollment only: the SHA-256 fingerprint of the chain's CA certificate (32 bytes, raw),
  // used instead of tls.ca_certificates, which the client does not have yet. The server must
  // send its CA in the handshake (ServerOptions::present_ca_certificate); a chain without a
  // certificate of this fingerprint fails the handshake before anything is sent.
  std::string pinned_ca_sha256;
};

class HttpsClient {
 public:
  // Loads the TLS files. Throws std::runtime_error naming the file on misconfiguration.
  [[nodiscard]] static std::unique_ptr<HttpsClient> create(const ClientOptions& options);

  virtual ~HttpsClient() = default;

  // Sends one request and waits for the whole response, at most `deadline` in total
  // (connect, handshake, write and read included). Any HTTP status is a success here; a
  // connection, TLS or timeout failure is an error (boost::asio / ssl error codes, or
  // NetErrc). After an error the connection is dropped and the next call reconnects. The
  // one automatic retry: a request that fails on a kept-alive connection (the server closed
  // it while idle) is sent once more on a new one, within the same deadline, so callers
  // must only send requests that are safe to repeat (all of the sync protocol's are).
  // A non-empty body is sent as application/json.
  [[nodiscard]] virtual Result<HttpResponse> request(std::string_view method,
                                                     std::string_view target, std::string_view body,
                                                     std::chrono::milliseconds deadline) = 0;
  // The same with further header fields (a Cookie, a CSRF token, a content type other than
  // JSON). The response's headers hold every field received.
  [[nodiscard]] virtual Result<HttpResponse> request(std::string_view method,
                                                     std::string_view target, std::string_view body,
                                                     std::chrono::milliseconds deadline,
                                                     const std::vector<HttpHeader>& headers) = 0;
};

}  // namespace rapport::net
