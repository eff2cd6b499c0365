// shared/net/https_server.h
//
// An HTTPS/1.1 server over TLS 1.3 that hands each complete request to a plain handler and
// writes back what it returns. Sessions only move bytes; business logic lives in the
// handler (a pure function of the request, see the server's sync handler).
//
// Threading: the server owns one I/O thread; the handler is called on it, one request at a
// time, so a handler needs no locking of its own state. A handler may answer with a held-open
// stream (HttpResponse::stream, Server-Sent Events): it is written asynchronously, so other
// connections are served meanwhile, and a stuck peer holds only its own connection.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "shared/net/https.h"

namespace rapport::net {

using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8443;  // 0 picks a free port; see HttpsServer::port()
  TlsFiles tls;
  // When true (the sync endpoint), a client without a certificate signed by
  // tls.ca_certificates fails the handshake and never reaches the handler.
  bool require_client_certificate = true;
  Limits limits;
  std::size_t max_connections = 256;  // further connections are closed at accept
  // Held-open responses (HttpResponse::stream) at once; a further one is answered 503.
  std::size_t max_streams = 16;
  // Sends the CA certificate (tls.ca_certificates) after the server's own in the handshake,
  // so a client that only knows the CA's fingerprint can find and pin it (enrollment).
  bool present_ca_certificate = false;
};

// Who a connection's verified client certificate names.
struct PeerCertificate {
  std::string common_name;
  std::string serial_hex;  // lower-case hex
};
using ConnectionFilter = std::function<bool(const PeerCertificate&)>;

class HttpsServer {
 public:
  // Loads the TLS files, binds and starts the I/O thread.
  // Throws std::runtime_error naming the file or address on misconfiguration (start-up only).
  [[nodiscard]] static std::unique_ptr<HttpsServer> start(const ServerOptions& options,
                                                          RequestHandler handler);

  virtual ~HttpsServer() = default;  // Calls stop() if still running.

  // The bound port (useful when ServerOptions::port was 0).
  [[nodiscard]] virtual std::uint16_t port() const = 0;

  // Stops accepting, lets requests in flight finish for up to `grace`, then closes every
  // connection and joins the I/O thread. A response cut off here is harmless for sync: the
  // handler commits before it answers, and the terminal resends unacknowledged events.
  // Idle keep-alive connections close at once. A second call does nothing. Never call it from
  // the handler (it would wait for its own thread): that throws std::logic_error.
  virtual void stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) = 0;

  // Closes every open connection whose verified client certificate `should_close` picks (a
  // revoked terminal): at once when it waits for a request, right after the response in
  // progress otherwise. Connections without a verified certificate (still handshaking, or a
  // server that does not ask for one) are left alone. Returns at once; `should_close` runs
  // later on the I/O thread, once per connection, and must not block. Thread-safe; does
  // nothing once stop() has begun.
  virtual void close_connections(ConnectionFilter should_close) = 0;
};

}  // namespace rapport::net
