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
#include <memory>
#include <mutex>
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

class ResponseStream;

// How one ResponseStream behaves (below).
struct ResponseStreamOptions {
  std::size_t max_queued_bytes = 256 * 1024;
  // Sent when nothing else was for heartbeat_every (empty or zero: never), so proxies and
  // the peer see the stream alive and a vanished peer is noticed by a failed write.
  std::chrono::milliseconds heartbeat_every{15'000};
  std::string heartbeat = ": keep-alive\n\n";
  // Called on the server's I/O thread (where the handler runs, so it may read what the
  // handler reads) every `poll_every` while the stream is open, and soon after
  // request_poll(); to push state that changes without a producer (an offline indicator).
  // Empty: never. It must not keep the stream itself alive (it gets it as an argument).
  std::chrono::milliseconds poll_every{0};
  std::function<void(ResponseStream&)> poll{};
};

// A response body the server keeps open and writes as it is pushed (Server-Sent Events, see
// docs/cashier-screen.md): the handler makes one, sets HttpResponse::stream to it, keeps a
// copy wherever its events come from (a board's subscribers) and push()es to it from any
// thread. The server sends the header (chunked), then each piece pushed as a chunk as soon as
// its I/O thread gets to it, a heartbeat when nothing was sent for a while, and ends the
// stream (last chunk, connection closed) after close(), when the peer goes, or at stop().
// A peer that falls max_queued_bytes behind is cut off (its page reconnects). The number of
// open streams is bounded by ServerOptions::max_streams (further ones get 503).
//
// Thread-safety: push, close, request_poll, closed: any thread. attach/detach/drain: the
// server's (drain also for tests that call a handler directly).
class ResponseStream {
 public:
  using Options = ResponseStreamOptions;

  ResponseStream() = default;
  explicit ResponseStream(Options options) : options_(std::move(options)) {}
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;

  // Queues `piece` for the peer. False, and nothing queued, once the stream is closed (the
  // producer drops it then); a piece that would pass max_queued_bytes closes the stream.
  bool push(std::string_view piece);
  // Ends the stream once what is queued is sent.
  void close();
  // Asks the server to call options().poll soon (after something the poll reports changed).
  void request_poll();
  [[nodiscard]] bool closed() const;
  [[nodiscard]] const Options& options() const { return options_; }

  // The server's side. `wake` is called (under this stream's lock, so it must only post) when
  // there is something to do; detach() forgets it and closes the stream.
  void attach(std::function<void()> wake);
  void detach();
  struct Drained {
    std::string bytes;     // everything queued, in order
    bool ended = false;    // closed: nothing more will come
    bool poll = false;     // request_poll() was called since the last drain
  };
  Drained drain();

 private:
  const Options options_{};
  mutable std::mutex mutex_;
  std::string queued_;          // guarded by mutex_
  bool closed_ = false;         // guarded by mutex_
  bool poll_requested_ = false; // guarded by mutex_
  std::function<void()> wake_;  // guarded by mutex_
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
  // Server side only: when set, `body` and `stream_body` are ignored and the response is held
  // open, sending what is pushed to this stream (see ResponseStream).
  std::shared_ptr<ResponseStream> stream{};
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
