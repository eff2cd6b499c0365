// tests/dashboard/dashboard_merge_test.cpp
//
// Merging two memberships of the same person through the real listener (DashboardFixture):
// who may merge (role, store scope of both members, CSRF), that history, cards and notes
// move, that points move by one ledger transfer posting (the chain's total unchanged), the
// audit line, the merged-into mark, and that terminals are sent both members' changes.

#include "server/dashboard/views.h"
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

storage::Database raw(DashboardFixture& f) {
  return storage::Database::open(f.dir / "rapport.db", server::kSqliteMigrations).value();
}

std::int64_t count(DashboardFixture& f, const std::string& sql, std::int64_t id) {
  auto db = raw(f);
  auto stmt = db.prepare(sql).value();
  stmt.bind(1, id);
  REQUIRE(stmt.step().value());
  return stmt.column_int64(0);
}

std::string merge_target(std::int64_t keep, std::int64_t merge) {
  return "/api/members/" + std::to_string(keep) + "/merge?from=" + std::to_string(merge);
}

void give_points(DashboardFixture& f, std::int64_t member, std::int64_t points) {
  const server::PointsAdjustment a{member, points, "goodwill", "test",
                                   "test:" + std::to_string(member)};
  REQUIRE(f.store->adjust_points(std::span(&a, 1)));
}

}  // namespace

TEST_CASE("A manager merges two of their members: history, cards and points move, audited",
          "[dashboard]") {
  DashboardFixture f;
  give_points(f, f.ada, 120);
  give_points(f, f.dee, 75);
  {
    // Dee visited once and told the counter something.
    domain::Event e;
    e.id = "merge-test-visit";
    e.card_token = std::string(64, 'd');
    e.occurred_at = "2026-11-20T10:00:00.000Z";
    e.terminal_id = "T1";
    e.store_id = "S1";
    REQUIRE(f.store->record_events(std::vector<domain::Event>{e}).value() == 1);
  }
  const std::int64_t ada_visits = count(f, "SELECT count(*) FROM events WHERE member_id = ? "
                                           "AND kind = 'visit'", f.ada);
  const std::int64_t total_points = count(f, "SELECT coalesce(sum(points), 0) + 0 * ? FROM "
                                             "points_entries WHERE account = 'member'", 0);
  const std::int64_t sequence_before =
      count(f, "SELECT max(changed_seq) + 0 * ? FROM members", 0);

  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  CHECK(maria.post(merge_target(f.ada, f.dee), "").status == 403);  // no CSRF token
  CHECK(count(f, "SELECT count(*) FROM cards WHERE member_id = ?", f.dee) == 1);

  const auto reply = maria.post(merge_target(f.ada, f.dee), maria.csrf_token());
  REQUIRE(reply.status == 200);
  const auto body = json_of(reply);
  CHECK(body.at("points_moved").as_int64() == 75);
  CHECK(body.at("cards_moved").as_int64() == 1);
  CHECK(body.at("events_moved").as_int64() == 1);

  CHECK(count(f, "SELECT count(*) FROM cards WHERE member_id = ?", f.ada) == 2);
  CHECK(count(f, "SELECT count(*) FROM events WHERE member_id = ?", f.dee) == 0);
  CHECK(count(f, "SELECT visit_count FROM members WHERE id = ?", f.ada) == ada_visits + 1);
  CHECK(count(f, "SELECT merged_into FROM members WHERE id = ?", f.dee) == f.ada);
  // Points moved by one transfer posting, balances are sums of entries, nothing created.
  CHECK(count(f, "SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_id = ?",
              f.ada) == 195);
  CHECK(count(f, "SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_id = ?",
              f.dee) == 0);
  CHECK(count(f, "SELECT count(*) FROM points_postings WHERE kind = 'transfer' AND "
                 "staff_user = 'maria' AND ? > 0", 1) == 1);
  CHECK(count(f, "SELECT coalesce(sum(points), 0) + 0 * ? FROM points_entries "
                 "WHERE account = 'member'", 0) == total_points);
  const std::string object = "member:" + std::to_string(f.ada) + " merged:" + std::to_string(f.dee);
  CHECK(audited(f, "merge-members", object, "ok"));

  // Terminals pull both: the survivor with both cards, the merged member with none.
  const auto changes =
      f.store->member_changes({"S1", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z"},
                              sequence_before, 0, 100).value();
  REQUIRE(changes.members.size() == 2);
  for (const auto& m : changes.members) {
    CHECK(m.cards.size() == (m.id == f.ada ? 2u : 0u));
  }

  // The merged member leaves the regulars; merging again, or into itself, is refused.
  const auto regulars = json_of(maria.get("/api/stores/S1/regulars"));
  for (const auto& r : regulars.at("rows").as_array()) {
    CHECK(r.at("member_id").as_int64() != f.dee);
  }
  CHECK(maria.post(merge_target(f.ada, f.dee), maria.csrf_token()).status == 409);
  CHECK(maria.post(merge_target(f.ada, f.ada), maria.csrf_token()).status == 409);
  CHECK(json_of(maria.get("/api/members/" + std::to_string(f.dee))).at("merged_into").as_int64() ==
        f.ada);
  const auto page = maria.get("/members/" + std::to_string(f.dee));
  CHECK(page.body.find("id=\"merged-into\"") != std::string::npos);
}

TEST_CASE("Merging is refused outside the caller's stores and to head office", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser sam(f);  // manager of S2 only
  REQUIRE(sam.login("sam", kPassword).status == 200);
  CHECK(sam.post(merge_target(f.ada, f.dee), sam.csrf_token()).status == 403);
  CHECK(sam.post(merge_target(f.bob, f.ada), sam.csrf_token()).status == 403);  // one of each
  CHECK(sam.post(merge_target(f.bob, 999'999), sam.csrf_token()).status == 403);  // unknown id
  CHECK(audited(f, "merge-members",
                "member:" + std::to_string(f.ada) + " merged:" + std::to_string(f.dee), "denied"));
  // The page of another store's member who never visited sam's stores stays refused.
  CHECK(sam.get("/members/" + std::to_string(f.dee)).status == 403);

  StaffBrowser hq(f);
  REQUIRE(hq.login("hq", kPassword).status == 200);
  CHECK(hq.post(merge_target(f.ada, f.dee), hq.csrf_token()).status == 403);
  CHECK(count(f, "SELECT count(*) FROM members WHERE merged_into IS NOT NULL AND ? > 0", 1) == 0);
  CHECK(count(f, "SELECT count(*) FROM cards WHERE member_id = ?", f.dee) == 1);
}

TEST_CASE("The charts' figures: by tier, visits per week, values, for the caller's stores only",
          "[dashboard]") {
  DashboardFixture f;
  f.save_values();
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const auto charts = json_of(maria.get("/api/stores/S1/charts"));
  const auto data = [&](const char* chart) {
    std::vector<std::int64_t> out;
    for (const auto& v : charts.at(chart).at("datasets").at(0).at("data").as_array()) {
      out.push_back(v.as_int64());
    }
    return out;
  };
  // S1's home members: ada (MVC) and dee (no snapshot).
  CHECK(data("tiers") == std::vector<std::int64_t>{1, 0, 0, 0});
  // S1's visits: ada on 1, 8 and 15 November, bob on 2 and 9; weeks end on the 15th.
  CHECK(data("visits_per_week") ==
        std::vector<std::int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2});
  CHECK(charts.at("visits_per_week").at("labels").at(11).as_string() == "2026-11-15");
  const auto values = data("value_distribution");
  CHECK(values.size() == 10);
  CHECK(values.back() == 1);  // ada, the largest value, is in the last bin

  StaffBrowser sam(f);
  REQUIRE(sam.login("sam", kPassword).status == 200);
  CHECK(sam.get("/api/stores/S1/charts").status == 403);
  CHECK(audited(f, "read-charts", "store:S1", "denied"));
}

TEST_CASE("A complaint noted at the counter raises one follow-up until a newer complaint",
          "[dashboard]") {
  DashboardFixture f;
  const auto complaint = [&](const std::string& id, const std::string& at) {
    domain::Event e;
    e.id = id;
    e.kind = domain::EventKind::kNote;
    e.card_token = std::string(64, 'a');
    e.occurred_at = at;
    e.terminal_id = "T1";
    e.store_id = "S1";
    e.payload = R"({"topic":"complaint","text":"the card was refused twice"})";
    REQUIRE(f.store->record_events(std::vector<domain::Event>{e}).value() == 1);
  };
  const std::string open_complaints =
      "SELECT count(*) FROM follow_ups WHERE reason = 'complaint' AND closed_at IS NULL AND "
      "member_id = ?";
  complaint("complaint-1", "2026-11-20T10:00:00.000Z");
  CHECK(f.staff->raise_follow_ups("2026-11-26T08:00:00.000Z").value() == 1);
  CHECK(f.staff->raise_follow_ups("2026-11-26T08:00:00.000Z").value() == 0);  // idempotent
  CHECK(count(f, open_complaints, f.ada) == 1);

  // It is shown to the store's manager; closing it does not bring it back...
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const auto rows = json_of(maria.get("/api/stores/S1/follow-ups")).at("rows").as_array();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("reason").as_string() == "complaint");
  REQUIRE(maria.post("/api/follow-ups/" + std::to_string(rows[0].at("id").as_int64()) + "/close",
                     maria.csrf_token()).status == 200);
  CHECK(f.staff->raise_follow_ups("2026-11-27T08:00:00.000Z").value() == 0);
  // ...until a newer complaint is noted.
  complaint("complaint-2", "2026-11-28T10:00:00.000Z");
  CHECK(f.staff->raise_follow_ups("2026-11-28T12:00:00.000Z").value() == 1);
  CHECK(count(f, open_complaints, f.ada) == 1);
}

TEST_CASE("This week: new members, birthdays and offers, with true empty states",
          "[dashboard]") {
  DashboardFixture f;  // its clock says 2026-11-26
  {
    auto db = raw(f);
    REQUIRE(db.execute("UPDATE members SET created_at = '2026-11-01T09:00:00.000Z', "
                       "birth_date = NULL"));
  }
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const auto empty = json_of(maria.get("/api/stores/S1/overview"));
  CHECK(empty.at("new_members").as_array().empty());
  CHECK(empty.at("birthdays").as_array().empty());
  CHECK(empty.at("offers").as_array().empty());

  {
    auto db = raw(f);
    const auto ada = std::to_string(f.ada);
    const auto dee = std::to_string(f.dee);
    REQUIRE(db.execute("UPDATE members SET created_at = '2026-11-24T09:00:00.000Z', "
                       "birth_date = '1990-12-01' WHERE id = " + ada));
    REQUIRE(db.execute("UPDATE members SET birth_date = '1985-12-20' WHERE id = " + dee));
    // cy joined this week too, but at S2.
    REQUIRE(db.execute("UPDATE members SET created_at = '2026-11-25T09:00:00.000Z', "
                       "birth_date = '1970-11-27' WHERE id = " + std::to_string(f.cy)));
    REQUIRE(db.execute("INSERT INTO offer_events(member_id, offer_id, outcome, at, store_id) "
                       "VALUES (" + ada + ", 'coffee', 'shown', '2026-11-20T10:00:00Z', 'S1'), (" +
                       ada + ", 'coffee', 'accepted', '2026-11-20T10:00:01Z', 'S1'), (" + dee +
                       ", 'coffee', 'shown', '2026-11-21T10:00:00Z', 'S1'), (" + ada +
                       ", 'cake', 'shown', '2026-09-01T10:00:00Z', 'S1')"));
  }
  const auto week = json_of(maria.get("/api/stores/S1/overview"));
  REQUIRE(week.at("new_members").as_array().size() == 1);
  CHECK(week.at("new_members").at(0).at("member_id").as_int64() == f.ada);
  REQUIRE(week.at("birthdays").as_array().size() == 1);  // dee's is 24 days away
  CHECK(week.at("birthdays").at(0).at("birthday").as_string() == "2026-12-01");
  REQUIRE(week.at("offers").as_array().size() == 1);  // the cake was shown in September
  CHECK(week.at("offers").at(0).at("shown").as_int64() == 2);
  CHECK(week.at("offers").at(0).at("accepted").as_int64() == 1);

  StaffBrowser sam(f);
  REQUIRE(sam.login("sam", kPassword).status == 200);
  CHECK(sam.get("/api/stores/S1/overview").status == 403);
  CHECK(audited(f, "read-overview", "store:S1", "denied"));
}

TEST_CASE("Every table's CSV export: one line per row, the caller's stores only", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const auto visitors = maria.get("/api/stores/S1/visitors.csv");
  REQUIRE(visitors.status == 200);
  CHECK(visitors.header("content-type").rfind("text/csv", 0) == 0);
  CHECK(visitors.body == "member_id,name,home_store,visits_here,last_visit_here\r\n" +
                             std::to_string(f.bob) + ",Bob Kahn,S2,2,2026-11-09T10:00:00.000Z\r\n");
  CHECK(audited(f, "export-visitors", "store:S1", "ok"));
  const auto follow_ups = maria.get("/api/stores/S1/follow-ups.csv");
  CHECK(follow_ups.body == "id,member_id,member,reason,detail,created_at,due_at,owner\r\n");
  for (const char* table : {"new-members", "birthdays", "offers"}) {
    CHECK(maria.get("/api/stores/S1/" + std::string(table) + ".csv").status == 200);
  }

  StaffBrowser sam(f);
  REQUIRE(sam.login("sam", kPassword).status == 200);
  for (const char* table : {"follow-ups", "visitors", "new-members", "birthdays", "offers"}) {
    CHECK(sam.get("/api/stores/S1/" + std::string(table) + ".csv").status == 403);
  }
  CHECK(audited(f, "export-offers", "store:S1", "denied"));
}

TEST_CASE("csv_table keeps numbers and guards formulas", "[dashboard]") {
  CHECK(server::csv_table({"a", "b"}, {{"-12.50", "=1+1"}, {"x,y", "7"}}) ==
        "a,b\r\n-12.50,'=1+1\r\n\"x,y\",7\r\n");
}

TEST_CASE("A disabled user's sessions end and they cannot log in, a new password ends sessions",
          "[dashboard]") {
  DashboardFixture f;
  StaffBrowser sam(f);
  REQUIRE(sam.login("sam", kPassword).status == 200);
  REQUIRE(sam.get("/api/session").status == 200);
  const auto sam_id = f.staff->find_user_by_name("sam").value()->user.id;
  CHECK(f.staff->disable_user(sam_id, "2026-11-26T08:00:00.000Z").value());
  CHECK_FALSE(f.staff->disable_user(sam_id, "2026-11-26T08:00:00.000Z").value());
  CHECK(sam.get("/api/session").status == 401);
  CHECK(sam.get("/api/stores/S2/regulars").status == 401);
  CHECK(sam.login("sam", kPassword).status == 401);

  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  const auto maria_id = f.staff->find_user_by_name("maria").value()->user.id;
  const std::string fresh = "a new password of maria";
  REQUIRE(f.staff->set_password_hash(
      maria_id, crypto::hash_password(fresh, rapport::testing::kTestCost).value()));
  CHECK(maria.get("/api/session").status == 401);  // the old session ended
  CHECK(maria.login("maria", kPassword).status == 401);
  CHECK(maria.login("maria", fresh).status == 200);
  CHECK(maria.get("/api/session").status == 200);
}

TEST_CASE("Owners' results: retention and revenue of each owner's customers", "[dashboard]") {
  DashboardFixture f;
  {
    domain::Event e;  // ada also came in July: active before the last 90 days
    e.id = "owners-july-visit";
    e.card_token = std::string(64, 'a');
    e.occurred_at = "2026-07-01T10:00:00.000Z";
    e.terminal_id = "T1";
    e.store_id = "S1";
    REQUIRE(f.store->record_events(std::vector<domain::Event>{e}).value() == 1);
  }
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  CHECK(json_of(maria.get("/api/stores/S1/owners")).at("rows").as_array().empty());
  const auto carl = f.staff->find_user_by_name("carl").value()->user.id;
  REQUIRE(maria.post("/api/members/" + std::to_string(f.ada) + "/owner?user=" +
                         std::to_string(carl), maria.csrf_token()).status == 200);
  REQUIRE(maria.post("/api/members/" + std::to_string(f.dee) + "/owner?user=" +
                         std::to_string(carl), maria.csrf_token()).status == 200);
  const auto rows = json_of(maria.get("/api/stores/S1/owners")).at("rows").as_array();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("owner").as_string() == "carl");
  CHECK(rows[0].at("customers").as_int64() == 2);
  CHECK(rows[0].at("active_before").as_int64() == 1);  // ada; dee never came
  CHECK(rows[0].at("retained").as_int64() == 1);
  CHECK(rows[0].at("retention").as_double() == 1.0);
  CHECK(maria.get("/api/stores/S1/owners.csv").body.find("carl,no,2,1,1,1.000") !=
        std::string::npos);

  StaffBrowser sam(f);
  REQUIRE(sam.login("sam", kPassword).status == 200);
  CHECK(sam.get("/api/stores/S1/owners").status == 403);
  CHECK(sam.get("/api/stores/S1/owners.csv").status == 403);
}

TEST_CASE("A member's home store changes: managers of both stores only, audited, owner released",
          "[dashboard]") {
  DashboardFixture f;
  f.add_user("both", server::StaffRole::kStoreManager, {"S1", "S2"});
  const std::string move_ada = "/api/members/" + std::to_string(f.ada) + "/home-store?store=S2";
  {
    auto db = raw(f);
    REQUIRE(db.execute("INSERT INTO relationship_owners(member_id, owner_id, assigned_by, "
                       "assigned_at) SELECT " + std::to_string(f.ada) + ", id, id, "
                       "'2026-11-26T08:00:00.000Z' FROM staff_users WHERE name = 'carl'"));
  }
  const auto sequence_before = count(f, "SELECT changed_seq FROM members WHERE id = ?", f.ada);

  StaffBrowser maria(f);  // manager of S1 only: may not hand a member to S2
  REQUIRE(maria.login("maria", kPassword).status == 200);
  CHECK(maria.post(move_ada, maria.csrf_token()).status == 403);
  CHECK(audited(f, "move-member", "member:" + std::to_string(f.ada) + " store:S2", "denied"));
  StaffBrowser hq(f);  // head office reads, never changes
  REQUIRE(hq.login("hq", kPassword).status == 200);
  CHECK(hq.post(move_ada, hq.csrf_token()).status == 403);
  StaffBrowser both(f);
  REQUIRE(both.login("both", kPassword).status == 200);
  CHECK(both.post(move_ada, "").status == 403);  // no CSRF token
  CHECK(count(f, "SELECT count(*) FROM members WHERE id = ? AND home_store = 'S1'", f.ada) == 1);

  const auto moved = both.post(move_ada, both.csrf_token());
  REQUIRE(moved.status == 200);
  CHECK(json_of(moved).at("moved").as_bool());
  CHECK(count(f, "SELECT count(*) FROM members WHERE id = ? AND home_store = 'S2'", f.ada) == 1);
  // carl works at S1 only: the relationship is released for S2's manager to assign.
  CHECK(count(f, "SELECT count(*) FROM relationship_owners WHERE member_id = ?", f.ada) == 0);
  CHECK(count(f, "SELECT changed_seq FROM members WHERE id = ?", f.ada) > sequence_before);
  CHECK(audited(f, "move-member", "member:" + std::to_string(f.ada) + " store:S2", "ok"));
  // History stays where it happened: ada's visits at S1 are still there, and maria now sees
  // her only as a visitor of S1.
  CHECK(count(f, "SELECT count(*) FROM events WHERE member_id = ? AND kind = 'visit'", f.ada) == 3);
  const auto page = maria.get("/members/" + std::to_string(f.ada));
  REQUIRE(page.status == 200);
  CHECK(page.body.find("member-history") == std::string::npos);

  const auto again = both.post(move_ada, both.csrf_token());
  REQUIRE(again.status == 200);
  CHECK_FALSE(json_of(again).at("moved").as_bool());
  CHECK(both.post("/api/members/" + std::to_string(f.ada) + "/home-store?store=S9",
                  both.csrf_token()).status == 403);  // no such store: not one of theirs
}
