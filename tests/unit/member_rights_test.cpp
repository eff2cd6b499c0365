// tests/unit/member_rights_test.cpp
//
// Members' rights on a real SQLite file (docs/members-rights.md): the export checked against
// the test's own SQL, erasure (personal data gone from the file's bytes, events and
// aggregates kept under the member id, the erasure recorded), and removals in the pull.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "server/storage/member_rights_store.h"
#include "server/storage/sqlite_schema.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "tests/unit/server_fixture.h"

using namespace rapport;
using rapport::testing::ServerFixture;
using K = domain::EventKind;
namespace json = boost::json;

namespace {

const std::string kPhone = "07700 900123";
// The contact the cashier's enrollment form keeps in members.phone / members.email.
const std::string kContactPhone = "07700 900456";
const std::string kEmail = "ada@example.org";
const std::string kPurchase =
    R"({"lines":[{"product":"Tea","category":"drinks","quantity":2,"amount_cents":500},)"
    R"({"product":"Scone","category":"bakery","quantity":1,"amount_cents":350}],"total_cents":850})";
const std::string kNote = R"({"topic":"preference","text":"oat milk; call me on )" + kPhone + R"("})";

// Ada with a visit, a purchase and a note, sent through the sync handler.
struct RightsFixture : ServerFixture {
  std::filesystem::path file = dir / "rapport.db";
  RightsFixture() {
    REQUIRE(post({visit(ada_token), event(K::kPurchase, ada_token, kPurchase),
                  event(K::kNote, ada_token, kNote)})
                .status == 200);
    auto db = sql();
    REQUIRE(db.execute("UPDATE members SET phone = '" + kContactPhone + "', email = '" + kEmail +
                       "', marketing_consent = 1 WHERE id = " + std::to_string(ada)));
  }
  storage::Database sql() { return storage::Database::open(file, server::kSqliteMigrations).value(); }
  std::int64_t count(const std::string& query) {
    auto db = sql();
    auto stmt = db.prepare(query).value();
    stmt.bind(1, ada);
    REQUIRE(stmt.step().value());
    return stmt.column_int64(0);
  }
  std::string file_bytes(const std::string& suffix = "") {
    return read_file(file.string() + suffix).value_or("");
  }
};

}  // namespace

TEST_CASE_METHOD(RightsFixture, "a member's export holds what the database holds about them",
                 "[server][rights]") {
  auto rights = server::MemberRightsStore::open(file).value();
  const auto text = rights->export_member(ada).value();
  REQUIRE(text);
  const auto doc = json::parse(*text).as_object();
  CHECK(doc.at("member").at("name").as_string() == "Ada Lovelace");
  CHECK(doc.at("member").at("birth_date").as_string() == "1815-12-10");
  CHECK(doc.at("cards").as_array().size() ==
        static_cast<std::size_t>(count("SELECT count(*) FROM cards WHERE member_id = ?1")));
  CHECK(doc.at("cards").at(0).at("token").as_string() == ada_token);
  CHECK(doc.at("events").as_array().size() ==
        static_cast<std::size_t>(count("SELECT count(*) FROM events WHERE member_id = ?1")));
  const auto& purchases = doc.at("purchases").as_array();
  REQUIRE(purchases.size() ==
          static_cast<std::size_t>(count("SELECT count(*) FROM purchases WHERE member_id = ?1")));
  CHECK(purchases.at(0).at("amount_cents").as_int64() ==
        count("SELECT sum(amount_cents) FROM purchases WHERE member_id = ?1"));
  CHECK(purchases.at(0).at("lines").as_array().size() == 2);
  CHECK(purchases.at(0).at("lines").at(1).at("product").as_string() == "Scone");
  REQUIRE(doc.at("notes").as_array().size() == 1);
  CHECK(std::string(doc.at("notes").at(0).at("text").as_string()).find(kPhone) !=
        std::string::npos);
  CHECK(doc.at("points_balance").as_int64() ==
        count("SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_id = ?1"));
  CHECK(doc.at("member").at("visit_count").as_int64() ==
        count("SELECT count(*) FROM events WHERE member_id = ?1 AND kind = 'visit'"));
  CHECK(doc.at("value_snapshot").is_null());  // no value refresh has run
  CHECK(doc.at("tier_history").as_array().empty());
  CHECK(doc.at("owner").is_null());
  CHECK(rights->export_member(ada + 100).value() == std::nullopt);
}

TEST_CASE_METHOD(RightsFixture, "erasing a member removes their personal data from the file's "
                 "bytes and keeps their events", "[server][rights]") {
  const auto events_before = count("SELECT count(*) FROM events WHERE member_id = ?1");
  const auto visits_before = count("SELECT visit_count FROM members WHERE id = ?1");
  const auto revenue_before = count("SELECT revenue_cents FROM members WHERE id = ?1");
  // The bytes are there before: a check that cannot fail would prove nothing.
  CHECK((file_bytes() + file_bytes("-wal")).find("Ada Lovelace") != std::string::npos);
  CHECK((file_bytes() + file_bytes("-wal")).find(kEmail) != std::string::npos);

  auto rights = server::MemberRightsStore::open(file).value();
  const auto outcome =
      rights->erase_member({ada, "j.smith", "customer request", now_iso8601()}).value();
  REQUIRE(outcome);
  CHECK_FALSE(outcome->already_erased);
  CHECK(outcome->cards_removed == 1);
  CHECK(outcome->notes_removed == 1);

  const auto bytes = file_bytes() + file_bytes("-wal");
  CHECK(bytes.find("Ada Lovelace") == std::string::npos);
  CHECK(bytes.find("1815-12-10") == std::string::npos);
  CHECK(bytes.find(kPhone) == std::string::npos);
  CHECK(bytes.find(kContactPhone) == std::string::npos);
  CHECK(bytes.find(kEmail) == std::string::npos);
  CHECK(count("SELECT marketing_consent FROM members WHERE id = ?1") == 0);
  CHECK(file_bytes("-wal").empty());

  CHECK(count("SELECT count(*) FROM events WHERE member_id = ?1") == events_before);
  CHECK(count("SELECT visit_count FROM members WHERE id = ?1") == visits_before);
  CHECK(count("SELECT revenue_cents FROM members WHERE id = ?1") == revenue_before);
  CHECK(count("SELECT count(*) FROM cards WHERE member_id = ?1") == 0);
  CHECK(count("SELECT count(*) FROM erasures WHERE member_id = ?1 AND staff = 'j.smith'") == 1);
  // The export still answers, without the personal data, and shows the erasure.
  const auto doc = json::parse(rights->export_member(ada).value().value()).as_object();
  CHECK(doc.at("member").at("name").as_string() == "");
  CHECK(doc.at("erasures").as_array().size() == 1);
  // Again: nothing more to erase; the file is rewritten again.
  CHECK(rights->erase_member({ada, "j.smith", "again", now_iso8601()}).value()->already_erased);
  CHECK(count("SELECT count(*) FROM erasures WHERE member_id = ?1") == 1);
}

TEST_CASE_METHOD(RightsFixture, "terminals are told to remove an erased member, in change order",
                 "[server][rights]") {
  const auto before = protocol::decode_changes_page(get("/sync/v1/changes?since=").body).value();
  REQUIRE(before.members.size() == 1);
  CHECK(before.removed.empty());
  CHECK(get("/sync/v1/changes?since=").body.find("removed") == std::string::npos);

  auto rights = server::MemberRightsStore::open(file).value();
  REQUIRE(rights->erase_member({ada, "j.smith", "customer request", now_iso8601()}).value());
  const auto after =
      protocol::decode_changes_page(get("/sync/v1/changes?since=" + before.cursor).body).value();
  CHECK(after.members.empty());
  REQUIRE(after.removed.size() == 1);
  CHECK(after.removed[0] == ada);
  // A terminal of another store that once held her is told too.
  REQUIRE(store->register_terminal({"T2", "S2", "01", false}));
  const auto other = protocol::decode_changes_page(get("/sync/v1/changes?since=", "T2").body).value();
  CHECK(other.removed == std::vector<std::int64_t>{ada});
  CHECK(store->find_member_by_card(ada_token).value() == std::nullopt);
}
