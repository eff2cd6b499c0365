// tests/unit/server_enrollment_test.cpp
//
// The enrollment endpoint called as the HTTPS layer calls it, over a real SQLite file and a
// real CA: a code works once, before it expires, and a refused or failed enrollment leaves
// it as it was.

#include <atomic>
#include <thread>

#include "server/enrollment_handler.h"
#include "server/server_config.h"
#include "server/storage/enrollment_store.h"
#include "server/storage/store.h"
#include "shared/config/config_file.h"
#include "shared/crypto/certificates.h"
#include "shared/crypto/digest.h"
#include "shared/crypto/random.h"
#include "shared/protocol/enrollment_code.h"
#include "shared/protocol/enrollment_messages.h"
#include "shared/util/files.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

struct EnrollmentFixture {
  rapport::testing::TempDir dir;
  std::unique_ptr<server::Store> store = server::open_sqlite_store(dir / "rapport.db").value();
  std::unique_ptr<server::EnrollmentStore> codes =
      server::EnrollmentStore::open(dir / "rapport.db").value();
  server::EnrollmentAuthority authority;
  const Clock::time_point now = Clock::now();

  EnrollmentFixture() {
    REQUIRE(store->add_store("S1", "High Street"));
    authority.ca = crypto::create_certificate_authority("Test CA").value();
    authority.card_key_hex = std::string(64, 'c');
    authority.issuer_prefix = "627599";
    authority.sync_port = 8443;
  }

  // A pending code for `id`, valid until now + `validity`.
  std::string add_code(const std::string& id, std::chrono::seconds validity = 1h) {
    protocol::EnrollmentCode code;
    code.terminal_id = id;
    const auto secret = crypto::random_bytes(code.secret.size());
    std::copy(secret.begin(), secret.end(), code.secret.begin());
    code.ca_fingerprint = crypto::certificate_sha256(authority.ca.certificate_pem).value();
    REQUIRE(codes->add_code({id, "S1", crypto::sha256(code.secret), now + validity}));
    return protocol::format_enrollment_code(code);
  }

  static net::HttpRequest post(const std::string& body) {
    net::HttpRequest request;
    request.method = "POST";
    request.target = std::string(protocol::kEnrollPath);
    request.body = body;
    request.remote_address = "127.0.0.1:5000";
    return request;
  }

  net::HttpResponse enroll(const std::string& code, Clock::time_point at) {
    const auto csr = crypto::create_certificate_request("whatever-I-like").value();
    return server::handle_enrollment_request(
        *codes, authority, post(protocol::encode(protocol::EnrollRequest{code, csr.request_pem})),
        at);
  }
};

}  // namespace

TEST_CASE_METHOD(EnrollmentFixture, "an enrollment code gets a certificate once", "[enrollment]") {
  const std::string code = add_code("T2");
  const auto first = enroll(code, now);
  INFO(first.body);
  REQUIRE(first.status == 200);
  const auto answer = protocol::decode_enroll_response(first.body).value();
  CHECK(answer.terminal_id == "T2");
  CHECK(answer.store_id == "S1");
  CHECK(answer.ca_certificate == authority.ca.certificate_pem);
  CHECK(answer.card_key == authority.card_key_hex);
  CHECK(answer.sync_port == 8443);
  const auto info = crypto::read_certificate_info(answer.certificate).value();
  CHECK(info.common_name == "T2");  // the server's choice, not the request's
  CHECK(info.organizational_unit == "S1");
  // Registered with the serial of that certificate, so the sync endpoint lets it in.
  const auto terminal = store->find_terminal("T2").value();
  REQUIRE(terminal);
  CHECK(terminal->certificate_serial == info.serial_hex);
  CHECK_FALSE(terminal->revoked);

  const auto second = enroll(code, now + 1s);
  CHECK(second.status == 403);
  CHECK(second.body.find("unknown, used or expired") != std::string::npos);
  CHECK(store->find_terminal("T2").value()->certificate_serial == info.serial_hex);
}

TEST_CASE_METHOD(EnrollmentFixture, "an expired, unknown or wrong code is refused alike",
                 "[enrollment]") {
  const std::string code = add_code("T2", 60s);
  const auto expired = enroll(code, now + 61s);
  CHECK(expired.status == 403);

  const auto parsed = protocol::parse_enrollment_code(code).value();
  auto wrong_secret = parsed;
  wrong_secret.secret[0] ^= 1U;
  const auto wrong = enroll(protocol::format_enrollment_code(wrong_secret), now);
  auto other_id = parsed;
  other_id.terminal_id = "T9";
  const auto unknown = enroll(protocol::format_enrollment_code(other_id), now);
  CHECK(wrong.status == 403);
  CHECK(unknown.status == 403);
  // One answer for all: an unauthenticated peer learns nothing about which terminals exist.
  CHECK(wrong.body == expired.body);
  CHECK(unknown.body == expired.body);
  CHECK_FALSE(store->find_terminal("T2").value());
  // None of that spent the code.
  CHECK(enroll(code, now).status == 200);
}

TEST_CASE_METHOD(EnrollmentFixture, "malformed enrollment requests get 400 and spend nothing",
                 "[enrollment]") {
  const std::string code = add_code("T2");
  CHECK(server::handle_enrollment_request(*codes, authority, post("{"), now).status == 400);
  CHECK(
      server::handle_enrollment_request(
          *codes, authority, post(protocol::encode(protocol::EnrollRequest{"RAP1-NOPE", "x"})), now)
          .status == 400);
  const auto bad_csr = server::handle_enrollment_request(
      *codes, authority, post(protocol::encode(protocol::EnrollRequest{code, "not a request"})),
      now);
  CHECK(bad_csr.status == 400);
  CHECK(bad_csr.body.find("certificate request") != std::string::npos);
  auto get = post("");
  get.method = "GET";
  CHECK(server::handle_enrollment_request(*codes, authority, get, now).status == 405);
  auto elsewhere = post("");
  elsewhere.target = "/sync/v1/events";
  CHECK(server::handle_enrollment_request(*codes, authority, elsewhere, now).status == 404);
  CHECK(enroll(code, now).status == 200);
}

TEST_CASE_METHOD(EnrollmentFixture, "two enrollments racing with one code: exactly one wins",
                 "[enrollment]") {
  const std::string code = add_code("T2");
  const auto csr = crypto::create_certificate_request("T2").value();
  const auto body = protocol::encode(protocol::EnrollRequest{code, csr.request_pem});
  std::atomic<int> issued{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i) {
    racers.emplace_back([&] {
      // Each racer has its own connection, as two server processes would.
      auto own = server::EnrollmentStore::open(dir / "rapport.db").value();
      const auto response = server::handle_enrollment_request(*own, authority, post(body), now);
      if (response.status == 200) ++issued;
      if (response.status == 403) ++refused;
    });
  }
  for (auto& racer : racers) racer.join();
  CHECK(issued == 1);
  CHECK(refused == 3);
}

TEST_CASE_METHOD(EnrollmentFixture, "a new code for a terminal id replaces the old one",
                 "[enrollment]") {
  const std::string old_code = add_code("T2");
  const std::string new_code = add_code("T2");
  CHECK(enroll(old_code, now).status == 403);
  CHECK(enroll(new_code, now).status == 200);
  CHECK(codes->is_active_terminal("T2").value());
  CHECK(store->revoke_terminal("T2").value());
  CHECK_FALSE(codes->is_active_terminal("T2").value());
  const auto active = codes->active_terminals().value();
  CHECK(active.count("T2") == 0);
}

TEST_CASE("server.toml names the enrollment listener, or none", "[enrollment][config]") {
  rapport::testing::TempDir dir;
  const std::string base =
      "[server]\nlisten = \"127.0.0.1:8443\"\ndatabase = \"rapport.db\"\n"
      "[tls]\ncertificate = \"s.crt\"\nprivate_key = \"s.key\"\nca_certificates = \"ca.crt\"\n"
      "ca_private_key = \"ca.key\"\n[cards]\nissuer_prefix = \"627599\"\ncard_key = \"card.key\"\n";
  write_file_atomically(dir / "without.toml", base, false);
  const auto without = server::load_server_config(dir / "without.toml");
  CHECK(without.enrollment_port == 0);
  CHECK(without.revocation_check == 500ms);
  CHECK(without.limits.handshake_timeout == 5000ms);

  write_file_atomically(dir / "with.toml",
                        base +
                            "[limits]\nhandshake_timeout_ms = 700\n[enrollment]\nlisten = "
                            "\"0.0.0.0:9444\"\nrevocation_check_ms = 250\n",
                        false);
  const auto with = server::load_server_config(dir / "with.toml");
  CHECK(with.enrollment_host == "0.0.0.0");
  CHECK(with.enrollment_port == 9444);
  CHECK(with.revocation_check == 250ms);
  CHECK(with.limits.handshake_timeout == 700ms);

  write_file_atomically(dir / "bad.toml", base + "[enrollment]\nlisten = \"8444\"\n", false);
  CHECK_THROWS_AS(server::load_server_config(dir / "bad.toml"), config::ConfigError);
}
