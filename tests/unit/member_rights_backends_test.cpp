// tests/unit/member_rights_backends_test.cpp
//
// Members' rights and campaigns on both backends (docs/members-rights.md, "On PostgreSQL";
// docs/reports.md, "Campaigns"). A chain built on SQLite through the sync handler (the
// member_rights_test.cpp fixture's Ada, plus an offer, a campaign and an erased member) is
// copied by `storage migrate` into a database of the run's PostgreSQL cluster
// (tests/support/pg_cluster.h), so both hold the same rows: then both backends' exports of
// the same member must be equal, and erasing her on both must give the same outcome and the
// same export, with her personal data gone from the raw files of PostgreSQL's database
// directory and terminals told to remove her.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "server/reports/campaign_store.h"
#include "server/storage/chain_migration.h"
#include "server/storage/member_rights_store.h"
#include "server/storage/offer_store.h"
#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/store_url.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/pg_files.h"
#include "tests/unit/server_fixture.h"

using namespace rapport;
using rapport::testing::ServerFixture;
using K = domain::EventKind;
namespace json = boost::json;
namespace reports = rapport::server::reports;

namespace {

const std::string kPhone = "07700 900123";
const std::string kContactPhone = "07700 900456";
const std::string kEmail = "ada@example.org";
const std::string kPurchase =
    R"({"lines":[{"product":"Tea","category":"drinks","quantity":2,"amount_cents":500},)"
    R"({"product":"Scone","category":"bakery","quantity":1,"amount_cents":350}],"total_cents":850})";
const std::string kNote =
    R"({"topic":"preference","text":"oat milk; call me on )" + kPhone + R"("})";

reports::Campaign campaign(std::string id, std::string channel, std::string from, std::string to,
                           std::int64_t spend) {
  reports::Campaign c;
  c.id = std::move(id);
  c.name = "Campaign " + c.id;
  c.channel = std::move(channel);
  c.starts_on = std::move(from);
  c.ends_on = std::move(to);
  c.spend_cents = spend;
  c.line = 1;
  return c;
}

// The SQLite chain of member_rights_test.cpp (Ada with a visit, a purchase, a note holding a
// phone number, contact details), plus an offer shown to her, a campaign and Bob erased;
// then the same rows in a fresh PostgreSQL database.
struct TwoBackends : ServerFixture {
  std::filesystem::path file = dir / "rapport.db";
  std::string pg_url = testing::PgCluster::shared().fresh_database();
  std::int64_t bob = 0;
  server::ChainMigration migrated;

  TwoBackends() {
    REQUIRE(post({visit(ada_token), event(K::kPurchase, ada_token, kPurchase),
                  event(K::kNote, ada_token, kNote)})
                .status == 200);
    {
      auto db = storage::Database::open(file, server::kSqliteMigrations).value();
      REQUIRE(db.execute("UPDATE members SET phone = '" + kContactPhone + "', email = '" + kEmail +
                         "', marketing_consent = 1 WHERE id = " + std::to_string(ada)));
    }
    auto offers = server::OfferStore::open(file.string()).value();
    REQUIRE(offers->record(
        {ada, "five-off", rewards::OfferOutcome::kShown, "2026-11-25T10:00:01.000Z", "S1"}));
    auto campaigns = reports::CampaignStore::open(file.string()).value();
    REQUIRE(
        campaigns
            ->add(std::vector{campaign("flyer-1", "flyer", "2026-03-01", "2026-03-31", 120'000)})
            .value()
            .empty());
    bob = store->add_member({"Bob Stone", "S2", std::nullopt}).value();
    REQUIRE(server::MemberRightsStore::open(file.string())
                .value()
                ->erase_member({bob, "j.smith", "customer request", "2026-11-26T09:00:00.000Z"})
                .value());

    server::ChainMigrationOptions o;
    o.from = file;
    o.to = pg_url;
    migrated = server::migrate_chain(o).value();
    for (const auto& left : migrated.left_behind) {
      FAIL_CHECK("left behind: " << left.table << " " << left.column.value_or(""));
    }
    REQUIRE(migrated.verified());
  }

  [[nodiscard]] std::unique_ptr<server::MemberRightsStore> rights(const std::string& url) const {
    return server::MemberRightsStore::open(url).value();
  }
};

json::value export_of(server::MemberRightsStore& rights, std::int64_t member) {
  const auto text = rights.export_member(member).value();
  REQUIRE(text);
  return json::parse(*text);
}

// Equal exports, and when not, which keys differ (a whole-document diff is unreadable).
void check_same_export(const json::value& sqlite, const json::value& postgresql) {
  for (const auto& [key, value] : sqlite.as_object()) {
    INFO("key " << key << "\n on sqlite:     " << json::serialize(value) << "\n on postgresql: "
                << (postgresql.as_object().contains(key)
                        ? json::serialize(postgresql.as_object().at(key))
                        : std::string("(missing)")));
    CHECK(postgresql.as_object().contains(key));
    if (postgresql.as_object().contains(key)) CHECK(postgresql.as_object().at(key) == value);
  }
  CHECK(postgresql.as_object().size() == sqlite.as_object().size());
  CHECK(postgresql == sqlite);
}

}  // namespace

TEST_CASE_METHOD(TwoBackends,
                 "rights on both backends: the same member exports the same JSON from SQLite and "
                 "from PostgreSQL",
                 "[rights][postgresql]") {
  // `storage migrate` copied and verified the tables of PostgreSQL migration 8 too.
  for (const auto* table : {"erasures", "campaigns", "offer_events"}) {
    INFO(table);
    bool found = false;
    for (const auto& check : migrated.checks) {
      if (check.table != table) continue;
      found = true;
      CHECK(check.rows_from == 1);
      CHECK(check.matches());
    }
    CHECK(found);
  }
  const auto sqlite = export_of(*rights(file.string()), ada);
  const auto postgresql = export_of(*rights(pg_url), ada);
  // Not two empty documents: Ada's data is there.
  CHECK(postgresql.at("member").at("name").as_string() == "Ada Lovelace");
  CHECK(postgresql.at("member").at("marketing_consent").as_int64() == 1);
  CHECK(postgresql.at("purchases").at(0).at("lines").as_array().size() == 2);
  CHECK(postgresql.at("offers").as_array().size() == 1);
  CHECK(postgresql.at("notes").as_array().size() == 1);
  CHECK(postgresql.at("cards").at(0).at("token").as_string() == ada_token);
  check_same_export(sqlite, postgresql);
  // An erased member too, with their erasure record.
  const auto bob_sqlite = export_of(*rights(file.string()), bob);
  const auto bob_postgresql = export_of(*rights(pg_url), bob);
  CHECK(bob_postgresql.at("erasures").as_array().size() == 1);
  CHECK(bob_postgresql.at("member").at("name").as_string() == "");
  check_same_export(bob_sqlite, bob_postgresql);
  CHECK(rights(pg_url)->export_member(bob + 100).value() == std::nullopt);
}

TEST_CASE_METHOD(TwoBackends,
                 "rights on both backends: erasing on PostgreSQL removes the same rows, leaves "
                 "no personal data in the database's files and tells terminals",
                 "[rights][postgresql]") {
  // The bytes are there before (written to the files by a CHECKPOINT): a check that cannot
  // fail would prove nothing.
  {
    auto c = server::pg::Connection::open(pg_url).value();
    REQUIRE(c.execute_script("CHECKPOINT"));
    const auto before = testing::pg_database_bytes(pg_url);
    CHECK(before.find("Ada Lovelace") != std::string::npos);
    CHECK(before.find(kPhone) != std::string::npos);
    CHECK(before.find(kContactPhone) != std::string::npos);
    CHECK(before.find(kEmail) != std::string::npos);
  }
  auto pg_store = server::open_store(pg_url).value();
  REQUIRE(pg_store->register_terminal({"T2", "S2", "02", false}));
  const auto pull = [&](const std::string& since, const std::string& terminal,
                        const std::string& serial) {
    net::HttpRequest request;
    request.method = "GET";
    request.target = "/sync/v1/changes?since=" + since;
    request.peer_common_name = terminal;
    request.peer_certificate_serial = serial;
    return protocol::decode_changes_page(
               server::handle_sync_request(*pg_store, policy, request).body)
        .value();
  };
  const auto before = pull("", "T1", "01");
  REQUIRE(before.members.size() == 1);  // Ada, as T1's store's member

  const server::Erasure erasure{ada, "j.smith", "customer request", now_iso8601()};
  const auto on_sqlite = rights(file.string())->erase_member(erasure).value();
  auto pg_rights = rights(pg_url);
  // A session whose snapshot predates the erasure (a report, a backup) and holds no lock on
  // the tables erased from: VACUUM FULL would keep the old rows for it, so the erasure waits
  // until it ends (here after half a second).
  auto reader = server::pg::Connection::open(pg_url).value();
  REQUIRE(
      reader.execute_script("BEGIN ISOLATION LEVEL REPEATABLE READ; "
                            "SELECT count(*) FROM stores"));
  std::thread reader_ends([&reader] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    REQUIRE(reader.execute_script("COMMIT"));
  });
  const auto on_postgresql = pg_rights->erase_member(erasure);
  reader_ends.join();
  REQUIRE(on_postgresql);
  REQUIRE(on_sqlite);
  REQUIRE(*on_postgresql);
  CHECK_FALSE((*on_postgresql)->already_erased);
  CHECK((*on_postgresql)->cards_removed == on_sqlite->cards_removed);
  CHECK((*on_postgresql)->notes_removed == on_sqlite->notes_removed);
  CHECK((*on_postgresql)->cards_removed == 1);
  CHECK((*on_postgresql)->notes_removed == 1);
  check_same_export(export_of(*rights(file.string()), ada), export_of(*pg_rights, ada));

  const auto after = testing::pg_database_bytes(pg_url);
  CHECK(after.find("Ada Lovelace") == std::string::npos);
  CHECK(after.find("1815-12-10") == std::string::npos);
  CHECK(after.find(kPhone) == std::string::npos);
  CHECK(after.find(kContactPhone) == std::string::npos);
  CHECK(after.find(kEmail) == std::string::npos);

  // Terminals of any store pull her removal, after what they had.
  const auto next = pull(before.cursor, "T1", "01");
  CHECK(next.members.empty());
  CHECK(next.removed == std::vector<std::int64_t>{ada});
  const auto other = pull("", "T2", "02").removed;
  CHECK(std::find(other.begin(), other.end(), ada) != other.end());
  CHECK(pg_store->find_member_by_card(ada_token).value() == std::nullopt);
  // Again: nothing more to erase, no second record.
  CHECK(pg_rights->erase_member({ada, "j.smith", "again", now_iso8601()}).value()->already_erased);
  auto c = server::pg::Connection::open(pg_url).value();
  CHECK(c.exec("SELECT count(*) FROM erasures WHERE member_id = $1", {server::pg::param(ada)})
            .value()
            .int64(0, 0) == 1);
}

namespace {

// The campaign checks and list on one backend; the answers the caller compares.
std::vector<reports::Campaign> campaigns_on(const std::string& url) {
  auto store = reports::CampaignStore::open(url).value();
  REQUIRE(store
              ->add(std::vector{campaign("flyer-1", "flyer", "2026-03-01", "2026-03-31", 120'000),
                                campaign("app-1", "app", "2026-01-01", "2026-01-31", 5)})
              .value()
              .empty());
  // One good campaign and one overlapping a kept one: nothing is added.
  auto refused = store
                     ->add(std::vector{campaign("app-2", "app", "2026-02-01", "2026-02-28", 5),
                                       campaign("flyer-2", "flyer", "2026-03-31", "2026-04-15", 7)})
                     .value();
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].message().find("flyer-1") != std::string::npos);
  // The same id again; a campaign that fails its own checks.
  CHECK(store->add(std::vector{campaign("flyer-1", "app", "2025-01-01", "2025-01-02", 1)})
            .value()
            .size() == 1);
  CHECK_FALSE(store->add(std::vector{campaign("x y", "app", "2025-01-01", "2025-01-02", 1)})
                  .value()
                  .empty());
  return store->list().value();
}

}  // namespace

TEST_CASE(
    "campaigns on both backends: the same checks refuse the same campaigns and the same "
    "list comes back",
    "[reports][postgresql]") {
  testing::TempDir dir;
  const auto on_sqlite = campaigns_on("sqlite://" + (dir / "rapport.db").string());
  const auto on_postgresql = campaigns_on(testing::PgCluster::shared().fresh_database());
  REQUIRE(on_sqlite.size() == 2);
  REQUIRE(on_postgresql.size() == on_sqlite.size());
  for (std::size_t i = 0; i < on_sqlite.size(); ++i) {
    CHECK(on_postgresql[i].id == on_sqlite[i].id);
    CHECK(on_postgresql[i].name == on_sqlite[i].name);
    CHECK(on_postgresql[i].channel == on_sqlite[i].channel);
    CHECK(on_postgresql[i].starts_on == on_sqlite[i].starts_on);
    CHECK(on_postgresql[i].ends_on == on_sqlite[i].ends_on);
    CHECK(on_postgresql[i].spend_cents == on_sqlite[i].spend_cents);
  }
  CHECK(on_sqlite[0].id == "app-1");  // by channel, then first day
}
