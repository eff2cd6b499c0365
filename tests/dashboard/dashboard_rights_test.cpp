// tests/dashboard/dashboard_rights_test.cpp
//
// Members' rights from the dashboard through the real listener (DashboardFixture): head
// office downloads a member's data as the same JSON as `rapportctl member export` (the same
// MemberRightsStore), checked against the database, and erases a member behind the typed
// confirmation and the CSRF token through the same erase path as the CLI; both are audited.
// A store manager gets no buttons and 403 on both endpoints, and nothing is erased.

#include <boost/json/parse.hpp>

#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"
#include "tests/dashboard/dashboard_fixture.h"
#include "tests/support/catch_result.h"

using namespace rapport;
using rapport::testing::DashboardFixture;
using rapport::testing::kPassword;
using rapport::testing::StaffBrowser;
using rapport::testing::audited;
using rapport::testing::json_of;

namespace {

std::int64_t count(DashboardFixture& f, const std::string& sql, std::int64_t id) {
  auto db = storage::Database::open(f.dir / "rapport.db", server::kSqliteMigrations).value();
  auto stmt = db.prepare(sql).value();
  stmt.bind(1, id);
  REQUIRE(stmt.step().value());
  return stmt.column_is_null(0) ? -1 : stmt.column_int64(0);
}

std::string text(DashboardFixture& f, const std::string& sql, std::int64_t id) {
  auto db = storage::Database::open(f.dir / "rapport.db", server::kSqliteMigrations).value();
  auto stmt = db.prepare(sql).value();
  stmt.bind(1, id);
  REQUIRE(stmt.step().value());
  return stmt.column_is_null(0) ? std::string("(null)") : stmt.column_text(0);
}

std::string erase_target(std::int64_t id, const std::string& confirm, const std::string& reason) {
  return "/api/members/" + std::to_string(id) + "/erase?confirm=" + confirm + "&reason=" + reason;
}

}  // namespace

TEST_CASE("Head office exports a member's data as the CLI does, checked against the database",
          "[dashboard][rights]") {
  DashboardFixture f;
  StaffBrowser hq(f);
  REQUIRE(hq.login("hq", kPassword).status == 200);
  const std::string id = std::to_string(f.bob);

  const auto page = hq.get("/members/" + id);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("id=\"export-link\"") != std::string::npos);
  CHECK(page.body.find("href=\"/api/members/" + id + "/export.json\"") != std::string::npos);
  CHECK(page.body.find("id=\"erase-form\"") != std::string::npos);

  const auto reply = hq.get("/api/members/" + id + "/export.json");
  REQUIRE(reply.status == 200);
  CHECK(reply.header("content-disposition").find("member-" + id + ".json") != std::string::npos);
  // The same JSON as `rapportctl member export` prints (the same store call, then a newline).
  CHECK(reply.body == f.rights->export_member(f.bob).value().value() + "\n");
  // And it says what the database holds.
  const auto json = boost::json::parse(reply.body).as_object();
  CHECK(json.at("format").as_string() == "rapport-member-export-1");
  const auto& member = json.at("member").as_object();
  CHECK(member.at("id").as_int64() == f.bob);
  CHECK(std::string(member.at("name").as_string()) ==
        text(f, "SELECT name FROM members WHERE id = ?1", f.bob));
  CHECK(std::string(member.at("home_store").as_string()) ==
        text(f, "SELECT home_store FROM members WHERE id = ?1", f.bob));
  CHECK(static_cast<std::int64_t>(json.at("cards").as_array().size()) ==
        count(f, "SELECT count(*) FROM cards WHERE member_id = ?1", f.bob));
  CHECK(static_cast<std::int64_t>(json.at("events").as_array().size()) ==
        count(f, "SELECT count(*) FROM events WHERE member_id = ?1", f.bob));
  CHECK(count(f, "SELECT count(*) FROM events WHERE member_id = ?1", f.bob) == 3);
  CHECK(audited(f, "export-member", "member:" + id, "ok"));

  CHECK(hq.get("/api/members/999999/export.json").status == 404);
}

TEST_CASE("Head office erases a member after typing the id again, through the CLI's erase path",
          "[dashboard][rights]") {
  DashboardFixture f;
  StaffBrowser hq(f);
  REQUIRE(hq.login("hq", kPassword).status == 200);
  const std::string id = std::to_string(f.ada);
  const std::string good = erase_target(f.ada, id, "customer%20request%202026-11-26");

  CHECK(hq.post(good, "").status == 403);  // no CSRF token
  CHECK(hq.post(erase_target(f.ada, std::to_string(f.bob), "request"), hq.csrf_token()).status ==
        400);  // the id typed again is another member's
  CHECK(hq.post("/api/members/" + id + "/erase?reason=request", hq.csrf_token()).status == 400);
  CHECK(hq.post("/api/members/" + id + "/erase?confirm=" + id, hq.csrf_token()).status == 400);
  CHECK(text(f, "SELECT name FROM members WHERE id = ?1", f.ada) == "Ada Lovelace");
  CHECK(count(f, "SELECT count(*) FROM erasures WHERE member_id = ?1", f.ada) == 0);

  const auto reply = hq.post(good, hq.csrf_token());
  REQUIRE(reply.status == 200);
  const auto body = json_of(reply);
  CHECK_FALSE(body.at("already_erased").as_bool());
  CHECK(body.at("cards_removed").as_int64() == 1);
  // What `rapportctl member erase` leaves: name gone, cards gone, the erasure recorded with
  // who and why, the member's events kept under the id.
  CHECK(text(f, "SELECT name FROM members WHERE id = ?1", f.ada).empty());
  CHECK(text(f, "SELECT erased_at FROM members WHERE id = ?1", f.ada) != "(null)");
  CHECK(count(f, "SELECT count(*) FROM cards WHERE member_id = ?1", f.ada) == 0);
  CHECK(text(f, "SELECT staff || '|' || reason FROM erasures WHERE member_id = ?1", f.ada) ==
        "hq|customer request 2026-11-26");
  CHECK(count(f, "SELECT count(*) FROM events WHERE member_id = ?1", f.ada) == 3);
  CHECK(audited(f, "erase-member", "member:" + id, "ok"));

  // Again: nothing more to remove, the file rewritten again.
  const auto again = hq.post(good, hq.csrf_token());
  REQUIRE(again.status == 200);
  CHECK(json_of(again).at("already_erased").as_bool());
  CHECK(count(f, "SELECT count(*) FROM erasures WHERE member_id = ?1", f.ada) == 1);
}

TEST_CASE("A store manager gets no rights buttons and 403 on export and erase, audited",
          "[dashboard][rights]") {
  DashboardFixture f;
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const std::string id = std::to_string(f.ada);  // one of maria's own members
  const auto page = maria.get("/members/" + id);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("export-link") == std::string::npos);
  CHECK(page.body.find("erase-form") == std::string::npos);
  CHECK(page.body.find("rights.js") == std::string::npos);

  CHECK(maria.get("/api/members/" + id + "/export.json").status == 403);
  CHECK(maria.post(erase_target(f.ada, id, "request"), maria.csrf_token()).status == 403);
  CHECK(audited(f, "export-member", "member:" + id, "denied"));
  CHECK(audited(f, "erase-member", "member:" + id, "denied"));
  CHECK(text(f, "SELECT name FROM members WHERE id = ?1", f.ada) == "Ada Lovelace");
  CHECK(count(f, "SELECT count(*) FROM erasures WHERE member_id = ?1", f.ada) == 0);
}
