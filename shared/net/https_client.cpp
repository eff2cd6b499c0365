// shared/net/https_client.cpp
//
// HttpsClient: each blocking request() runs one coroutine on the client's private
// io_context until it finishes; every step is bounded by the request's single deadline.
#include "shared/net/https_client.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <utility>

#include "shared/net/detail/tls_context.h"
#include "shared/net/net_errc.h"

namespace rapport::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// Folds the many ways a request can fail into what a caller can act on; Asio and OpenSSL
// codes that say something more specific (refused, TLS alert) pass through unchanged.
ErrorCode classify(const ErrorCode& ec) {
  if (ec == beast::error::timeout) return NetErrc::kTimeout;
  if (ec == http::error::body_limit || ec == http::error::header_limit ||
      ec == http::error::buffer_overflow) {
    return NetErrc::kBodyTooLarge;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::ssl::error::stream_truncated || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
    return NetErrc::kConnectionClosed;
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return NetErrc::kBadResponse;
  }
  return ec;
}

struct Call {
  std::string method;
  std::string target;
  std::string body;
  Clock::time_point deadline;
  std::vector<HttpHeader> headers;
};

class ClientImpl final : public HttpsClient {
 public:
  explicit ClientImpl(const ClientOptions& options)
      : options_(options),
        server_name_(options.server_name.empty() ? options.host : options.server_name),
        send_sni_(!detail::is_ip_literal(server_name_)),
        host_header_(host_header(options)),
        tls_(detail::make_client_tls_context(options.tls, server_name_,
                                             options_.pinned_ca_sha256)) {}

  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               std::string_view body, std::chrono::milliseconds deadline) override {
    return request(method, target, body, deadline, {});
  }

  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               std::string_view body, std::chrono::milliseconds deadline,
                               const std::vector<HttpHeader>& headers) override {
    Call call{std::string(method), std::string(target), std::string(body), Clock::now() + deadline,
              headers};
    std::optional<Result<HttpResponse>> outcome;
    std::exception_ptr failure;
    asio::co_spawn(io_, async_request(std::move(call), outcome),
                   [&failure](std::exception_ptr error) { failure = std::move(error); });
    io_.restart();
    io_.run();  // returns once the coroutine is done: every step of it has the deadline
    if (failure || !outcome) {
      drop_connection();
      if (failure) std::rethrow_exception(failure);
      return ErrorCode(NetErrc::kConnectionClosed);
    }
    return std::move(*outcome);
  }

 private:
  using Stream = beast::ssl_stream<beast::tcp_stream>;

  static std::string host_header(const ClientOptions& options) {
    const bool ipv6 = options.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
  }

  // `outcome` lives in request(), which runs the io_context until this coroutine ends.
  // A kept-alive connection may have been closed by the server while idle (its io_timeout);
  // that shows only when it is used. Then the request goes once more on a new connection:
  // the sync protocol's requests are idempotent, so sending one twice is harmless.
  asio::awaitable<void> async_request(Call call, std::optional<Result<HttpResponse>>& outcome) {
    const bool reused = stream_.has_value();
    Call retry;  // a copy, kept only when a retry may be needed
    if (reused) retry = call;
    // No conditional temporaries inside co_await: GCC 12 mis-destroys them.
    co_await async_attempt(std::move(call), outcome);
    if (reused && outcome && !*outcome && Clock::now() < retry.deadline) {
      spdlog::debug("https client: kept-alive connection to {}:{} was closed; reconnecting",
                    options_.host, options_.port);
      outcome.reset();
      co_await async_attempt(std::move(retry), outcome);
    }
  }

  asio::awaitable<void> async_attempt(Call call, std::optional<Result<HttpResponse>>& outcome) {
    if (!stream_) {
      if (const ErrorCode ec = co_await async_connect(call.deadline)) {
        outcome = fail("connecting to", ec);
        co_return;
      }
    }
    auto& tcp_layer = beast::get_lowest_layer(*stream_);

    http::request<http::string_body> request;
    request.method_string(call.method);
    request.target(call.target);
    request.version(11);
    request.set(http::field::host, host_header_);
    request.set(http::field::user_agent, "rapport");
    if (!call.body.empty()) request.set(http::field::content_type, "application/json");
    for (const auto& field : call.headers) request.set(field.name, field.value);
    request.keep_alive(true);
    request.body() = std::move(call.body);
    request.prepare_payload();

    tcp_layer.expires_at(call.deadline);
    if (const auto [ec, n] = co_await http::async_write(*stream_, request, kAsTuple); ec) {
      outcome = fail("sending to", ec);
      co_return;
    }

    http::response_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
        options_.limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(options_.limits.max_body_bytes);
    tcp_layer.expires_at(call.deadline);
    if (const auto [ec, n] = co_await http::async_read(*stream_, buffer_, parser, kAsTuple); ec) {
      outcome = fail("reading from", ec);
      co_return;
    }
    tcp_layer.expires_never();

    auto response = parser.release();
    if (!response.keep_alive()) drop_connection();
    std::vector<HttpHeader> fields;
    for (const auto& field : response) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      fields.push_back({std::move(name), std::string(field.value())});
    }
    outcome = HttpResponse{response.result_int(), std::string(response[http::field::content_type]),
                           std::move(response.body()), std::move(fields)};
  }

  // Resolves, connects and handshakes into stream_; on failure stream_ stays empty.
  asio::awaitable<ErrorCode> async_connect(Clock::time_point deadline) {
    tcp::resolver resolver(io_);
    const auto [resolve_error, endpoints] =
        co_await resolver.async_resolve(options_.host, std::to_string(options_.port), kAsTuple);
    if (resolve_error) co_return resolve_error;
    if (Clock::now() >= deadline) co_return NetErrc::kTimeout;

    stream_.emplace(io_, tls_);
    buffer_.clear();
    if (send_sni_ && !set_sni(stream_->native_handle())) co_return NetErrc::kBadResponse;
    auto& tcp_layer = beast::get_lowest_layer(*stream_);
    tcp_layer.expires_at(deadline);
    if (const auto [ec, endpoint] = co_await tcp_layer.async_connect(endpoints, kAsTuple); ec) {
      co_return ec;
    }
    boost::system::error_code ignored;
    tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
    tcp_layer.expires_at(deadline);
    if (const auto [ec] =
            co_await stream_->async_handshake(asio::ssl::stream_base::client, kAsTuple);
        ec) {
      co_return ec;
    }
    co_return ErrorCode{};
  }

  // SSL_set_tlsext_host_name() without its macro's C-style cast.
  bool set_sni(SSL* ssl) const {
    return SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                    const_cast<char*>(server_name_.c_str())) == 1;
  }

  Result<HttpResponse> fail(std::string_view step, const ErrorCode& ec) {
    std::string reason =
        detail::describe_tls_failure(ec, stream_ ? stream_->native_handle() : nullptr);
    spdlog::debug("https client: {} {}:{} failed: {}", step, options_.host, options_.port, reason);
    drop_connection();
    return classify(ec);
  }

  void drop_connection() {
    stream_.reset();  // closes the socket; no TLS goodbye on a connection we no longer trust
    buffer_.clear();
  }

  const ClientOptions options_;
  const std::string server_name_;
  const bool send_sni_;
  const std::string host_header_;
  asio::io_context io_{1};
  asio::ssl::context tls_;
  std::optional<Stream> stream_;  // connected and handshaken, or empty
  beast::flat_buffer buffer_;     // bytes read past the previous response
};

}  // namespace

std::unique_ptr<HttpsClient> HttpsClient::create(const ClientOptions& options) {
  return std::make_unique<ClientImpl>(options);
}

}  // namespace rapport::net
