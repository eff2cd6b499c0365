// tests/dashboard/dashboard_parts_test.cpp
//
// The dashboard's pure parts: password hashes, request parsing, sessions, the login
// throttle and the escaping of what goes into HTML and CSV.

#include <boost/json/parse.hpp>
#include <chrono>

#include "server/dashboard/login_throttle.h"
#include "server/dashboard/request_parts.h"
#include "server/dashboard/sessions.h"
#include "server/dashboard/staff.h"
#include "server/dashboard/views.h"
#include "server/storage/session_store.h"
#include "shared/crypto/password_hash.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;

namespace {
const crypto::ScryptParams kCheap{10, 8, 1};
const server::TimePoint kStart = std::chrono::system_clock::time_point(1'800'000'000s);
}  // namespace

TEST_CASE("A password hash verifies its password only, and carries its parameters",
          "[dashboard][password]") {
  const auto hash = crypto::hash_password("correct horse battery", kCheap);
  REQUIRE(hash);
  CHECK(hash->rfind("scrypt$ln=10,r=8,p=1$", 0) == 0);
  CHECK(hash->size() == std::string("scrypt$ln=10,r=8,p=1$").size() + 32 + 1 + 64);
  CHECK(crypto::verify_password("correct horse battery", *hash).value());
  CHECK_FALSE(crypto::verify_password("correct horse batterY", *hash).value());
  CHECK_FALSE(crypto::verify_password("", *hash).value());
  // Salted: the same password hashes differently each time.
  CHECK(crypto::hash_password("correct horse battery", kCheap).value() != *hash);
}

TEST_CASE("The default cost is scrypt N=2^17, r=8, p=1", "[dashboard][password]") {
  const auto hash = crypto::hash_password("x").value();
  CHECK(hash.rfind("scrypt$ln=17,r=8,p=1$", 0) == 0);
  CHECK_FALSE(crypto::needs_rehash(hash));
}

TEST_CASE("A weaker or unreadable stored hash needs rehashing", "[dashboard][password]") {
  const auto weak = crypto::hash_password("x", kCheap).value();
  CHECK(crypto::needs_rehash(weak));
  CHECK_FALSE(crypto::needs_rehash(weak, kCheap));
  CHECK(crypto::needs_rehash("garbage"));
}

TEST_CASE("A damaged stored hash is an error, never a match", "[dashboard][password]") {
  const auto good = crypto::hash_password("x", kCheap).value();
  for (const std::string& bad :
       {std::string(""), std::string("scrypt"), good.substr(0, good.size() - 2),
        "pbkdf2" + good.substr(6), "scrypt$ln=40,r=8,p=1$" + good.substr(21),
        "scrypt$ln=10,r=8$" + good.substr(21), good + "$00"}) {
    INFO(bad);
    CHECK_FALSE(crypto::verify_password("x", bad));
  }
  CHECK_FALSE(crypto::hash_password("x", {40, 8, 1}));
}

TEST_CASE("Cookies are found by exact name", "[dashboard]") {
  CHECK(server::cookie_value("a=1; __Host-rapport-session=abc; b=2", "__Host-rapport-session") ==
        "abc");
  CHECK(server::cookie_value("x__Host-rapport-session=abc", "__Host-rapport-session") ==
        std::nullopt);
  CHECK(server::cookie_value("s=\"quoted\"", "s") == "quoted");
  CHECK(server::cookie_value("", "s") == std::nullopt);
  CHECK(server::cookie_value("novalue; s=1", "s") == "1");
}

TEST_CASE("Targets are split into decoded segments and a query", "[dashboard]") {
  const auto t = server::parse_target("/api/stores/S%201/regulars?limit=5&x=a+b");
  REQUIRE(t);
  CHECK(t->segments == std::vector<std::string>{"api", "stores", "S 1", "regulars"});
  CHECK(t->query.at("limit") == "5");
  CHECK(t->query.at("x") == "a b");
  CHECK(server::parse_target("/")->segments.empty());
  CHECK_FALSE(server::parse_target("api"));
  CHECK_FALSE(server::parse_target("/members/%2e%2e"));
  CHECK_FALSE(server::parse_target("/a/../b"));
  CHECK_FALSE(server::parse_target("/a%2fb"));
  CHECK_FALSE(server::parse_target("/a%00"));
  CHECK_FALSE(server::parse_target("/a%4"));
  CHECK_FALSE(server::parse_target("/a?%zz=1"));
}

TEST_CASE("The login form is JSON with a name and a password", "[dashboard]") {
  const auto form = server::parse_login_form(R"({"name":"maria","password":"p w"})");
  REQUIRE(form);
  CHECK(form->name == "maria");
  CHECK(form->password == "p w");
  CHECK_FALSE(server::parse_login_form(R"({"name":"maria"})"));
  CHECK_FALSE(server::parse_login_form(R"({"name":1,"password":"x"})"));
  CHECK_FALSE(server::parse_login_form(R"({"name":"","password":"x"})"));
  CHECK_FALSE(server::parse_login_form("name=maria&password=x"));
  CHECK_FALSE(server::parse_login_form("[]"));
}

TEST_CASE("Sessions expire when idle or old, and are found only by their token",
          "[dashboard]") {
  testing::TempDir dir;
  auto store = server::open_sqlite_session_store(dir / "rapport.db").value();
  server::SessionTable table({30min, 12h}, *store);
  const auto fresh = table.open(7, kStart).value();
  CHECK(fresh.cookie_token.size() == 64);
  CHECK(fresh.csrf_token.size() == 64);
  CHECK(fresh.cookie_token != fresh.csrf_token);
  CHECK(table.touch(fresh.cookie_token, kStart + 29min)->user_id == 7);
  CHECK_FALSE(table.touch(fresh.csrf_token, kStart + 29min));
  CHECK_FALSE(table.touch(fresh.cookie_token, kStart + 59min));  // idle 30 min
  CHECK(table.size() == 0);
  const auto other = table.open(8, kStart).value();
  table.close(other.cookie_token);
  CHECK_FALSE(table.touch(other.cookie_token, kStart));
}

TEST_CASE("The login throttle counts failures per user and per address in a window",
          "[dashboard]") {
  testing::TempDir dir;
  auto store = server::open_sqlite_session_store(dir / "rapport.db").value();
  server::LoginThrottle throttle({2, 3, 10min}, *store);
  throttle.record_failure("maria", "10.0.0.1", kStart);
  CHECK_FALSE(throttle.blocked("maria", "10.0.0.1", kStart));
  throttle.record_failure("maria", "10.0.0.2", kStart);
  CHECK(throttle.blocked("maria", "10.0.0.9", kStart));  // per user, whatever the address
  CHECK_FALSE(throttle.blocked("sam", "10.0.0.9", kStart));
  CHECK_FALSE(throttle.blocked("maria", "10.0.0.9", kStart + 10min));
  throttle.record_failure("a", "10.0.0.5", kStart);
  throttle.record_failure("b", "10.0.0.5", kStart);
  throttle.record_failure("c", "10.0.0.5", kStart);
  CHECK(throttle.blocked("sam", "10.0.0.5", kStart));  // per address, whatever the name
  throttle.record_failure("sam", "10.0.0.7", kStart);
  throttle.record_success("sam");
  CHECK_FALSE(throttle.blocked("sam", "10.0.0.7", kStart));
  CHECK(server::address_without_port("127.0.0.1:5555") == "127.0.0.1");
  CHECK(server::address_without_port("[::1]:5555") == "::1");
}

TEST_CASE("Store scope: managers read their stores, head office every store, cashiers none",
          "[dashboard]") {
  const server::StaffUser maria{1, "maria", server::StaffRole::kStoreManager, {"S1"}};
  const server::StaffUser hq{2, "hq", server::StaffRole::kHeadOffice, {}};
  const server::StaffUser carl{3, "carl", server::StaffRole::kCashier, {"S1"}};
  CHECK(server::may_read_store(maria, "S1"));
  CHECK_FALSE(server::may_read_store(maria, "S2"));
  CHECK(server::may_read_store(hq, "S2"));
  CHECK_FALSE(server::may_read_store(carl, "S1"));
  CHECK(server::staff_role_from_string("store-manager") == server::StaffRole::kStoreManager);
  CHECK_FALSE(server::staff_role_from_string("root"));
}

TEST_CASE("Text from members is escaped for HTML and guarded in CSV", "[dashboard]") {
  CHECK(server::html_escape("<b a=\"x\">'&") == "&lt;b a=&quot;x&quot;&gt;&#39;&amp;");
  CHECK(server::csv_field("plain") == "plain");
  CHECK(server::csv_field("a,b") == "\"a,b\"");
  CHECK(server::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(server::csv_field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
  CHECK(server::csv_field("+1") == "'+1");
  CHECK(server::csv_field("@cmd") == "'@cmd");
}

TEST_CASE("A most valuable customer without a working owner is flagged, no one else",
          "[dashboard]") {
  server::RegularRow row;
  row.tier = "MVC";
  CHECK(server::needs_owner(row));
  row.owner = "maria";
  CHECK_FALSE(server::needs_owner(row));
  row.owner_disabled = true;  // a lapsed owner is no owner
  CHECK(server::needs_owner(row));
  row.tier = "MGC";
  CHECK_FALSE(server::needs_owner(row));
  row.tier.reset();  // before the first value refresh nobody is flagged
  row.owner.reset();
  CHECK_FALSE(server::needs_owner(row));
}

TEST_CASE("Follow-ups are marked mine only for the member's owner", "[dashboard]") {
  server::FollowUp owned;
  owned.id = 1;
  owned.owner = "maria";
  server::FollowUp nobody;
  nobody.id = 2;
  const auto json = boost::json::parse(server::follow_ups_json("S1", {owned, nobody}, "maria"));
  const auto& rows = json.at("rows").as_array();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("mine").as_bool());
  CHECK_FALSE(rows[1].at("mine").as_bool());
  CHECK(rows[1].at("owner").is_null());
}

TEST_CASE("Sessions and failed logins are shared by every connection to the database",
          "[dashboard][multi]") {
  // Two server instances are two connections to one file: a session one opens, the other
  // finds; failures one counts, the other refuses on; a session one closes, the other drops.
  testing::TempDir dir;
  auto store_a = server::open_sqlite_session_store(dir / "rapport.db").value();
  auto store_b = server::open_sqlite_session_store(dir / "rapport.db").value();
  server::SessionTable on_a({30min, 12h}, *store_a);
  server::SessionTable on_b({30min, 12h}, *store_b);
  const auto opened = on_a.open(7, kStart, "hash-at-login").value();
  const auto found = on_b.touch(opened.cookie_token, kStart + 20min);
  REQUIRE(found);
  CHECK(found->user_id == 7);
  CHECK(found->csrf_token == opened.csrf_token);
  CHECK(found->credential == "hash-at-login");
  // B's use counts for A's idle timeout: 40 min after the login, 20 after the last use.
  CHECK(on_a.touch(opened.cookie_token, kStart + 40min));
  on_b.close(opened.cookie_token);
  CHECK_FALSE(on_a.touch(opened.cookie_token, kStart + 41min));
  CHECK(on_a.size() == 0);

  server::LoginThrottle throttle_a({2, 100, 10min}, *store_a);
  server::LoginThrottle throttle_b({2, 100, 10min}, *store_b);
  throttle_a.record_failure("maria", "10.0.0.1", kStart);
  CHECK_FALSE(throttle_b.blocked("maria", "10.0.0.2", kStart));
  throttle_b.record_failure("maria", "10.0.0.2", kStart);
  CHECK(throttle_a.blocked("maria", "10.0.0.3", kStart + 1min));
  CHECK_FALSE(throttle_a.blocked("maria", "10.0.0.3", kStart + 10min));
}
