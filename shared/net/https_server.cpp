// shared/net/https_server.cpp
//
// HttpsServer: binds the listener, owns the one I/O thread and its io_context, accepts
// connections (each on its own strand, see detail/server_session) and stops gracefully.
#include "shared/net/https_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "shared/net/detail/server_session.h"
#include "shared/net/detail/session_registry.h"
#include "shared/net/detail/tls_context.h"

namespace rapport::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// Pause after a failed accept (e.g. out of descriptors) so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryPause{100};
constexpr std::chrono::seconds kDestructorGrace{5};

std::string describe(const ServerOptions& options) {
  return options.address + ":" + std::to_string(options.port);
}

class ServerImpl final : public HttpsServer {
 public:
  ServerImpl(const ServerOptions& options, RequestHandler handler)
      : options_(options),
        handler_(std::move(handler)),
        tls_(detail::make_server_tls_context(options.tls, options.require_client_certificate,
                                             options.present_ca_certificate)),
        environment_{handler_, options_.limits, registry_, open_streams_, options_.max_streams} {
    io_.emplace(1);
    acceptor_.emplace(*io_);
    bind();
    asio::co_spawn(*io_, async_accept_loop(), [](std::exception_ptr error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        spdlog::error("https: the accept loop failed, no new connections: {}", e.what());
      } catch (...) {
        spdlog::error("https: the accept loop failed, no new connections");
      }
    });
    thread_ = std::thread([this] { run_io(); });
  }

  ~ServerImpl() override { stop(kDestructorGrace); }

  ServerImpl(const ServerImpl&) = delete;
  ServerImpl& operator=(const ServerImpl&) = delete;

  std::uint16_t port() const override { return port_; }

  void close_connections(ConnectionFilter should_close) override {
    const std::lock_guard lock(stop_mutex_);
    if (!io_ || stopping_) return;
    asio::post(*io_, [this, should_close = std::move(should_close)] {
      for (auto& session : registry_.live_sessions()) {
        auto executor = session->executor();
        asio::post(executor, [session = std::move(session), should_close] {
          session->close_if(should_close);
        });
      }
    });
  }

  void stop(std::chrono::milliseconds grace) override {
    const std::lock_guard lock(stop_mutex_);
    if (!io_) return;
    if (std::this_thread::get_id() == thread_.get_id()) {
      throw std::logic_error("HttpsServer::stop() called from its own I/O thread (a handler)");
    }
    stopping_ = true;
    asio::post(*io_, [this] { close_acceptor_and_sessions(); });
    if (!registry_.wait_until_empty(grace)) {
      spdlog::warn("https: {} connection(s) still open after the {} ms grace; closing them",
                   registry_.size(), grace.count());
    }
    io_->stop();
    if (thread_.joinable()) thread_.join();
    // Destroying the context destroys the suspended sessions, which closes their sockets.
    acceptor_.reset();
    io_.reset();
    spdlog::info("https: server on {}:{} stopped", options_.address, port_);
  }

 private:
  // The address may be a literal ("0.0.0.0", "::1") or a name; a name is resolved once here
  // and the first address it yields is used.
  tcp::endpoint listen_endpoint() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (!ec) return {address, options_.port};
    tcp::resolver resolver(*io_);
    const auto results = resolver.resolve(options_.address, std::to_string(options_.port),
                                          tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      throw std::runtime_error("cannot resolve HTTPS listen address '" + options_.address +
                               "': " + (ec ? ec.message() : std::string("no address")));
    }
    return results.begin()->endpoint();
  }

  void bind() {
    const tcp::endpoint endpoint = listen_endpoint();
    boost::system::error_code ec;
    // Each step leaves `ec` set on failure; the first failure skips the rest.
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) port_ = acceptor_->local_endpoint(ec).port();
    if (ec) {
      throw std::runtime_error("cannot listen for HTTPS on " + describe(options_) + ": " +
                               ec.message());
    }
    spdlog::info("https: listening on {}:{}", options_.address, port_);
  }

  void run_io() {
    for (;;) {
      try {
        io_->run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("https: I/O thread caught an exception, continuing: {}", e.what());
      } catch (...) {
        spdlog::error("https: I/O thread caught a non-standard exception, continuing");
      }
    }
  }

  asio::awaitable<void> async_accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_->async_accept(asio::make_strand(*io_), kAsTuple);
      if (!acceptor_->is_open()) co_return;  // stop() closed it, maybe after this accept
      if (ec) {
        spdlog::warn("https: accept on {} failed: {}", describe(options_), ec.message());
        asio::steady_timer pause(*io_, kAcceptRetryPause);
        (void)co_await pause.async_wait(kAsTuple);
        continue;
      }
      if (registry_.size() >= options_.max_connections) {
        boost::system::error_code ignored;
        const auto peer = socket.remote_endpoint(ignored);
        spdlog::warn("https: {} connections open, refusing {}:{}", options_.max_connections,
                     peer.address().to_string(), peer.port());
        socket.close(ignored);
        continue;
      }
      detail::ServerSession::run(std::make_shared<detail::ServerSession>(
          tcp::socket(std::move(socket)), tls_, environment_));
    }
  }

  // On the I/O thread: no new connections; each open one closes as soon as it is idle.
  void close_acceptor_and_sessions() {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    for (auto& session : registry_.live_sessions()) {
      auto executor = session->executor();
      asio::post(executor, [session = std::move(session)] { session->close_when_idle(); });
    }
  }

  const ServerOptions options_;
  const RequestHandler handler_;
  asio::ssl::context tls_;
  detail::SessionRegistry registry_;
  std::atomic<std::size_t> open_streams_{0};
  const detail::SessionEnvironment environment_;
  // Declared after everything a session uses, so that sessions still suspended in it are
  // destroyed first. Both are reset by stop().
  std::optional<asio::io_context> io_;
  std::optional<tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex stop_mutex_;
  bool stopping_ = false;  // guarded by stop_mutex_
};

}  // namespace

std::unique_ptr<HttpsServer> HttpsServer::start(const ServerOptions& options,
                                                RequestHandler handler) {
  if (!handler) throw std::invalid_argument("HttpsServer::start needs a request handler");
  return std::make_unique<ServerImpl>(options, std::move(handler));
}

}  // namespace rapport::net
