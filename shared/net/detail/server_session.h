// shared/net/detail/server_session.h
//
// Internal to rapport_net: one accepted connection of HttpsServer. TLS handshake, then a
// keep-alive loop of read request -> call the handler -> write response, on the
// connection's own strand. Sessions only move bytes; the handler decides everything else.

#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "shared/net/detail/session_registry.h"
#include "shared/net/detail/tls_context.h"
#include "shared/net/https_server.h"

namespace rapport::net::detail {

// What every session of one server shares; owned by the server, outlives every session.
struct SessionEnvironment {
  const RequestHandler& handler;
  const Limits& limits;
  SessionRegistry& registry;
  std::atomic<std::size_t>& open_streams;  // held-open responses now
  std::size_t max_streams;
};

class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  // `socket` must already run on this connection's own strand. The session registers itself
  // once run() is called and deregisters in its destructor.
  ServerSession(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls,
                const SessionEnvironment& environment);
  ~ServerSession();

  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Registers the session and starts it on its strand; the coroutine owns the session until
  // it ends. Never throws out of the coroutine: failures are logged and close this
  // connection only.
  static void run(std::shared_ptr<ServerSession> session);

  // The connection's strand; close_when_idle() must run on it.
  [[nodiscard]] boost::asio::any_io_executor executor() { return stream_.get_executor(); }

  // For stop(): closes the connection now if it is waiting for a request (or handshaking,
  // or shutting down), otherwise right after the response in progress is written.
  void close_when_idle();

  // For HttpsServer::close_connections(); runs on the strand. close_when_idle() when the
  // handshake verified a client certificate and `should_close` picks it.
  void close_if(const ConnectionFilter& should_close);

 private:
  // kBusy: from a complete request until its response is out; kStreaming: writing a
  // held-open response (HttpResponse::stream).
  enum class Phase { kWaiting, kBusy, kStreaming };

  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  static boost::asio::awaitable<void> async_run(std::shared_ptr<ServerSession> self);
  boost::asio::awaitable<void> async_serve();
  // Answers a request that could not be read (413/431/400) and closes; for transport
  // failures just returns.
  boost::asio::awaitable<void> async_reject(boost::system::error_code read_error);
  // False when the write failed (the connection is then unusable).
  boost::asio::awaitable<bool> async_write(const HttpResponse& response, unsigned http_version,
                                           bool keep_alive);
  boost::asio::awaitable<bool> async_write_streamed(const HttpResponse& response,
                                                   unsigned http_version, bool keep_alive);
  // A held-open response: false when the peer went or the stream was cut off (the connection
  // is then closed without a shutdown); true after the last chunk.
  boost::asio::awaitable<bool> async_write_held_open(const HttpResponse& response,
                                                     unsigned http_version);
  boost::asio::awaitable<bool> async_write_chunk(std::string_view bytes);
  // On the strand, from a stream's wake function: the held-open loop looks again.
  void wake_stream();
  boost::asio::awaitable<void> async_shutdown();
  HttpResponse call_handler(Request&& message);

  Stream stream_;
  const SessionEnvironment& environment_;
  std::string remote_address_;
  PeerIdentity peer_;
  Phase phase_ = Phase::kWaiting;
  bool closing_ = false;  // set by close_when_idle(): no further request is read
  // While kStreaming: the stream written and the timer its loop waits on (on the strand).
  std::shared_ptr<ResponseStream> stream_open_;
  boost::asio::steady_timer* stream_timer_ = nullptr;
};

}  // namespace rapport::net::detail
