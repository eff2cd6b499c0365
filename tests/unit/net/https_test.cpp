// tests/unit/net/https_test.cpp
//
// HttpsServer and HttpsClient over real TLS 1.3 on loopback, with certificates generated at
// test time by the `openssl` command-line tool: mutual authentication, limits, deadlines,
// handler failures and shutdown.

#include "shared/net/https.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "shared/crypto/certificates.h"
#include "shared/net/failover_client.h"
#include "shared/net/https_client.h"
#include "shared/net/https_server.h"
#include "shared/net/net_errc.h"
#include "tests/support/event_stream_client.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using rapport::net::ClientOptions;
using rapport::net::HttpRequest;
using rapport::net::HttpResponse;
using rapport::net::HttpsClient;
using rapport::net::HttpsServer;
using rapport::net::NetErrc;
using rapport::net::ServerOptions;
using rapport::net::TlsFiles;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 5000ms;

// PEM files of two unrelated CAs: `ca` signs the server and client T1; `foreign_ca` signs a
// client certificate the server must refuse. Made once per test run, removed at exit.
class TestPki {
 public:
  static const TestPki& instance() {
    static const TestPki pki;
    return pki;
  }

  fs::path file(const std::string& name) const { return dir_ / name; }

  TlsFiles server() const { return {file("server.pem"), file("server.key"), file("ca.pem")}; }
  TlsFiles client_t1() const { return {file("t1.pem"), file("t1.key"), file("ca.pem")}; }
  TlsFiles client_foreign() const {
    return {file("foreign-client.pem"), file("foreign-client.key"), file("ca.pem")};
  }
  TlsFiles client_without_certificate() const { return {{}, {}, file("ca.pem")}; }

  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

 private:
  TestPki() {
    std::ofstream(file("openssl.cnf")) << R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
)";
    make_ca("ca", "Rapport Test CA");
    make_ca("foreign-ca", "Foreign Test CA");
    make_leaf("server", "localhost", "ca", "server");
    make_leaf("t1", "T1", "ca", "client");
    make_leaf("foreign-client", "T1", "foreign-ca", "client");
    make_leaf("foreign-server", "localhost", "foreign-ca", "server");
  }

  ~TestPki() = default;

  void run(const std::string& arguments) const {
    const std::string command =
        "openssl " + arguments + " >>'" + file("openssl.log").string() + "' 2>&1";
    if (std::system(command.c_str()) != 0) {
      throw std::runtime_error("failed: " + command + " (see " + file("openssl.log").string() +
                               ")");
    }
  }

  std::string path(const std::string& name) const { return "'" + file(name).string() + "'"; }

  void make_key(const std::string& name) const {
    run("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + path(name + ".key"));
  }

  void make_ca(const std::string& name, const std::string& common_name) const {
    make_key(name);
    run("req -x509 -new -config " + path("openssl.cnf") + " -extensions ca -key " +
        path(name + ".key") + " -subj '/CN=" + common_name + "' -days 2 -out " +
        path(name + ".pem"));
  }

  void make_leaf(const std::string& name, const std::string& common_name, const std::string& ca,
                 const std::string& extensions) const {
    make_key(name);
    run("req -new -config " + path("openssl.cnf") + " -key " + path(name + ".key") +
        " -subj '/CN=" + common_name + "' -out " + path(name + ".csr"));
    run("x509 -req -in " + path(name + ".csr") + " -CA " + path(ca + ".pem") + " -CAkey " +
        path(ca + ".key") + " -set_serial " + std::to_string(++serial_) + " -days 2 -extfile " +
        path("openssl.cnf") + " -extensions " + extensions + " -out " + path(name + ".pem"));
  }

  rapport::testing::TempDir dir_;
  mutable int serial_ = 1;
};

ServerOptions server_options() {
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.tls = TestPki::instance().server();
  options.limits.io_timeout = 5s;
  return options;
}

ClientOptions client_options(std::uint16_t port, TlsFiles tls) {
  ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.tls = std::move(tls);
  return options;
}

// What the handler saw, read by the test thread after the request returned.
struct Recorder {
  std::mutex mutex;
  std::vector<HttpRequest> requests;
  std::atomic<int> calls{0};

  rapport::net::RequestHandler handler() {
    return [this](const HttpRequest& request) {
      ++calls;
      const std::lock_guard lock(mutex);
      requests.push_back(request);
      return HttpResponse{200, "application/json", R"({"echo":")" + request.target + R"("})"};
    };
  }
};

// A TCP listener that accepts connections into its backlog and never says a word.
class SilentListener {
 public:
  SilentListener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

// A TCP connection that never sends a byte (a peer stuck before its TLS handshake).
class SilentConnection {
 public:
  explicit SilentConnection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  }
  ~SilentConnection() { ::close(fd_); }
  SilentConnection(const SilentConnection&) = delete;
  SilentConnection& operator=(const SilentConnection&) = delete;

 private:
  int fd_;
};

std::string error_text(const rapport::Result<HttpResponse>& result) {
  return result ? "status " + std::to_string(result->status) : result.error().message();
}

}  // namespace

TEST_CASE("A request round trip returns the handler's response and the client's common name",
          "[net]") {
  Recorder recorder;
  auto server = HttpsServer::start(server_options(), recorder.handler());
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));

  const auto first = client->request("POST", "/sync/v1/events", R"({"n":1})", kDeadline);
  INFO(error_text(first));
  REQUIRE(first.has_value());
  CHECK(first->status == 200);
  CHECK(first->content_type == "application/json");
  CHECK(first->body == R"({"echo":"/sync/v1/events"})");

  // The second request reuses the kept-alive connection.
  const auto second = client->request("GET", "/sync/v1/status?x=1", "", kDeadline);
  INFO(error_text(second));
  REQUIRE(second.has_value());
  CHECK(second->body == R"({"echo":"/sync/v1/status?x=1"})");

  const std::lock_guard lock(recorder.mutex);
  REQUIRE(recorder.requests.size() == 2);
  const HttpRequest& seen = recorder.requests.front();
  CHECK(seen.method == "POST");
  CHECK(seen.target == "/sync/v1/events");
  CHECK(seen.content_type == "application/json");
  CHECK(seen.body == R"({"n":1})");
  CHECK(seen.peer_common_name == "T1");
  CHECK_FALSE(seen.peer_certificate_serial.empty());
  CHECK(seen.remote_address.rfind("127.0.0.1:", 0) == 0);
  CHECK(recorder.requests.back().method == "GET");
}

TEST_CASE("A kept-alive connection the server closed while idle is replaced transparently",
          "[net]") {
  Recorder recorder;
  auto options = server_options();
  options.limits.io_timeout = 300ms;  // the server drops idle connections after this
  auto server = HttpsServer::start(options, recorder.handler());
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
  REQUIRE(client->request("GET", "/first", "", kDeadline).has_value());
  std::this_thread::sleep_for(900ms);
  const auto second = client->request("GET", "/second", "", kDeadline);
  INFO(error_text(second));
  REQUIRE(second.has_value());
  CHECK(second->status == 200);
  CHECK(recorder.calls == 2);  // sent once on the new connection, not twice
}

TEST_CASE("The client verifies the server's name as a DNS or IP subjectAltName", "[net]") {
  Recorder recorder;
  auto server = HttpsServer::start(server_options(), recorder.handler());
  auto options = client_options(server->port(), TestPki::instance().client_t1());

  SECTION("a DNS name the certificate carries is accepted") {
    options.server_name = "localhost";
    const auto result = HttpsClient::create(options)->request("GET", "/", "", kDeadline);
    INFO(error_text(result));
    CHECK(result.has_value());
  }
  SECTION("a DNS name it does not carry is refused") {
    options.server_name = "elsewhere.example";
    CHECK_FALSE(HttpsClient::create(options)->request("GET", "/", "", kDeadline).has_value());
  }
  SECTION("an IP address it does not carry is refused") {
    options.server_name = "127.0.0.2";
    CHECK_FALSE(HttpsClient::create(options)->request("GET", "/", "", kDeadline).has_value());
  }
}

TEST_CASE("A client certificate from another CA is refused before the handler runs", "[net]") {
  Recorder recorder;
  auto server = HttpsServer::start(server_options(), recorder.handler());
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_foreign()));

  const auto result = client->request("GET", "/", "", kDeadline);
  INFO(error_text(result));
  CHECK_FALSE(result.has_value());
  CHECK(recorder.calls == 0);
}

TEST_CASE("A client without a certificate is refused before the handler runs", "[net]") {
  Recorder recorder;
  auto server = HttpsServer::start(server_options(), recorder.handler());
  auto client = HttpsClient::create(
      client_options(server->port(), TestPki::instance().client_without_certificate()));

  const auto result = client->request("GET", "/", "", kDeadline);
  INFO(error_text(result));
  CHECK_FALSE(result.has_value());
  CHECK(recorder.calls == 0);
}

TEST_CASE("A request body over max_body_bytes is answered with 413 and never reaches the handler",
          "[net]") {
  Recorder recorder;
  auto options = server_options();
  options.limits.max_body_bytes = 1024;
  auto server = HttpsServer::start(options, recorder.handler());
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));

  const auto too_large =
      client->request("POST", "/sync/v1/events", std::string(4000, 'x'), kDeadline);
  INFO(error_text(too_large));
  REQUIRE(too_large.has_value());
  const HttpResponse& rejection = too_large.value();
  CHECK(rejection.status == 413);
  CHECK(rejection.body.find(R"("error")") != std::string::npos);
  CHECK(recorder.calls == 0);

  // The server closed that connection; the client reconnects and a body at the limit passes.
  const auto at_limit =
      client->request("POST", "/sync/v1/events", std::string(1024, 'x'), kDeadline);
  INFO(error_text(at_limit));
  REQUIRE(at_limit.has_value());
  CHECK(at_limit->status == 200);
}

TEST_CASE("A malformed request is answered with 400", "[net]") {
  Recorder recorder;
  auto server = HttpsServer::start(server_options(), recorder.handler());
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));

  const auto result = client->request("GET", "/has space", "", kDeadline);
  INFO(error_text(result));
  REQUIRE(result.has_value());
  CHECK(result->status == 400);
  CHECK(recorder.calls == 0);
}

TEST_CASE("A request to a server that never answers fails at its deadline", "[net]") {
  SilentListener listener;
  auto client =
      HttpsClient::create(client_options(listener.port(), TestPki::instance().client_t1()));

  const auto started = Clock::now();
  const auto result = client->request("GET", "/", "", 300ms);
  const auto elapsed = Clock::now() - started;

  REQUIRE_FALSE(result.has_value());
  CHECK(result.error() == NetErrc::kTimeout);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 1500ms);
}

TEST_CASE("Stopping the server with idle keep-alive connections returns promptly", "[net]") {
  Recorder recorder;
  auto options = server_options();
  options.limits.io_timeout = 60s;
  auto server = HttpsServer::start(options, recorder.handler());
  std::vector<std::unique_ptr<HttpsClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(
        HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1())));
    REQUIRE(clients.back()->request("GET", "/", "", kDeadline).has_value());
  }
  // A fourth connection sits in the handshake without ever sending a byte.
  const SilentConnection silent(server->port());

  const auto started = Clock::now();
  server->stop(10s);
  CHECK(Clock::now() - started < 2s);
  server->stop(10s);  // a second stop is a no-op

  // The kept-alive connections are gone: the next request fails instead of hanging.
  const auto after_stop = clients.front()->request("GET", "/", "", 2000ms);
  CHECK_FALSE(after_stop.has_value());
  CHECK(after_stop.error() != NetErrc::kTimeout);
}

TEST_CASE("Stopping the server lets a request in flight finish", "[net]") {
  std::atomic<bool> entered{false};
  auto server = HttpsServer::start(server_options(), [&entered](const HttpRequest&) {
    entered = true;
    std::this_thread::sleep_for(300ms);
    return HttpResponse{200, "application/json", R"({"ok":true})"};
  });
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));

  std::optional<rapport::Result<HttpResponse>> result;
  std::thread caller([&] { result = client->request("POST", "/slow", "{}", kDeadline); });
  while (!entered) std::this_thread::sleep_for(1ms);
  server->stop(5s);
  caller.join();

  REQUIRE(result.has_value());
  INFO(error_text(*result));
  REQUIRE(result->has_value());
  CHECK((*result)->status == 200);
}

TEST_CASE("A handler that throws gets a 500 and the server keeps serving", "[net]") {
  std::atomic<int> calls{0};
  auto server = HttpsServer::start(server_options(), [&calls](const HttpRequest& request) {
    ++calls;
    if (request.target == "/boom") throw std::runtime_error("handler exploded");
    return HttpResponse{200, "application/json", R"({"ok":true})"};
  });
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));

  const auto failed = client->request("POST", "/boom", "{}", kDeadline);
  INFO(error_text(failed));
  REQUIRE(failed.has_value());
  CHECK(failed->status == 500);
  CHECK(failed->body == R"({"error":"internal error"})");

  const auto next = client->request("GET", "/fine", "", kDeadline);
  INFO(error_text(next));
  REQUIRE(next.has_value());
  CHECK(next->status == 200);
  CHECK(calls == 2);
}

TEST_CASE("Connections over max_connections are closed at accept", "[net]") {
  Recorder recorder;
  auto options = server_options();
  options.max_connections = 1;
  auto server = HttpsServer::start(options, recorder.handler());
  auto first = HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
  auto second =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));

  REQUIRE(first->request("GET", "/", "", kDeadline).has_value());
  CHECK_FALSE(second->request("GET", "/", "", kDeadline).has_value());
  CHECK(first->request("GET", "/", "", kDeadline).has_value());
}

TEST_CASE("Misconfiguration is reported with the file or address at fault", "[net]") {
  Recorder recorder;
  const TestPki& pki = TestPki::instance();

  SECTION("a missing certificate file") {
    auto options = server_options();
    options.tls.certificate = pki.file("missing.pem");
    CHECK_THROWS_WITH(HttpsServer::start(options, recorder.handler()),
                      Catch::Contains("missing.pem"));
  }
  SECTION("a private key that does not match the certificate") {
    auto options = server_options();
    options.tls.private_key = pki.file("t1.key");
    CHECK_THROWS_WITH(HttpsServer::start(options, recorder.handler()),
                      Catch::Contains("t1.key") && Catch::Contains("server.pem"));
  }
  SECTION("a file that is not PEM") {
    auto client = client_options(1, pki.client_t1());
    client.tls.ca_certificates = pki.file("openssl.cnf");
    CHECK_THROWS_WITH(HttpsClient::create(client), Catch::Contains("openssl.cnf"));
  }
  SECTION("a port already in use") {
    auto first = HttpsServer::start(server_options(), recorder.handler());
    auto options = server_options();
    options.port = first->port();
    CHECK_THROWS_WITH(HttpsServer::start(options, recorder.handler()),
                      Catch::Contains("127.0.0.1:" + std::to_string(first->port())));
  }
}

namespace {

// The SHA-256 of a PEM certificate file, raw, as ClientOptions::pinned_ca_sha256 wants it.
std::string fingerprint_of(const fs::path& pem_file) {
  std::ifstream in(pem_file);
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto digest = rapport::crypto::certificate_sha256(pem);
  REQUIRE(digest.has_value());
  return {digest->begin(), digest->end()};
}

// The enrollment listener's shape: no client certificate, the CA sent in the handshake.
ServerOptions enrollment_server_options(TlsFiles tls) {
  auto options = server_options();
  options.tls = std::move(tls);
  options.require_client_certificate = false;
  options.present_ca_certificate = true;
  return options;
}

ClientOptions pinned_client(std::uint16_t port, const fs::path& pinned_ca) {
  ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.pinned_ca_sha256 = fingerprint_of(pinned_ca);
  return options;
}

}  // namespace

TEST_CASE("A client pinned to the CA's fingerprint trusts the server that sends that CA",
          "[net][enrollment]") {
  Recorder recorder;
  auto server = HttpsServer::start(enrollment_server_options(TestPki::instance().server()),
                                   recorder.handler());
  auto client =
      HttpsClient::create(pinned_client(server->port(), TestPki::instance().file("ca.pem")));
  const auto response = client->request("POST", "/enroll/v1", "{}", kDeadline);
  INFO(error_text(response));
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
  CHECK(recorder.requests.at(0).peer_common_name.empty());
}

TEST_CASE("A pinned client refuses a server whose chain does not hold the pinned CA",
          "[net][enrollment]") {
  Recorder recorder;
  const TestPki& pki = TestPki::instance();
  SECTION("the pin is another CA's") {
    auto server = HttpsServer::start(enrollment_server_options(pki.server()), recorder.handler());
    auto client = HttpsClient::create(pinned_client(server->port(), pki.file("foreign-ca.pem")));
    CHECK_FALSE(client->request("POST", "/enroll/v1", "{}", kDeadline).has_value());
  }
  SECTION("the server does not send its CA") {
    auto options = enrollment_server_options(pki.server());
    options.present_ca_certificate = false;
    auto server = HttpsServer::start(options, recorder.handler());
    auto client = HttpsClient::create(pinned_client(server->port(), pki.file("ca.pem")));
    CHECK_FALSE(client->request("POST", "/enroll/v1", "{}", kDeadline).has_value());
  }
  SECTION("the server sends the pinned CA but its own certificate is signed by another") {
    auto server = HttpsServer::start(
        enrollment_server_options(
            {pki.file("foreign-server.pem"), pki.file("foreign-server.key"), pki.file("ca.pem")}),
        recorder.handler());
    auto client = HttpsClient::create(pinned_client(server->port(), pki.file("ca.pem")));
    CHECK_FALSE(client->request("POST", "/enroll/v1", "{}", kDeadline).has_value());
  }
  SECTION("the server's certificate does not carry the expected name") {
    auto server = HttpsServer::start(enrollment_server_options(pki.server()), recorder.handler());
    auto options = pinned_client(server->port(), pki.file("ca.pem"));
    options.server_name = "other.example";
    auto client = HttpsClient::create(options);
    CHECK_FALSE(client->request("POST", "/enroll/v1", "{}", kDeadline).has_value());
  }
  CHECK(recorder.calls == 0);
}

TEST_CASE("A peer stuck in the TLS handshake frees its slot after handshake_timeout", "[net]") {
  Recorder recorder;
  auto options = server_options();
  options.limits.io_timeout = 60s;
  options.limits.handshake_timeout = 200ms;
  options.max_connections = 1;
  auto server = HttpsServer::start(options, recorder.handler());
  const SilentConnection silent(server->port());  // takes the only slot, says nothing
  std::this_thread::sleep_for(600ms);
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
  const auto response = client->request("GET", "/", "", kDeadline);
  INFO(error_text(response));
  CHECK(response.has_value());
}

TEST_CASE("close_connections closes the kept-alive connections its filter picks", "[net]") {
  Recorder recorder;
  auto options = server_options();
  options.limits.io_timeout = 60s;
  options.max_connections = 1;
  auto server = HttpsServer::start(options, recorder.handler());
  auto first = HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
  REQUIRE(first->request("GET", "/", "", kDeadline).has_value());  // keeps the only slot

  std::vector<rapport::net::PeerCertificate> seen;
  std::mutex seen_mutex;
  SECTION("a filter that picks nobody leaves the connection open") {
    server->close_connections([&](const rapport::net::PeerCertificate& peer) {
      const std::lock_guard lock(seen_mutex);
      seen.push_back(peer);
      return false;
    });
    std::this_thread::sleep_for(300ms);
    auto second =
        HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
    CHECK_FALSE(second->request("GET", "/", "", kDeadline).has_value());
  }
  SECTION("a filter that picks T1 closes its connection and frees the slot") {
    server->close_connections([&](const rapport::net::PeerCertificate& peer) {
      const std::lock_guard lock(seen_mutex);
      seen.push_back(peer);
      return peer.common_name == "T1";
    });
    std::this_thread::sleep_for(300ms);
    auto second =
        HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
    const auto response = second->request("GET", "/", "", kDeadline);
    INFO(error_text(response));
    CHECK(response.has_value());
  }
  const std::lock_guard lock(seen_mutex);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].common_name == "T1");
  CHECK_FALSE(seen[0].serial_hex.empty());
}

TEST_CASE("A streamed body arrives whole in chunks, and one that fails part way arrives "
          "truncated, never short and whole-looking", "[net]") {
  // 300 pieces of 1000 bytes: several 64 KiB chunks. A target of /fail stops after 100.
  const auto handler = [](const HttpRequest& request) {
    HttpResponse response{200, "text/csv", "ignored"};
    const bool fail = request.target == "/fail";
    response.stream_body = [fail](const HttpResponse::BodyWriter& write) {
      for (int i = 0; i < 300; ++i) {
        if (fail && i == 100) return false;
        if (!write(std::string(999, static_cast<char>('a' + i % 26)) + "\n")) return false;
      }
      return true;
    };
    return response;
  };
  auto server = HttpsServer::start(server_options(), handler);
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
  const auto whole = client->request("GET", "/", "", kDeadline);
  INFO(error_text(whole));
  REQUIRE(whole.has_value());
  CHECK(whole->status == 200);
  CHECK(whole->body.size() == 300'000);
  CHECK(whole->body.substr(299'000, 999) == std::string(999, static_cast<char>('a' + 299 % 26)));
  bool chunked = false;
  for (const auto& field : whole->headers) {
    if (field.name == "transfer-encoding" && field.value == "chunked") chunked = true;
  }
  CHECK(chunked);
  // The connection stays usable after a whole streamed body.
  const auto again = client->request("GET", "/", "", kDeadline);
  REQUIRE(again.has_value());
  CHECK(again->body.size() == 300'000);

  auto other =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
  const auto cut = other->request("GET", "/fail", "", kDeadline);
  CHECK_FALSE(cut.has_value());
}

// ---- Held-open responses (HttpResponse::stream, Server-Sent Events) ----
namespace {

using rapport::net::ResponseStream;

// The test's end of a held-open response, with the client certificate T1.
class RawStreamClient : public rapport::testing::EventStreamClient {
 public:
  RawStreamClient(std::uint16_t port, const std::string& target, bool small_buffer = false)
      : EventStreamClient(port, TestPki::instance().client_t1(), target, {}, small_buffer) {}
  bool read_until(std::string_view text, std::chrono::milliseconds deadline = kDeadline) {
    return EventStreamClient::read_until(text, deadline);
  }
  bool read_to_end(std::chrono::milliseconds deadline = kDeadline) {
    return EventStreamClient::read_to_end(deadline);
  }
};

// Streams handed out by the handler below, for the test to push to.
struct StreamBoard {
  std::mutex mutex;
  std::vector<std::shared_ptr<ResponseStream>> streams;
  std::atomic<int> calls{0};
  ResponseStream::Options options{};

  rapport::net::RequestHandler handler() {
    return [this](const HttpRequest& request) {
      ++calls;
      if (request.target != "/events") {
        return HttpResponse{200, "application/json", R"({"ok":true})"};
      }
      HttpResponse response{200, "text/event-stream", ""};
      response.stream = std::make_shared<ResponseStream>(options);
      response.stream->push("retry: 1000\n\n");
      const std::lock_guard lock(mutex);
      streams.push_back(response.stream);
      return response;
    };
  }

  std::shared_ptr<ResponseStream> wait_for(std::size_t count) {
    const auto until = Clock::now() + kDeadline;
    while (Clock::now() < until) {
      {
        const std::lock_guard lock(mutex);
        if (streams.size() >= count) return streams[count - 1];
      }
      std::this_thread::sleep_for(1ms);
    }
    FAIL("the handler did not open stream " << count);
    return nullptr;
  }
};

std::string event(int i) { return "id: " + std::to_string(i) + "\ndata: e" + std::to_string(i) + "\n\n"; }

}  // namespace

TEST_CASE("Events pushed to a held-open stream arrive in order on one connection", "[net][sse]") {
  StreamBoard board;
  auto server = HttpsServer::start(server_options(), board.handler());
  RawStreamClient client(server->port(), "/events");
  REQUIRE(client.read_until("retry: 1000"));
  CHECK(client.received().find("text/event-stream") != std::string::npos);
  CHECK(client.received().find("chunked") != std::string::npos);
  const auto stream = board.wait_for(1);
  // Pushed from another thread, one at a time as they happen, and in bursts.
  std::atomic<int> accepted{0};
  std::thread producer([&stream, &accepted] {
    for (int i = 0; i < 40; ++i) {
      if (stream->push(event(i))) ++accepted;
      if (i % 4 == 0) std::this_thread::sleep_for(2ms);
    }
  });
  producer.join();
  REQUIRE(accepted == 40);
  REQUIRE(client.read_until("data: e39\n\n"));
  std::size_t at = 0;
  for (int i = 0; i < 40; ++i) {
    const auto found = client.received().find("data: e" + std::to_string(i) + "\n", at);
    INFO("event " << i);
    REQUIRE(found != std::string::npos);
    at = found;
  }
  CHECK(board.calls == 1);  // one request: no reconnection

  // The producer ends it: the last chunk, then the connection closes.
  stream->close();
  CHECK(client.read_to_end());
  CHECK(client.received().ends_with("0\r\n\r\n"));
  CHECK_FALSE(stream->push(event(40)));
}

TEST_CASE("A held-open stream polls every poll_every and sends heartbeats when idle", "[net][sse]") {
  StreamBoard board;
  board.options.heartbeat_every = 50ms;
  board.options.poll_every = 20ms;
  std::atomic<int> polls{0};
  board.options.poll = [&polls](ResponseStream& stream) {
    if (++polls == 3) stream.push("event: status\ndata: polled\n\n");
  };
  auto server = HttpsServer::start(server_options(), board.handler());
  RawStreamClient client(server->port(), "/events");
  REQUIRE(client.read_until("data: polled"));
  REQUIRE(client.read_until(": keep-alive\n\n"));
}

TEST_CASE("request_poll makes a held-open stream poll at once", "[net][sse]") {
  StreamBoard board;
  board.options.poll_every = std::chrono::hours(1);  // never on its own during the test
  board.options.poll = [](ResponseStream& stream) { stream.push("event: status\ndata: asked\n\n"); };
  auto server = HttpsServer::start(server_options(), board.handler());
  RawStreamClient client(server->port(), "/events");
  REQUIRE(client.read_until("retry: 1000"));
  board.wait_for(1)->request_poll();  // from this thread, as a POST handled elsewhere would
  CHECK(client.read_until("data: asked"));
}

TEST_CASE("A held-open stream ends with its last chunk when the server stops", "[net][sse]") {
  StreamBoard board;
  auto server = HttpsServer::start(server_options(), board.handler());
  RawStreamClient client(server->port(), "/events");
  REQUIRE(client.read_until("retry: 1000"));
  const auto stream = board.wait_for(1);
  REQUIRE(stream->push(event(1)));
  REQUIRE(client.read_until("data: e1\n"));
  server->stop(5s);
  CHECK(client.read_to_end());
  CHECK(client.received().ends_with("0\r\n\r\n"));
  CHECK(stream->closed());
  CHECK_FALSE(stream->push(event(2)));  // the producer learns it is gone
}

TEST_CASE("A stream whose client stops reading is cut off and blocks no other request",
          "[net][sse]") {
  StreamBoard board;
  board.options.max_queued_bytes = 1024 * 1024;
  auto server = HttpsServer::start(server_options(), board.handler());
  RawStreamClient stuck(server->port(), "/events", true);  // never reads a byte
  const auto stream = board.wait_for(1);
  // Push until the queue overflows: the session stopped draining it, so its write waits on
  // the stuck peer (bounded: at most 1000 pieces of 64 KiB).
  const std::string piece = "data: " + std::string(64 * 1024, 'x') + "\n\n";
  int pushed = 0;
  while (pushed < 1000 && stream->push(piece)) ++pushed;
  INFO("pieces pushed before the cut-off: " << pushed);
  CHECK(pushed < 1000);
  CHECK(stream->closed());
  // Meanwhile the server answers others.
  auto client =
      HttpsClient::create(client_options(server->port(), TestPki::instance().client_t1()));
  for (int i = 0; i < 3; ++i) {
    const auto answer = client->request("POST", "/action", "{}", kDeadline);
    INFO(error_text(answer));
    REQUIRE(answer.has_value());
    CHECK(answer->status == 200);
  }
  RawStreamClient other(server->port(), "/events");
  REQUIRE(other.read_until("retry: 1000"));
}

TEST_CASE("Held-open streams over max_streams are answered 503", "[net][sse]") {
  StreamBoard board;
  auto options = server_options();
  options.max_streams = 1;
  auto server = HttpsServer::start(options, board.handler());
  RawStreamClient first(server->port(), "/events");
  REQUIRE(first.read_until("retry: 1000"));
  RawStreamClient second(server->port(), "/events");
  REQUIRE(second.read_until("too many open event streams"));
  CHECK(second.received().starts_with("HTTP/1.1 503"));
  CHECK(board.wait_for(2)->closed());
  board.wait_for(1)->close();
  REQUIRE(first.read_to_end());
  RawStreamClient third(server->port(), "/events");  // the slot is free again
  CHECK(third.read_until("retry: 1000"));
}

// --- FailoverClient: several server instances (shared/net/failover_client.h) ---

namespace {

rapport::net::FailoverOptions failover_to(std::vector<std::uint16_t> ports,
                                          std::chrono::milliseconds rest = 0ms) {
  rapport::net::FailoverOptions options;
  for (const auto port : ports) options.servers.push_back({"127.0.0.1", port});
  options.tls = TestPki::instance().client_t1();
  options.rest_after_failure = rest;
  return options;
}

// A loopback port nothing listens on (a server that was there and died).
std::uint16_t dead_port() {
  Recorder recorder;
  auto server = HttpsServer::start(server_options(), recorder.handler());
  const auto port = server->port();
  server->stop();
  return port;
}

}  // namespace

TEST_CASE("A failover client moves to the next server when one dies, and stays there",
          "[net][failover]") {
  Recorder first_calls;
  Recorder second_calls;
  auto first = HttpsServer::start(server_options(), first_calls.handler());
  auto second = HttpsServer::start(server_options(), second_calls.handler());
  auto client = rapport::net::FailoverClient::create(failover_to({first->port(), second->port()}));
  REQUIRE(client->request("POST", "/one", "{}", kDeadline));
  CHECK(first_calls.calls == 1);
  CHECK(second_calls.calls == 0);

  first->stop();
  // The same request goes to the second server within the same call.
  const auto moved = client->request("POST", "/two", "{}", kDeadline);
  REQUIRE(moved);
  CHECK(moved->body == R"({"echo":"/two"})");
  CHECK(second_calls.calls == 1);
  CHECK(client->current() == "127.0.0.1:" + std::to_string(second->port()));
  // It sticks to the one that works: the dead one is not tried first again.
  const auto started = Clock::now();
  REQUIRE(client->request("GET", "/three", "", kDeadline));
  CHECK(second_calls.calls == 2);
  CHECK(first_calls.calls == 1);
  CHECK(Clock::now() - started < 1s);
}

TEST_CASE("A server that times out is left for the next at the following request",
          "[net][failover]") {
  SilentListener stuck;
  Recorder calls;
  auto working = HttpsServer::start(server_options(), calls.handler());
  auto client = rapport::net::FailoverClient::create(failover_to({stuck.port(), working->port()}));
  // The whole deadline goes on the stuck one: no time is left for the other in this call.
  const auto first = client->request("GET", "/a", "", 300ms);
  CHECK_FALSE(first.has_value());
  CHECK(calls.calls == 0);
  const auto second = client->request("GET", "/b", "", 300ms);
  REQUIRE(second);
  CHECK(calls.calls == 1);
}

TEST_CASE("A failover client rests after every server failed, then tries again",
          "[net][failover]") {
  auto client = rapport::net::FailoverClient::create(failover_to({dead_port(), dead_port()}, 300ms));
  const auto failed = client->request("GET", "/a", "", kDeadline);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error() != NetErrc::kResting);
  const auto resting = client->request("GET", "/b", "", kDeadline);
  REQUIRE_FALSE(resting.has_value());
  CHECK(resting.error() == NetErrc::kResting);
  std::this_thread::sleep_for(350ms);
  const auto again = client->request("GET", "/c", "", kDeadline);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error() != NetErrc::kResting);
}
