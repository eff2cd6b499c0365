// tests/support/event_stream_client.cpp
#include "tests/support/event_stream_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace rapport::testing {

struct EventStreamClient::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  ~Tls() {
    if (ssl != nullptr) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

namespace {
void require(bool ok, const std::string& what) {
  if (ok) return;
  ERR_clear_error();
  throw std::runtime_error("event stream client: " + what);
}
}  // namespace

EventStreamClient::EventStreamClient(std::uint16_t port, const net::TlsFiles& tls,
                                     const std::string& target,
                                     const std::vector<net::HttpHeader>& headers,
                                     bool small_buffer)
    : tls_(std::make_unique<Tls>()) {
  tls_->ctx = SSL_CTX_new(TLS_client_method());
  require(tls_->ctx != nullptr, "SSL_CTX_new failed");
  if (!tls.certificate.empty()) {
    require(SSL_CTX_use_certificate_file(tls_->ctx, tls.certificate.c_str(), SSL_FILETYPE_PEM) == 1,
            "cannot load " + tls.certificate.string());
    require(SSL_CTX_use_PrivateKey_file(tls_->ctx, tls.private_key.c_str(), SSL_FILETYPE_PEM) == 1,
            "cannot load " + tls.private_key.string());
  }
  require(SSL_CTX_load_verify_locations(tls_->ctx, tls.ca_certificates.c_str(), nullptr) == 1,
          "cannot load " + tls.ca_certificates.string());
  SSL_CTX_set_verify(tls_->ctx, SSL_VERIFY_PEER, nullptr);
  tls_->fd = ::socket(AF_INET, SOCK_STREAM, 0);
  require(tls_->fd >= 0, "socket() failed");
  if (small_buffer) {
    const int small = 4096;
    ::setsockopt(tls_->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  }
  timeval tick{0, 100'000};  // reads wake up every 100 ms to check their deadline
  ::setsockopt(tls_->fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  require(::connect(tls_->fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0,
          "cannot connect to port " + std::to_string(port));
  tls_->ssl = SSL_new(tls_->ctx);
  require(tls_->ssl != nullptr, "SSL_new failed");
  SSL_set_fd(tls_->ssl, tls_->fd);
  require(SSL_connect(tls_->ssl) == 1, "TLS handshake failed");
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const auto& field : headers) request += field.name + ": " + field.value + "\r\n";
  request += "\r\n";
  require(SSL_write(tls_->ssl, request.data(), static_cast<int>(request.size())) ==
              static_cast<int>(request.size()),
          "cannot send the request");
}

EventStreamClient::~EventStreamClient() = default;

bool EventStreamClient::read_until(std::string_view text, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (received_.find(text) == std::string::npos) {
    if (closed_ || std::chrono::steady_clock::now() > until) return false;
    read_some();
  }
  return true;
}

bool EventStreamClient::read_to_end(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!closed_ && std::chrono::steady_clock::now() <= until) read_some();
  return closed_;
}

void EventStreamClient::read_some() {
  char buffer[16 * 1024];
  const int n = SSL_read(tls_->ssl, buffer, sizeof(buffer));
  if (n > 0) {
    received_.append(buffer, static_cast<std::size_t>(n));
    return;
  }
  const int error = SSL_get_error(tls_->ssl, n);
  const bool tick = error == SSL_ERROR_WANT_READ ||
                    (error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
  ERR_clear_error();
  if (!tick) closed_ = true;  // close_notify, reset or end of file
}

}  // namespace rapport::testing
