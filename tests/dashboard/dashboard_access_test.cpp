// tests/dashboard/dashboard_access_test.cpp
//
// The dashboard's access rules, enforced by the server for every request: a real HTTPS
// client against the real listener (DashboardFixture). Wrong passwords, login throttling,
// CSRF, session expiry, store scope by page and API, and the audit log.

#include <algorithm>
#include <boost/json/parse.hpp>

#include "tests/dashboard/dashboard_fixture.h"
#include "tests/support/catch_result.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::DashboardFixture;
using rapport::testing::kPassword;
using rapport::testing::StaffBrowser;
using rapport::testing::audited;
using rapport::testing::json_of;

TEST_CASE("A wrong password is refused with 401 and no session", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  const auto reply = browser.login("maria", "not the password");
  CHECK(reply.status == 401);
  CHECK(reply.header("set-cookie").empty());
  CHECK(browser.get("/api/session").status == 401);
  CHECK(browser.login("nobody", kPassword).status == 401);  // unknown names look the same
  CHECK(audited(f, "login", "", "wrong-password"));
}

TEST_CASE("The session cookie is HttpOnly, Secure and SameSite=Strict", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  const auto reply = browser.login("maria", kPassword);
  REQUIRE(reply.status == 200);
  const std::string cookie = reply.header("set-cookie");
  CHECK(cookie.rfind("__Host-rapport-session=", 0) == 0);
  CHECK(cookie.find("; HttpOnly") != std::string::npos);
  CHECK(cookie.find("; Secure") != std::string::npos);
  CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("; Path=/") != std::string::npos);
  CHECK(reply.header("content-security-policy").find("script-src 'self'") != std::string::npos);
  CHECK(reply.header("cache-control") == "no-store");
  const auto session = json_of(browser.get("/api/session"));
  CHECK(session.at("role").as_string() == "store-manager");
  CHECK(session.at("stores").as_array().size() == 1);
}

TEST_CASE("Five wrong passwords lock the user out, even with the right one, until the window passes",
          "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  for (int i = 0; i < 5; ++i) CHECK(browser.login("maria", "guess " + std::to_string(i)).status == 401);
  const auto locked = browser.login("maria", kPassword);
  CHECK(locked.status == 429);
  CHECK_FALSE(locked.header("retry-after").empty());
  CHECK(browser.get("/api/session").status == 401);
  CHECK(audited(f, "login", "", "throttled"));
  // Another user from the same address is not locked by maria's failures (5 < 8).
  StaffBrowser other(f);
  CHECK(other.login("sam", kPassword).status == 200);
  f.advance(16min);
  CHECK(browser.login("maria", kPassword).status == 200);
}

TEST_CASE("Failures spread over many names lock out the address", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  for (int i = 0; i < 8; ++i) {
    CHECK(browser.login("name" + std::to_string(i), "guess").status == 401);
  }
  CHECK(browser.login("maria", kPassword).status == 429);
}

TEST_CASE("A login sent as a form rather than JSON is refused (login CSRF)", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  CHECK(browser.login("maria", kPassword, "application/x-www-form-urlencoded").status == 415);
  CHECK(browser.login("maria", kPassword, "text/plain").status == 415);
}

TEST_CASE("A POST without the session's CSRF token, or with a wrong one, is refused",
          "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  REQUIRE(browser.login("maria", kPassword).status == 200);
  CHECK(browser.post("/api/logout", "").status == 403);
  CHECK(browser.post("/api/logout", std::string(64, '0')).status == 403);
  // Another session's token does not work either.
  StaffBrowser other(f);
  REQUIRE(other.login("maria", kPassword).status == 200);
  CHECK(browser.post("/api/logout", other.csrf_token()).status == 403);
  CHECK(audited(f, "post", "/api/logout", "csrf-refused"));
  // Nothing changed: still logged in; the right token logs out.
  CHECK(browser.get("/api/session").status == 200);
  CHECK(browser.post("/api/logout", browser.csrf_token()).status == 200);
  CHECK(browser.get("/api/session").status == 401);
  CHECK(other.get("/api/session").status == 200);
}

TEST_CASE("A POST from another site's page is refused even with the right token", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  REQUIRE(browser.login("maria", kPassword).status == 200);
  const std::string origin = "https://127.0.0.1:" + std::to_string(f.listener->port());
  CHECK(browser.post("/api/logout", browser.csrf_token(), "https://evil.example").status == 403);
  CHECK(browser.get("/api/session").status == 200);
  CHECK(audited(f, "post", "/api/logout", "foreign-origin"));
  CHECK(browser.post("/api/logout", browser.csrf_token(), origin).status == 200);
}

TEST_CASE("Logging in again replaces the session the browser had", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  REQUIRE(browser.login("maria", kPassword).status == 200);
  const std::string first = browser.cookie();
  REQUIRE(browser.login("maria", kPassword).status == 200);
  CHECK(browser.cookie() != first);
  StaffBrowser replay(f);
  replay.set_cookie(first);
  CHECK(replay.get("/api/session").status == 401);
}

TEST_CASE("A session expires when idle and at the end of its lifetime", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  REQUIRE(browser.login("maria", kPassword).status == 200);
  f.advance(29min);
  CHECK(browser.get("/api/session").status == 200);  // and that use restarts the idle time
  f.advance(29min);
  CHECK(browser.get("/api/session").status == 200);
  f.advance(30min);
  CHECK(browser.get("/api/session").status == 401);
  CHECK(browser.get("/").status == 303);

  REQUIRE(browser.login("maria", kPassword).status == 200);
  int first_refused = 0;
  for (int i = 1; i <= 40 && first_refused == 0; ++i) {
    f.advance(20min);  // used every 20 minutes: never idle, but 12 hours is the limit
    if (browser.get("/api/session").status != 200) first_refused = i;
  }
  CHECK(first_refused == 36);  // 36 x 20 min = 12 h
}

TEST_CASE("Without a session every page redirects to the login page and every API is 401",
          "[dashboard]") {
  DashboardFixture f;
  StaffBrowser browser(f);
  for (const std::string page : {"/", "/members/1"}) {
    const auto reply = browser.get(page);
    CHECK(reply.status == 303);
    CHECK(reply.header("location") == "/login");
  }
  for (const std::string api : {"/api/session", "/api/stores/S1/regulars",
                                "/api/stores/S1/regulars.csv", "/api/members/1"}) {
    CHECK(browser.get(api).status == 401);
  }
  browser.set_cookie("__Host-rapport-session=" + std::string(64, 'f'));  // a made-up session
  CHECK(browser.get("/api/stores/S1/regulars").status == 401);
  CHECK(browser.get("/login").status == 200);
  CHECK(browser.get("/assets/app.js").status == 200);
}

TEST_CASE("A manager of S1 cannot read an S2 member who never came to S1, by page or API",
          "[dashboard]") {
  DashboardFixture f;
  f.save_values();
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const std::string cy = std::to_string(f.cy);
  CHECK(maria.get("/api/members/" + cy).status == 403);
  const auto page = maria.get("/members/" + cy);
  CHECK(page.status == 403);
  CHECK(page.body.find("Cy Young") == std::string::npos);
  CHECK(maria.get("/api/stores/S2/regulars").status == 403);
  CHECK(maria.get("/api/stores/S2/regulars.csv").status == 403);
  CHECK(maria.get("/api/stores/S2/visitors").status == 403);
  // An id nobody has is refused the same way, so ids cannot be probed.
  CHECK(maria.get("/api/members/999999").status == 403);
  CHECK(audited(f, "read-member", "member:" + cy, "denied"));
  CHECK(audited(f, "read-regulars", "store:S2", "denied"));
  // Her own member is readable in full.
  const auto ada = json_of(maria.get("/api/members/" + std::to_string(f.ada)));
  CHECK(ada.at("scope").as_string() == "full");
  CHECK(ada.at("tier").as_string() == "MVC");
}

TEST_CASE("A manager of S1 sees an S2 member's visits to S1 and nothing more", "[dashboard]") {
  DashboardFixture f;
  f.save_values();
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const auto bob = json_of(maria.get("/api/members/" + std::to_string(f.bob)));
  CHECK(bob.at("scope").as_string() == "visits");
  CHECK(bob.as_object().if_contains("tier") == nullptr);
  CHECK(bob.as_object().if_contains("total_value_cents") == nullptr);
  const auto& visits = bob.at("visits_at_your_stores").as_array();
  REQUIRE(visits.size() == 1);  // S1 only: his S2 visit is not hers to see
  CHECK(visits[0].at("store").as_string() == "S1");
  CHECK(visits[0].at("visits").as_int64() == 2);
  const auto page = maria.get("/members/" + std::to_string(f.bob));
  CHECK(page.status == 200);
  CHECK(page.body.find("Bob Kahn") != std::string::npos);
  CHECK(page.body.find("MGC") == std::string::npos);
  const auto visitors = json_of(maria.get("/api/stores/S1/visitors"));
  const auto& rows = visitors.at("rows").as_array();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("member_id").as_int64() == f.bob);
  CHECK(rows[0].at("visits_here").as_int64() == 2);
  // Bob's own manager sees him in full.
  StaffBrowser sam(f);
  REQUIRE(sam.login("sam", kPassword).status == 200);
  CHECK(json_of(sam.get("/api/members/" + std::to_string(f.bob))).at("scope").as_string() ==
        "full");
}

TEST_CASE("Reads of a member's page and API are recorded in the audit log", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  REQUIRE(maria.get("/members/" + std::to_string(f.ada)).status == 200);
  REQUIRE(maria.get("/api/members/" + std::to_string(f.bob)).status == 200);
  const auto log = f.staff->list_audit(100).value();
  REQUIRE(log.size() >= 3);
  CHECK(log[0].action == "read-member");
  CHECK(log[0].object == "member:" + std::to_string(f.bob));
  CHECK(log[0].outcome == "ok-visits-only");
  CHECK(log[0].user_name == "maria");
  CHECK(log[0].remote == "127.0.0.1");
  CHECK(log[1].object == "member:" + std::to_string(f.ada));
  CHECK(log[1].outcome == "ok");
  CHECK(log[2].action == "login");
}

TEST_CASE("The regulars are ranked by value, with a true empty state before the first refresh",
          "[dashboard]") {
  DashboardFixture f;
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  auto before = json_of(maria.get("/api/stores/S1/regulars"));
  CHECK_FALSE(before.at("values_computed").as_bool());
  CHECK(before.at("rows").at(0).at("tier").is_null());
  CHECK(before.at("owner_candidates").as_array().size() == 2);  // carl and maria, S1's staff
  // Offers are not a column of the regulars (the overview has the store's offers).
  CHECK_FALSE(before.as_object().contains("offers"));

  f.save_values();
  const auto after = json_of(maria.get("/api/stores/S1/regulars"));
  CHECK(after.at("values_computed").as_bool());
  const auto& rows = after.at("rows").as_array();
  // S1's home members only (ada, dee), most valuable first; dee has no snapshot: last.
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("member_id").as_int64() == f.ada);
  CHECK(rows[0].at("total_value_cents").as_int64() == 90'000);
  CHECK(rows[0].at("p_alive").as_double() == Approx(0.9));
  CHECK(rows[0].at("visits").as_int64() == 3);
  CHECK(rows[1].at("member_id").as_int64() == f.dee);
  CHECK(rows[1].at("tier").is_null());

  const auto csv = maria.get("/api/stores/S1/regulars.csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.header("content-type").rfind("text/csv", 0) == 0);
  CHECK(csv.header("content-disposition").find("regulars-S1.csv") != std::string::npos);
  CHECK(csv.body.rfind("rank,member_id,name,tier,total_value,p_alive", 0) == 0);
  CHECK(csv.body.find("1," + std::to_string(f.ada) + ",Ada Lovelace,MVC,900.00,0.900,3,") !=
        std::string::npos);
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 3);  // header + 2 rows
  CHECK(audited(f, "export-regulars", "store:S1", "ok"));
}

TEST_CASE("Head office reads every store and a cashier gets no dashboard", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser hq(f);
  REQUIRE(hq.login("hq", kPassword).status == 200);
  CHECK(json_of(hq.get("/api/session")).at("stores").as_array().size() == 2);
  CHECK(hq.get("/api/stores/S2/regulars").status == 200);
  CHECK(json_of(hq.get("/api/members/" + std::to_string(f.cy))).at("scope").as_string() == "full");
  StaffBrowser carl(f);
  CHECK(carl.login("carl", kPassword).status == 403);
  CHECK(carl.get("/api/stores/S1/regulars").status == 401);
}

TEST_CASE("A password kept at a lower cost is stored again at today's cost on login",
          "[dashboard]") {
  DashboardFixture f;
  f.add_user("old", server::StaffRole::kHeadOffice, {}, {10, 8, 1});
  StaffBrowser browser(f);
  REQUIRE(browser.login("old", kPassword).status == 200);
  const auto account = f.staff->find_user_by_name("old").value();
  REQUIRE(account);
  CHECK(account->password_hash.rfind("scrypt$ln=12,r=8,p=1$", 0) == 0);
  StaffBrowser again(f);
  CHECK(again.login("old", kPassword).status == 200);
}
