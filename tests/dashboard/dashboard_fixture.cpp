// tests/dashboard/dashboard_fixture.cpp
#include "tests/dashboard/dashboard_fixture.h"

#include <boost/json/parse.hpp>
#include "tests/support/catch_result.h"

#include "shared/crypto/certificates.h"
#include "shared/domain/event_id.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"

namespace rapport::testing {
namespace {

using namespace std::chrono_literals;

domain::Event visit(const std::string& token, const std::string& store,
                    const std::string& terminal, const std::string& day) {
  domain::Event e;
  e.id = domain::new_event_id();
  e.card_token = token;
  e.occurred_at = day + "T10:00:00.000Z";
  e.terminal_id = terminal;
  e.store_id = store;
  return e;
}

}  // namespace

server::DashboardOptions DashboardFixture::test_options() {
  server::DashboardOptions options;
  options.password_cost = kTestCost;
  options.throttle.per_user = 5;
  options.throttle.per_address = 8;
  return options;
}

DashboardFixture::DashboardFixture(server::DashboardOptions options) {
  store = server::open_sqlite_store(dir / "rapport.db").value();
  REQUIRE(store->add_store("S1", "High Street"));
  REQUIRE(store->add_store("S2", "Station Road"));
  REQUIRE(store->register_terminal({"T1", "S1", "01", false}));
  REQUIRE(store->register_terminal({"T2", "S2", "02", false}));
  const auto member = [&](const std::string& name, const std::string& home, char token) {
    const auto id = store->add_member({name, home, std::nullopt}).value();
    REQUIRE(store->add_card(id, {std::string(64, token), "000" + std::string(1, token),
                                 domain::CardStatus::kActive}));
    return id;
  };
  ada = member("Ada Lovelace", "S1", 'a');
  bob = member("Bob Kahn", "S2", 'b');
  cy = member("Cy Young", "S2", 'c');
  dee = member("Dee Hopper", "S1", 'd');
  std::vector<domain::Event> events{
      visit(std::string(64, 'a'), "S1", "T1", "2026-11-01"),
      visit(std::string(64, 'a'), "S1", "T1", "2026-11-08"),
      visit(std::string(64, 'a'), "S1", "T1", "2026-11-15"),
      visit(std::string(64, 'b'), "S1", "T1", "2026-11-02"),
      visit(std::string(64, 'b'), "S1", "T1", "2026-11-09"),
      visit(std::string(64, 'b'), "S2", "T2", "2026-11-10"),
      visit(std::string(64, 'c'), "S2", "T2", "2026-11-11"),
  };
  REQUIRE(store->record_events(events).value() == events.size());

  staff = server::StaffStore::open(dir / "rapport.db").value();
  add_user("maria", server::StaffRole::kStoreManager, {"S1"});
  add_user("sam", server::StaffRole::kStoreManager, {"S2"});
  add_user("hq", server::StaffRole::kHeadOffice, {});
  add_user("carl", server::StaffRole::kCashier, {"S1"});

  // The server's certificate from the same code `rapportctl init` uses.
  const auto ca = crypto::create_certificate_authority("Dashboard Test CA").value();
  crypto::CertificateRequest request;
  request.common_name = "localhost";
  request.ip_addresses = {"127.0.0.1"};
  request.use = crypto::CertificateUse::kServer;
  const auto server_cert = crypto::issue_certificate(ca, request).value();
  write_file_atomically(dir / "ca.crt", ca.certificate_pem, false);
  write_file_atomically(dir / "server.crt", server_cert.certificate_pem, false);
  write_file_atomically(dir / "server.key", server_cert.private_key_pem, true);
  client_tls.ca_certificates = dir / "ca.crt";

  handler = std::make_unique<server::DashboardHandler>(*staff, options, [this] { return now(); });
  rights = server::MemberRightsStore::open(dir / "rapport.db").value();
  handler->set_member_rights(rights.get());
  net::ServerOptions server_options;
  server_options.address = "127.0.0.1";
  server_options.port = 0;
  server_options.tls = {dir / "server.crt", dir / "server.key", {}};
  server_options.require_client_certificate = false;
  server_options.limits.io_timeout = 5s;
  listener = net::HttpsServer::start(
      server_options, [this](const net::HttpRequest& r) { return handler->handle(r); });
}

DashboardFixture::~DashboardFixture() { listener->stop(); }

std::chrono::system_clock::time_point DashboardFixture::now() const {
  return from_iso8601("2026-11-26T08:00:00Z").value() + std::chrono::seconds(clock_seconds.load());
}

void DashboardFixture::add_user(const std::string& name, server::StaffRole role,
                                std::vector<std::string> stores, crypto::ScryptParams cost) {
  const auto hash = crypto::hash_password(kPassword, cost).value();
  REQUIRE(staff->add_user({name, role, std::move(stores), hash}, "2026-11-26T07:00:00.000Z"));
}

void DashboardFixture::save_values() {
  value::ValueRefresh refresh;
  const auto snapshot = [](std::int64_t id, std::int64_t cents, value::ValueTier tier,
                           double p_alive) {
    value::ValueSnapshot s;
    s.member_id = id;
    s.total_value_cents = cents;
    s.historic_value_cents = cents;
    s.tier = tier;
    s.p_alive = p_alive;
    s.rfm = "R5F5M5";
    s.segment = "champions";
    s.rhythm_days = 7.0;
    return s;
  };
  refresh.snapshots = {snapshot(ada, 90'000, value::ValueTier::kMvc, 0.9),
                       snapshot(bob, 50'000, value::ValueTier::kMgc, 0.8),
                       snapshot(cy, 10'000, value::ValueTier::kLmc, 0.4)};
  REQUIRE(store->save_value_refresh(
      refresh, "2026-11-26", rapport::server::ValueSaveMark{.full = true, .events_seq = 0, .fit_id = {}}));
}

boost::json::value json_of(const Reply& reply) { return boost::json::parse(reply.body); }

bool audited(DashboardFixture& f, const std::string& action, const std::string& object,
             const std::string& outcome) {
  for (const auto& e : f.staff->list_audit(1000).value()) {
    if (e.action == action && e.object == object && e.outcome == outcome) return true;
  }
  return false;
}

std::string Reply::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

StaffBrowser::StaffBrowser(const DashboardFixture& fixture) {
  net::ClientOptions options;
  options.host = "127.0.0.1";
  options.port = fixture.listener->port();
  options.tls = fixture.client_tls;
  client_ = net::HttpsClient::create(options);
}

Reply StaffBrowser::send(const std::string& method, const std::string& target,
                         const std::string& body, std::vector<net::HttpHeader> headers) {
  if (!cookie_.empty()) headers.push_back({"Cookie", cookie_});
  auto response = client_->request(method, target, body, 10s, headers);
  REQUIRE(response);
  Reply reply{response->status, response->body, response->headers};
  const std::string set_cookie = reply.header("set-cookie");
  if (!set_cookie.empty()) cookie_ = set_cookie.substr(0, set_cookie.find(';'));
  return reply;
}

Reply StaffBrowser::login(const std::string& name, const std::string& password,
                          const std::string& content_type) {
  const std::string body =
      R"({"name":")" + name + R"(","password":")" + password + R"("})";
  Reply reply = send("POST", "/api/login", body, {{"Content-Type", content_type}});
  if (reply.status == 200) {
    csrf_ = std::string(boost::json::parse(reply.body).at("csrf_token").as_string());
  }
  return reply;
}

Reply StaffBrowser::get(const std::string& target) { return send("GET", target, "", {}); }

Reply StaffBrowser::post(const std::string& target, const std::string& csrf_token,
                         const std::string& origin) {
  std::vector<net::HttpHeader> headers;
  if (!csrf_token.empty()) headers.push_back({"X-CSRF-Token", csrf_token});
  if (!origin.empty()) headers.push_back({"Origin", origin});
  return send("POST", target, "", std::move(headers));
}

}  // namespace rapport::testing
