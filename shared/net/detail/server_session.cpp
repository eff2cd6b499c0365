// shared/net/detail/server_session.cpp
//
// The life of one server connection: handshake, keep-alive request loop, and the error
// answers (400, 413, 431, 500) that protect the server from a bad peer or a failing handler.
#include "shared/net/detail/server_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <utility>

#include "shared/net/detail/tls_context.h"

namespace rapport::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

std::string format_endpoint(const asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

std::string remote_of(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown peer") : format_endpoint(endpoint);
}

// Errors of Beast's HTTP parser (as opposed to transport errors met while reading).
bool is_http_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

HttpResponse json_error(unsigned status, std::string_view message) {
  return HttpResponse{status, "application/json", R"({"error":")" + std::string(message) + R"("})"};
}

// Every response's head: status, server, content type, the handler's headers, keep-alive.
template <class Body>
void fill_head(http::response<Body>& message, const HttpResponse& response,
               unsigned http_version, bool keep_alive) {
  message.version(http_version);
  message.result(response.status);
  message.set(http::field::server, "rapport");
  if (!response.content_type.empty()) message.set(http::field::content_type, response.content_type);
  for (const auto& field : response.headers) message.insert(field.name, field.value);
  message.keep_alive(keep_alive);
}

// The head of a chunked response (a streamed body or a held-open stream); the body follows
// as chunks.
http::response<http::empty_body> chunked_head(const HttpResponse& response,
                                              unsigned http_version, bool keep_alive) {
  http::response<http::empty_body> message;
  fill_head(message, response, http_version, keep_alive);
  message.chunked(true);
  return message;
}

}  // namespace

ServerSession::ServerSession(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                             const SessionEnvironment& environment)
    : stream_(std::move(socket), tls),
      environment_(environment),
      remote_address_(remote_of(beast::get_lowest_layer(stream_).socket())) {
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream_).socket().set_option(asio::ip::tcp::no_delay(true), ignored);
}

ServerSession::~ServerSession() { environment_.registry.remove(this); }

void ServerSession::run(std::shared_ptr<ServerSession> session) {
  session->environment_.registry.add(session);
  auto executor = session->executor();
  asio::co_spawn(std::move(executor), async_run(std::move(session)), [](std::exception_ptr error) {
    // async_run catches everything; this only guards against a throwing logger.
    if (error) spdlog::error("https: a session ended with an unexpected exception");
  });
}

void ServerSession::close_when_idle() {
  closing_ = true;
  if (phase_ == Phase::kWaiting) beast::get_lowest_layer(stream_).cancel();
  if (phase_ == Phase::kStreaming) {
    // No more wake-ups from producers (the I/O context may go soon); the loop ends the stream.
    if (stream_open_) stream_open_->detach();
    wake_stream();
  }
}

void ServerSession::wake_stream() {
  if (stream_timer_ != nullptr) stream_timer_->cancel();
}

void ServerSession::close_if(const ConnectionFilter& should_close) {
  if (peer_.common_name.empty() || closing_) return;
  if (!should_close(PeerCertificate{peer_.common_name, peer_.serial_hex})) return;
  spdlog::info(
      "https: closing the connection of {} from {}: its certificate is no longer "
      "accepted",
      peer_.common_name, remote_address_);
  close_when_idle();
}

asio::awaitable<void> ServerSession::async_run(std::shared_ptr<ServerSession> self) {
  try {
    co_await self->async_serve();
  } catch (const std::exception& e) {
    spdlog::error("https: session with {} failed: {}", self->remote_address_, e.what());
  } catch (...) {
    spdlog::error("https: session with {} failed with a non-standard exception",
                  self->remote_address_);
  }
}

asio::awaitable<void> ServerSession::async_serve() {
  const Limits& limits = environment_.limits;
  auto& tcp = beast::get_lowest_layer(stream_);

  tcp.expires_after(limits.handshake_timeout);
  const auto [handshake_error] =
      co_await stream_.async_handshake(asio::ssl::stream_base::server, kAsTuple);
  if (handshake_error) {
    if (handshake_error != asio::error::operation_aborted) {
      spdlog::warn("https: TLS handshake with {} failed: {}", remote_address_,
                   describe_tls_failure(handshake_error, stream_.native_handle()));
    }
    co_return;
  }
  peer_ = peer_identity(stream_.native_handle());

  beast::flat_buffer buffer;
  while (!closing_) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(limits.max_body_bytes);

    phase_ = Phase::kWaiting;
    tcp.expires_after(limits.io_timeout);
    const auto [read_error, bytes_read] =
        co_await http::async_read(stream_, buffer, parser, kAsTuple);
    phase_ = Phase::kBusy;
    if (read_error) {
      co_await async_reject(read_error);
      co_return;
    }

    const unsigned version = parser.get().version();
    const bool keep_alive = parser.get().keep_alive();
    HttpResponse response = call_handler(parser.release());
    if (response.stream && closing_) {
      response.stream->detach();
      response = json_error(503, "the server is stopping");
    } else if (response.stream && environment_.open_streams >= environment_.max_streams) {
      response.stream->detach();
      spdlog::warn("https: {} held-open responses already, refusing one to {}",
                   environment_.max_streams, remote_address_);
      response = json_error(503, "too many open event streams: try again in a moment");
    }
    // A held-open response ends its connection (its end is the stream's end).
    const bool keep_open = keep_alive && !closing_ && !response.stream;
    if (!co_await async_write(response, version, keep_open)) co_return;
    if (!keep_open) break;
  }
  co_await async_shutdown();
}

asio::awaitable<void> ServerSession::async_reject(boost::system::error_code read_error) {
  if (read_error == http::error::end_of_stream) {
    // The client closed between requests: the normal end of a keep-alive connection.
    co_await async_shutdown();
    co_return;
  }
  HttpResponse answer;
  if (read_error == http::error::body_limit) {
    answer = json_error(413, "request body too large");
  } else if (read_error == http::error::header_limit) {
    answer = json_error(431, "request header too large");
  } else if (is_http_error(read_error) && read_error != http::error::partial_message) {
    answer = json_error(400, "malformed request");
  } else {
    // Timeout, reset, truncation, or a stop(): nobody to answer.
    spdlog::debug("https: connection with {} closed: {}", remote_address_, read_error.message());
    co_return;
  }
  spdlog::info("https: rejecting request from {} with {}: {}", remote_address_, answer.status,
               read_error.message());
  if (co_await async_write(answer, 11, false)) co_await async_shutdown();
}

HttpResponse ServerSession::call_handler(Request&& message) {
  std::vector<HttpHeader> headers;
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    headers.push_back({std::move(name), std::string(field.value())});
  }
  HttpRequest request{
      .method = std::string(message.method_string()),
      .target = std::string(message.target()),
      .content_type = std::string(message[http::field::content_type]),
      .body = std::move(message.body()),
      .peer_common_name = peer_.common_name,
      .peer_certificate_serial = peer_.serial_hex,
      .remote_address = remote_address_,
      .headers = std::move(headers),
  };
  try {
    HttpResponse response = environment_.handler(request);
    if (response.status >= 100 && response.status <= 999) return response;
    spdlog::error("https: handler answered {} {} with invalid status {}", request.method,
                  request.target, response.status);
    return json_error(500, "internal error");
  } catch (const std::exception& e) {
    spdlog::error("https: handler failed on {} {} from {}: {}", request.method, request.target,
                  remote_address_, e.what());
  } catch (...) {
    spdlog::error("https: handler failed on {} {} from {} with a non-standard exception",
                  request.method, request.target, remote_address_);
  }
  return json_error(500, "internal error");
}

asio::awaitable<bool> ServerSession::async_write(const HttpResponse& response,
                                                 unsigned http_version, bool keep_alive) {
  if (response.stream) co_return co_await async_write_held_open(response, http_version);
  if (response.stream_body) co_return co_await async_write_streamed(response, http_version, keep_alive);
  http::response<http::string_body> message;
  fill_head(message, response, http_version, keep_alive);
  message.body() = response.body;
  message.prepare_payload();

  beast::get_lowest_layer(stream_).expires_after(environment_.limits.io_timeout);
  const auto [write_error, bytes_written] = co_await http::async_write(stream_, message, kAsTuple);
  if (write_error) {
    spdlog::debug("https: writing to {} failed: {}", remote_address_, write_error.message());
    co_return false;
  }
  co_return true;
}

// The header goes out asynchronously like any response; the pieces then go out as chunks of
// up to kChunkBytes with blocking writes on this thread, because the producer (a report
// stepping through SQLite) runs on it too. A peer that stops reading stalls this connection's
// thread until the kernel gives up on it; the dashboard is the only user (CSV exports).
asio::awaitable<bool> ServerSession::async_write_streamed(const HttpResponse& response,
                                                          unsigned http_version,
                                                          bool keep_alive) {
  constexpr std::size_t kChunkBytes = 64 * 1024;
  auto message = chunked_head(response, http_version, keep_alive);
  http::response_serializer<http::empty_body> serializer(message);
  beast::get_lowest_layer(stream_).expires_after(environment_.limits.io_timeout);
  const auto [header_error, header_bytes] =
      co_await http::async_write_header(stream_, serializer, kAsTuple);
  if (header_error) {
    spdlog::debug("https: writing to {} failed: {}", remote_address_, header_error.message());
    co_return false;
  }
  beast::get_lowest_layer(stream_).expires_never();
  std::string pending;
  bool peer_gone = false;
  const auto flush = [&]() {
    if (pending.empty() || peer_gone) return !peer_gone;
    boost::system::error_code ec;
    asio::write(stream_, http::make_chunk(asio::buffer(pending)), ec);
    pending.clear();
    if (ec) {
      spdlog::debug("https: streaming to {} failed: {}", remote_address_, ec.message());
      peer_gone = true;
    }
    return !peer_gone;
  };
  bool complete = false;
  try {
    complete = response.stream_body([&](std::string_view piece) {
      pending.append(piece);
      return pending.size() < kChunkBytes || flush();
    });
  } catch (const std::exception& e) {
    spdlog::error("https: streaming a response to {} failed: {}", remote_address_, e.what());
  }
  if (!complete || !flush()) co_return false;  // no last chunk: the client sees a truncated body
  boost::system::error_code ec;
  asio::write(stream_, http::make_chunk_last(), ec);
  co_return !ec;
}

asio::awaitable<bool> ServerSession::async_write_chunk(std::string_view bytes) {
  beast::get_lowest_layer(stream_).expires_after(environment_.limits.io_timeout);
  const auto [ec, written] =
      co_await asio::async_write(stream_, http::make_chunk(asio::buffer(bytes)), kAsTuple);
  if (ec) spdlog::debug("https: event stream to {} ended: {}", remote_address_, ec.message());
  co_return !ec;
}

// Writes what the producer pushes as it comes, without blocking the I/O thread: the loop
// waits on a timer that a push cancels (the stream's wake function posts that onto this
// strand), and each write is asynchronous with io_timeout, so a peer that stops reading holds
// only this connection, and at most for io_timeout.
asio::awaitable<bool> ServerSession::async_write_held_open(const HttpResponse& response,
                                                           unsigned http_version) {
  using SteadyClock = std::chrono::steady_clock;
  const std::shared_ptr<ResponseStream> stream = response.stream;
  const ResponseStream::Options& options = stream->options();
  // However the coroutine ends (even destroyed with the I/O context), the producer stops
  // posting to this strand and the count goes down.
  struct Guard {
    ServerSession& session;
    ~Guard() {
      if (session.stream_open_) session.stream_open_->detach();
      session.stream_open_.reset();
      session.stream_timer_ = nullptr;
      --session.environment_.open_streams;
    }
  };
  ++environment_.open_streams;
  const Guard guard{*this};
  stream_open_ = stream;
  phase_ = Phase::kStreaming;

  // A held-open stream ends its connection: it is never reused for another request.
  auto message = chunked_head(response, http_version, /*keep_alive=*/false);
  http::response_serializer<http::empty_body> serializer(message);
  beast::get_lowest_layer(stream_).expires_after(environment_.limits.io_timeout);
  const auto [header_error, header_bytes] =
      co_await http::async_write_header(stream_, serializer, kAsTuple);
  if (header_error) {
    spdlog::debug("https: writing to {} failed: {}", remote_address_, header_error.message());
    co_return false;
  }

  asio::steady_timer timer(stream_.get_executor());
  stream_timer_ = &timer;
  std::weak_ptr<ServerSession> weak = weak_from_this();
  stream->attach([weak, strand = executor()] {
    asio::post(strand, [weak] {
      if (const auto self = weak.lock()) self->wake_stream();
    });
  });
  const bool polls = options.poll && options.poll_every.count() > 0;
  const auto never = SteadyClock::time_point::max();
  // An empty heartbeat would be an empty chunk, which ends a chunked body: none then.
  const bool heartbeats = !options.heartbeat.empty() && options.heartbeat_every.count() > 0;
  auto next_heartbeat = heartbeats ? SteadyClock::now() + options.heartbeat_every : never;
  auto next_poll = polls ? SteadyClock::now() + options.poll_every : never;
  for (;;) {
    auto drained = stream->drain();
    if (!drained.bytes.empty()) {
      if (!co_await async_write_chunk(drained.bytes)) co_return false;
      if (heartbeats) next_heartbeat = SteadyClock::now() + options.heartbeat_every;
    }
    if (drained.ended || closing_) break;
    if (drained.poll && polls) next_poll = SteadyClock::now();
    if (!drained.bytes.empty()) continue;  // more may have come while writing
    const auto now = SteadyClock::now();
    if (now >= next_poll) {
      next_poll = now + options.poll_every;
      try {
        options.poll(*stream);
      } catch (const std::exception& e) {
        spdlog::error("https: an event stream's poll failed for {}: {}", remote_address_,
                      e.what());
      }
      continue;
    }
    if (now >= next_heartbeat) {
      if (!co_await async_write_chunk(options.heartbeat)) co_return false;
      next_heartbeat = SteadyClock::now() + options.heartbeat_every;
      continue;
    }
    timer.expires_at(std::min(next_poll, next_heartbeat));
    (void)co_await timer.async_wait(kAsTuple);  // expired, or cancelled by a wake-up
  }
  stream->detach();
  beast::get_lowest_layer(stream_).expires_after(environment_.limits.io_timeout);
  const auto [last_error, last_bytes] =
      co_await asio::async_write(stream_, http::make_chunk_last(), kAsTuple);
  co_return !last_error;
}

asio::awaitable<void> ServerSession::async_shutdown() {
  // Sends close_notify and waits (bounded) for the peer's, discarding anything it still sends,
  // so that closing the socket does not reset a response the peer has not read yet.
  phase_ = Phase::kWaiting;
  if (closing_) co_return;
  beast::get_lowest_layer(stream_).expires_after(environment_.limits.io_timeout);
  const auto [shutdown_error] = co_await stream_.async_shutdown(kAsTuple);
  (void)shutdown_error;  // the peer hanging up first is the usual case, not a failure
}

}  // namespace rapport::net::detail
