// tests/unit/cashier_screen_test.cpp
//
// The cashier screen's parts on a real SQLite file and real scrypt: PINs stored hashed and
// checked, the handler's sign-in rules (wrong PIN, lockout, the header a foreign page cannot
// send, no stream without a session), the event stream numbering, and the scan JSON.

#include <boost/json/parse.hpp>

#include "shared/util/clock.h"
#include "terminal/local_database.h"
#include "terminal/screen/scan_view.h"
#include "terminal/screen/screen_handler.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace rapport::terminal;

namespace {

net::HttpRequest post_login(const std::string& name, const std::string& pin) {
  net::HttpRequest r;
  r.method = "POST";
  r.target = "/api/login";
  r.body = R"({"name":")" + name + R"(","pin":")" + pin + R"("})";
  r.headers.push_back({"x-rapport-screen", "1"});
  return r;
}

net::HttpRequest get(const std::string& target, const std::string& cookie = {}) {
  net::HttpRequest r;
  r.method = "GET";
  r.target = target;
  if (!cookie.empty()) r.headers.push_back({"cookie", cookie});
  return r;
}

std::string set_cookie(const net::HttpResponse& response) {
  for (const auto& h : response.headers) {
    if (h.name == "Set-Cookie") return h.value.substr(0, h.value.find(';'));
  }
  return {};
}

}  // namespace

TEST_CASE("cashier PINs are stored as scrypt hashes and checked", "[screen]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  const auto now = std::chrono::system_clock::now();
  const auto ana = staff.set_pin("ana", "4821", now).value();
  CHECK(ana.id > 0);
  CHECK(staff.verify("ana", "4821").value()->id == ana.id);
  CHECK_FALSE(staff.verify("ana", "4822").value());
  CHECK_FALSE(staff.verify("bob", "4821").value());
  // A new PIN replaces the old one for the same cashier.
  CHECK(staff.set_pin("ana", "9999", now).value().id == ana.id);
  CHECK_FALSE(staff.verify("ana", "4821").value());
  CHECK(staff.verify("ana", "9999").value());

  CHECK(is_valid_pin("0000"));
  CHECK_FALSE(is_valid_pin("123"));
  CHECK_FALSE(is_valid_pin("12a4"));
  CHECK_FALSE(is_valid_pin("1234567890123"));
  CHECK_FALSE(is_valid_staff_name(""));
  CHECK_FALSE(is_valid_staff_name("a\nb"));
}

TEST_CASE("the screen signs cashiers in with a PIN and streams scans to them", "[screen]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  REQUIRE(staff.set_pin("ana", "4821", std::chrono::system_clock::now()));
  ScreenBoard board;
  ScreenHandler handler(board, staff, [] { return ScreenStatus{false, 7}; });

  const auto page = handler.handle(get("/"));
  CHECK(page.status == 200);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(handler.handle(get("/app.js")).status == 200);
  CHECK(handler.handle(get("/nothing.js")).status == 404);
  CHECK(handler.handle(get("/events")).status == 401);
  CHECK(handler.handle(get("/api/session")).status == 401);

  auto no_header = post_login("ana", "4821");
  no_header.headers.clear();
  CHECK(handler.handle(no_header).status == 403);
  CHECK(handler.handle(post_login("ana", "0000")).status == 401);
  CHECK_FALSE(board.cashier());

  const auto signed_in = handler.handle(post_login("ana", "4821"));
  REQUIRE(signed_in.status == 200);
  const auto cookie = set_cookie(signed_in);
  REQUIRE(cookie.starts_with("rapport_screen="));
  REQUIRE(board.cashier());
  CHECK(board.cashier()->name == "ana");
  CHECK(handler.handle(get("/api/session", cookie)).status == 200);
  CHECK(handler.handle(get("/events", "rapport_screen=" + std::string(64, 'a'))).status == 401);

  // A fresh page starts from now: no scan, the status with the latest id.
  auto stream = handler.handle(get("/events", "other=1; " + cookie));
  CHECK(stream.content_type == "text/event-stream");
  CHECK(stream.body.find("event: scan") == std::string::npos);
  CHECK(stream.body.find("\"pending\":7") != std::string::npos);
  CHECK(stream.body.find("\"online\":false") != std::string::npos);
  CHECK(stream.body.find("id: 0\n") != std::string::npos);

  board.publish(R"({"outcome":"member"})");
  auto after = get("/events", cookie);
  after.headers.push_back({"last-event-id", "0"});
  stream = handler.handle(after);
  CHECK(stream.body.find("event: scan\ndata: {\"outcome\":\"member\"}\n\n") != std::string::npos);
  CHECK(stream.body.find("id: 1\n") != std::string::npos);
  after.headers.back().value = "1";  // seen: not sent again
  CHECK(handler.handle(after).body.find("event: scan") == std::string::npos);

  const auto logout = [&] {
    auto r = post_login("", "");
    r.target = "/api/logout";
    r.headers.push_back({"cookie", cookie});
    return r;
  }();
  CHECK(handler.handle(logout).status == 200);
  CHECK_FALSE(board.cashier());
  CHECK(handler.handle(get("/events", cookie)).status == 401);
}

TEST_CASE("five wrong PINs lock a name for a minute", "[screen]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  REQUIRE(staff.set_pin("ana", "4821", std::chrono::system_clock::now()));
  ScreenBoard board;
  ScreenHandler handler(board, staff, [] { return ScreenStatus{}; });
  for (int i = 0; i < 5; ++i) CHECK(handler.handle(post_login("ana", "1111")).status == 401);
  CHECK(handler.handle(post_login("ana", "4821")).status == 429);
  CHECK_FALSE(board.cashier());
  CHECK(handler.handle(post_login("ana", "not json")).status == 429);
  CHECK(handler.handle(get("/", "")).status == 200);
}

TEST_CASE("the screen's cookie reader finds one cookie among others", "[screen]") {
  CHECK(screen_cookie_value("a=1; rapport_screen=xyz; b=2", "rapport_screen") == "xyz");
  CHECK(screen_cookie_value("rapport_screenx=1", "rapport_screen").empty());
  CHECK(screen_cookie_value("", "rapport_screen").empty());
  CHECK(screen_cookie_value("rapport_screen=", "rapport_screen").empty());
}

TEST_CASE("a scan becomes the page's JSON with true empty states", "[screen]") {
  const auto now = std::chrono::system_clock::now();
  ScanResult result;
  result.outcome = ScanOutcome::kMember;
  result.message = "welcome back";
  result.event_id = "e1";
  result.visit_number = 4;
  result.last_visit = to_iso8601(now - std::chrono::hours(24 * 21));
  domain::Member member;
  member.name = "Ada <b>";
  member.value_tier = "MVC";
  member.at_risk = true;
  member.rhythm_days = 6.6;
  member.reward_tier = "Silver";
  member.points_balance = 120;
  result.holder = CardHolder{member, domain::Card{"tok", "7894", domain::CardStatus::kActive}};
  const auto json = boost::json::parse(scan_json(result, now)).as_object();
  CHECK(json.at("outcome").as_string() == "member");
  CHECK(json.at("name").as_string() == "Ada <b>");  // escaped by the page (textContent)
  CHECK(json.at("visit_number").as_int64() == 4);
  CHECK(json.at("last_visit_ago").as_string() == "3 weeks ago");
  CHECK(json.at("reward_tier").as_string() == "Silver");
  CHECK(json.at("points_balance").as_int64() == 120);
  CHECK(json.at("staff_hint").as_string() ==
        "Value tier MVC - at risk (usually every 7 days): make them feel welcome");
  CHECK(json.at("offers").as_array().empty());
  CHECK(json.at("notes").as_array().empty());

  ScanResult unknown;
  unknown.outcome = ScanOutcome::kUnknownCard;
  unknown.message = "unknown card ending 1902 - visit recorded; offer to enroll the customer";
  const auto u = boost::json::parse(scan_json(unknown, now)).as_object();
  CHECK(u.at("headline").as_string() == "Unknown card");
  CHECK_FALSE(u.contains("name"));
}
