// tests/dashboard/dashboard_parts_test.cpp
//
// The dashboard's pure parts: password hashes, request parsing and the escaping of what goes
// into HTML and CSV. Its sessions and login throttle run on both storage backends in
// tests/unit/lease_session_contract_test.cpp.

#include <boost/json/parse.hpp>

#include "server/dashboard/login_throttle.h"
#include "server/dashboard/request_parts.h"
#include "server/dashboard/sessions.h"
#include "server/dashboard/staff.h"
#include "server/dashboard/views.h"
#include "shared/crypto/password_hash.h"
#include "tests/support/catch_result.h"

using namespace rapport;

namespace {
const crypto::ScryptParams kCheap{10, 8, 1};
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

// Sessions and the login throttle on both backends: tests/unit/lease_session_contract_test.cpp.

TEST_CASE("A client's address is read without its port", "[dashboard]") {
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
