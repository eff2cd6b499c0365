// tests/dashboard/dashboard_fixture.h
//
// The dashboard's access tests' set-up: a real SQLite file with two stores and their
// members and visits, staff users of each role, and the real dashboard listener (HttpsServer
// + DashboardHandler, TLS with a certificate from the chain's own PKI code) on a free port,
// with a clock the test moves. Requests go through the real HttpsClient, which verifies the
// server against the CA, with a cookie jar of its own (StaffBrowser).

#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "server/dashboard/dashboard_handler.h"
#include "server/storage/member_rights_store.h"
#include "server/storage/staff_store.h"
#include "server/storage/store.h"
#include "shared/net/https_client.h"
#include "shared/net/https_server.h"
#include "tests/support/temp_dir.h"

namespace rapport::testing {

// Cheap enough for many logins in a test; production keeps crypto::kDefaultScrypt.
inline constexpr crypto::ScryptParams kTestCost{12, 8, 1};
inline const std::string kPassword = "correct horse battery";

struct DashboardFixture {
  TempDir dir;
  std::unique_ptr<server::Store> store;
  std::unique_ptr<server::StaffStore> staff;
  std::atomic<std::int64_t> clock_seconds{0};  // added to a fixed start time
  std::unique_ptr<server::MemberRightsStore> rights;  // its own connection, as the server's
  std::unique_ptr<server::DashboardHandler> handler;
  std::unique_ptr<net::HttpsServer> listener;
  net::TlsFiles client_tls;

  // Members: ada (home S1, visits S1 x3), bob (home S2, visits S1 x2 and S2 x1),
  // cy (home S2, visits S2 only), dee (home S1, no snapshot yet).
  std::int64_t ada = 0, bob = 0, cy = 0, dee = 0;

  explicit DashboardFixture(server::DashboardOptions options = test_options());
  ~DashboardFixture();

  static server::DashboardOptions test_options();
  [[nodiscard]] std::chrono::system_clock::time_point now() const;
  void advance(std::chrono::seconds by) { clock_seconds += by.count(); }
  void add_user(const std::string& name, server::StaffRole role,
                std::vector<std::string> stores, crypto::ScryptParams cost = kTestCost);
  // Saves value snapshots: ada above bob above cy; dee has none.
  void save_values();
};

struct Reply {
  unsigned status = 0;
  std::string body;
  std::vector<net::HttpHeader> headers;
  [[nodiscard]] std::string header(std::string_view name) const;
};

[[nodiscard]] boost::json::value json_of(const Reply& reply);
// True when the audit log has a line with this action, object and outcome.
[[nodiscard]] bool audited(DashboardFixture& f, const std::string& action,
                           const std::string& object, const std::string& outcome);

// A client with a cookie jar and the CSRF token from its last login, like a browser tab.
class StaffBrowser {
 public:
  StaffBrowser(const DashboardFixture& fixture);
  Reply login(const std::string& name, const std::string& password,
              const std::string& content_type = "application/json");
  Reply get(const std::string& target);
  // A POST as the page makes it; `origin`, when set, is sent as the Origin header.
  Reply post(const std::string& target, const std::string& csrf_token,
             const std::string& origin = {});
  [[nodiscard]] const std::string& csrf_token() const { return csrf_; }
  [[nodiscard]] const std::string& cookie() const { return cookie_; }
  void set_cookie(std::string cookie) { cookie_ = std::move(cookie); }

 private:
  Reply send(const std::string& method, const std::string& target, const std::string& body,
             std::vector<net::HttpHeader> headers);

  std::unique_ptr<net::HttpsClient> client_;
  std::string cookie_;  // "name=value" of the session cookie, as a browser sends it back
  std::string csrf_;
};

}  // namespace rapport::testing
