// tests/dashboard/dashboard_owners_test.cpp
//
// Relationship owners, follow-ups and a member's full page through the real listener
// (DashboardFixture): who may assign an owner or close a follow-up (checked on the server,
// CSRF on every POST, audited), the follow-up job's idempotence with a given "now", and the
// member page's sections and true empty states.

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

std::int64_t user_id(DashboardFixture& f, const std::string& name) {
  const auto account = f.staff->find_user_by_name(name).value();
  REQUIRE(account);
  return account->user.id;
}

// The test's own connection, for what only other parts of Rapport write (value snapshots'
// flags, a disabled account) and for reading back what the dashboard saved.
storage::Database raw(DashboardFixture& f) {
  return storage::Database::open(f.dir / "rapport.db", server::kSqliteMigrations).value();
}

std::string owner_of(DashboardFixture& f, std::int64_t member) {
  auto db = raw(f);
  auto stmt = db.prepare("SELECT u.name FROM relationship_owners o JOIN staff_users u "
                         "ON u.id = o.owner_id WHERE o.member_id = ?").value();
  stmt.bind(1, member);
  return stmt.step().value() ? stmt.column_text(0) : std::string();
}

boost::json::object regular(const boost::json::value& regulars, std::int64_t member) {
  for (const auto& r : regulars.at("rows").as_array()) {
    if (r.at("member_id").as_int64() == member) return r.as_object();
  }
  FAIL("member " << member << " is not among the regulars");
  return {};
}

std::string owner_target(std::int64_t member, std::int64_t owner) {
  return "/api/members/" + std::to_string(member) + "/owner?user=" + std::to_string(owner);
}

}  // namespace

TEST_CASE("A manager assigns and changes an owner: CSRF required, flag cleared, audited",
          "[dashboard]") {
  DashboardFixture f;
  f.save_values();
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const auto before = regular(json_of(maria.get("/api/stores/S1/regulars")), f.ada);
  CHECK(before.at("needs_owner").as_bool());  // MVC without an owner
  CHECK(before.at("owner").is_null());
  const auto carl = user_id(f, "carl");

  CHECK(maria.post(owner_target(f.ada, carl), "").status == 403);
  CHECK(maria.post(owner_target(f.ada, carl), "wrong").status == 403);
  CHECK(owner_of(f, f.ada).empty());

  REQUIRE(maria.post(owner_target(f.ada, carl), maria.csrf_token()).status == 200);
  CHECK(owner_of(f, f.ada) == "carl");
  const auto after = regular(json_of(maria.get("/api/stores/S1/regulars")), f.ada);
  CHECK(after.at("owner").as_string() == "carl");
  CHECK_FALSE(after.at("needs_owner").as_bool());
  CHECK(audited(f, "assign-owner", "member:" + std::to_string(f.ada) + " owner:carl", "ok"));

  REQUIRE(maria.post(owner_target(f.ada, user_id(f, "maria")), maria.csrf_token()).status == 200);
  CHECK(owner_of(f, f.ada) == "maria");
  const auto csv = maria.get("/api/stores/S1/regulars.csv").body;
  CHECK(csv.find(",champions,maria\r\n") != std::string::npos);
}

TEST_CASE("Owners: other stores, head office, foreign owners and unknown ids are refused",
          "[dashboard]") {
  DashboardFixture f;
  f.save_values();
  StaffBrowser maria(f), sam(f), hq(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  REQUIRE(sam.login("sam", kPassword).status == 200);
  REQUIRE(hq.login("hq", kPassword).status == 200);
  const auto carl = user_id(f, "carl");
  // sam manages S2: ada (S1) is not his to change, nor is bob's owner maria's.
  CHECK(sam.post(owner_target(f.ada, user_id(f, "sam")), sam.csrf_token()).status == 403);
  CHECK(maria.post(owner_target(f.bob, carl), maria.csrf_token()).status == 403);
  CHECK(audited(f, "assign-owner", "member:" + std::to_string(f.bob), "denied"));
  // Head office reads only.
  CHECK(hq.post(owner_target(f.ada, carl), hq.csrf_token()).status == 403);
  // The owner must be staff of the member's home store, and exist.
  CHECK(maria.post(owner_target(f.ada, user_id(f, "sam")), maria.csrf_token()).status == 422);
  CHECK(maria.post(owner_target(f.ada, user_id(f, "hq")), maria.csrf_token()).status == 422);
  CHECK(maria.post(owner_target(f.ada, 9999), maria.csrf_token()).status == 422);
  CHECK(maria.post("/api/members/9999/owner?user=" + std::to_string(carl), maria.csrf_token())
            .status == 403);
  CHECK(owner_of(f, f.ada).empty());
  CHECK(owner_of(f, f.bob).empty());
}

TEST_CASE("The follow-up job opens one follow-up per cause, shown until someone closes it",
          "[dashboard]") {
  DashboardFixture f;
  f.save_values();
  {
    auto db = raw(f);
    // The latest refresh (the day before) says ada (MVC), bob (MGC) and cy (LMC) slip.
    REQUIRE(db.execute("UPDATE value_snapshots SET at_risk = 1, "
                       "computed_at = '2026-11-25T03:00:00.000Z'"));
  }
  const std::string now = "2026-11-26T08:00:00.000Z";
  CHECK(f.staff->raise_follow_ups(now).value() == 2);  // ada and bob: cy is not valuable
  CHECK(f.staff->raise_follow_ups(now).value() == 0);  // idempotent
  CHECK(f.staff->raise_follow_ups("2026-11-26T09:00:00.000Z").value() == 0);
  auto open = f.staff->open_follow_ups("S1").value();
  REQUIRE(open.size() == 1);
  CHECK(open[0].member_id == f.ada);
  CHECK(open[0].reason == "valuable-slipping");
  CHECK(open[0].due_at == "2026-12-03T08:00:00.000Z");
  const auto s2 = f.staff->open_follow_ups("S2").value();
  REQUIRE(s2.size() == 1);
  CHECK(s2[0].member_id == f.bob);

  // carl owns ada, then leaves: his account is disabled, so ada needs someone again.
  StaffBrowser maria(f), sam(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  REQUIRE(sam.login("sam", kPassword).status == 200);
  REQUIRE(maria.post(owner_target(f.ada, user_id(f, "carl")), maria.csrf_token()).status == 200);
  const auto mine = json_of(maria.get("/api/stores/S1/follow-ups"));
  CHECK(mine.at("rows").at(0).at("owner").as_string() == "carl");
  CHECK_FALSE(mine.at("rows").at(0).at("mine").as_bool());
  {
    auto db = raw(f);
    REQUIRE(db.execute("UPDATE staff_users SET disabled_at = '2026-11-26T10:00:00.000Z' "
                       "WHERE name = 'carl'"));
  }
  CHECK(f.staff->raise_follow_ups("2026-11-26T11:00:00.000Z").value() == 1);
  CHECK(f.staff->raise_follow_ups("2026-11-26T12:00:00.000Z").value() == 0);
  CHECK(regular(json_of(maria.get("/api/stores/S1/regulars")), f.ada).at("needs_owner").as_bool());

  const auto listed = json_of(maria.get("/api/stores/S1/follow-ups")).at("rows").as_array();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].at("reason").as_string() == "owner-lapsed");  // due in 3 days: first
  CHECK(listed[0].at("due_at").as_string() == "2026-11-29T11:00:00.000Z");
  CHECK(sam.get("/api/stores/S1/follow-ups").status == 403);
  CHECK(audited(f, "read-follow-ups", "store:S1", "denied"));

  const std::string close = "/api/follow-ups/" + std::to_string(listed[1].at("id").as_int64()) +
                            "/close";
  CHECK(sam.post(close, sam.csrf_token()).status == 403);
  CHECK(maria.post(close, "").status == 403);
  CHECK(maria.post(close, maria.csrf_token()).status == 200);
  CHECK(maria.post(close, maria.csrf_token()).status == 409);
  CHECK(audited(f, "close-follow-up",
                "follow-up:" + std::to_string(listed[1].at("id").as_int64()), "ok"));
  CHECK(json_of(maria.get("/api/stores/S1/follow-ups")).at("rows").as_array().size() == 1);
  // Closed after the refresh that raised it: not raised again until a newer refresh says so.
  CHECK(f.staff->raise_follow_ups("2026-11-26T13:00:00.000Z").value() == 0);
  {
    auto db = raw(f);
    REQUIRE(db.execute("UPDATE value_snapshots SET computed_at = '2026-11-27T03:00:00.000Z' "
                       "WHERE member_id = " + std::to_string(f.ada)));
  }
  CHECK(f.staff->raise_follow_ups("2026-11-27T08:00:00.000Z").value() == 1);  // bob's is open
}

TEST_CASE("A member's page shows history, value and how it was computed, and true empty states",
          "[dashboard]") {
  DashboardFixture f;
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const auto before = maria.get("/members/" + std::to_string(f.ada));
  REQUIRE(before.status == 200);
  CHECK(before.body.find("Not computed yet: run <code>rapportctl value refresh") !=
        std::string::npos);
  f.save_values();
  const auto page = maria.get("/members/" + std::to_string(f.ada));
  REQUIRE(page.status == 200);
  const auto count = [&](const std::string& text) {
    std::size_t n = 0;
    for (auto at = page.body.find(text); at != std::string::npos; at = page.body.find(text, at + 1)) {
      ++n;
    }
    return n;
  };
  CHECK(count("<td>visit</td>") == 3);  // ada's three visits, from the events table
  CHECK(count("<dd id=\"member-total\">900.00</dd>") == 1);
  CHECK(count("<dt>Model</dt><dd>none (no purchases yet)</dd>") == 1);
  CHECK(count("Nobody owns this relationship yet.") == 1);
  CHECK(count("No notes yet.") == 1);
  CHECK(count("No points earned or spent yet.") == 1);
  CHECK(count("No offers shown yet.") == 1);
  CHECK(audited(f, "read-member", "member:" + std::to_string(f.ada), "ok"));
  const auto api = json_of(maria.get("/api/members/" + std::to_string(f.ada)));
  CHECK(api.at("owner").is_null());
  CHECK(api.at("points_balance").as_int64() == 0);
  CHECK(api.at("offers").as_array().empty());
  // Offers shown, held out and redeemed at the counter (offer_events) appear, newest first.
  {
    auto db = raw(f);
    REQUIRE(db.execute("INSERT INTO offer_events(member_id, offer_id, outcome, at, store_id) VALUES "
                       "(" + std::to_string(f.ada) + ", 'free-pastry', 'shown', "
                       "'2026-11-20T10:00:00.000Z', 'S1'), (" + std::to_string(f.ada) +
                       ", 'free-pastry', 'accepted', '2026-11-20T10:01:00.000Z', 'S1'), (" +
                       std::to_string(f.ada) + ", 'double-points', 'held_out', "
                       "'2026-11-21T09:00:00.000Z', NULL)"));
  }
  const auto with_offers = maria.get("/members/" + std::to_string(f.ada));
  REQUIRE(with_offers.status == 200);
  CHECK(with_offers.body.find("No offers shown yet.") == std::string::npos);
  CHECK(with_offers.body.find("<td>free-pastry</td><td>redeemed</td><td>S1</td>") != std::string::npos);
  CHECK(with_offers.body.find("<td>double-points</td><td>held out (control group: not shown)</td>") !=
        std::string::npos);
  const auto offers = json_of(maria.get("/api/members/" + std::to_string(f.ada))).at("offers").as_array();
  REQUIRE(offers.size() == 3);
  CHECK(offers.at(0).at("offer_id").as_string() == "double-points");  // newest first
  CHECK(offers.at(0).at("store_id").is_null());
  CHECK(offers.at(1).at("outcome").as_string() == "accepted");
  // A visitor from another store: visits only, none of the full page's sections.
  const auto visitor = maria.get("/members/" + std::to_string(f.bob));
  REQUIRE(visitor.status == 200);
  CHECK(visitor.body.find("member-history") == std::string::npos);
  CHECK(visitor.body.find("member-value-how") == std::string::npos);
}
