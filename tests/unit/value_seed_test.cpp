// tests/unit/value_seed_test.cpp
//
// `rapportctl seed --bulk` writes the same chain as the event path: every table of the server
// file, derived columns included, row for row (server/seed_chain.h).

#include <map>

#include "server/seed_chain.h"
#include "server/seed_points.h"
#include "server/storage/sqlite_rewards_days.h"
#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"
#include "shared/storage/storage_errc.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);

// Columns that hold the wall clock at the moment of writing (or a random id), which no two
// seedings share; everything else must be equal. purchases.event_id is compared as the
// purchase event's arrival sequence instead.
const std::map<std::string, std::vector<std::string>> kNotCompared{
    {"members", {"created_at", "changed_seq"}},
    {"cards", {"issued_at"}},
    {"events", {"id", "received_at"}},
    {"purchases", {"event_id"}},
    {"purchase_products", {"event_id"}},
    {"card_alerts", {"event_id", "flagged_at"}},
};

std::vector<std::string> texts(storage::Database& db, const std::string& sql) {
  auto stmt = db.prepare(sql).value();
  std::vector<std::string> rows;
  while (stmt.step().value()) rows.push_back(stmt.column_text(0));
  return rows;
}

// Every table: its rows as text, sorted.
std::map<std::string, std::vector<std::string>> dump(const std::filesystem::path& file) {
  auto db = storage::Database::open(file, server::kSqliteMigrations).value();
  std::map<std::string, std::vector<std::string>> tables;
  for (const auto& table :
       texts(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
    std::string row = "''";
    for (const auto& column :
         texts(db, "SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid")) {
      const auto skip = kNotCompared.find(table);
      if (skip != kNotCompared.end() &&
          std::find(skip->second.begin(), skip->second.end(), column) != skip->second.end()) {
        continue;
      }
      row += " || '|' || quote(" + column + ")";
    }
    if (table == "purchases" || table == "purchase_products") {
      row += " || '|' || (SELECT seq FROM events e WHERE e.id = " + table + ".event_id)";
    }
    tables[table] = texts(db, "SELECT " + row + " AS r FROM " + table + " ORDER BY r");
  }
  return tables;
}

server::SeedTarget target(const std::filesystem::path& file) {
  return {file, card::CardKey::from_hex(std::string(64, 'a')).value(), "627599"};
}

}  // namespace

TEST_CASE("a bulk-seeded chain equals the same chain seeded through event recording",
          "[value][seed]") {
  testing::TempDir dir;
  value::ChainSpec spec;
  spec.members = 600;  // more than one record_events batch (5,000 events)
  spec.stores = 4;
  spec.months = 12;
  spec.seed = 5;
  const auto by_events =
      server::seed_chain(target(dir / "events.db"), spec, kEnd, server::SeedPath::kEvents).value();
  const auto by_bulk =
      server::seed_chain(target(dir / "bulk.db"), spec, kEnd, server::SeedPath::kBulk).value();
  CHECK(by_events.purchases == by_bulk.purchases);
  REQUIRE(by_events.purchases > 2 * spec.members);

  const auto expected = dump(dir / "events.db");
  const auto actual = dump(dir / "bulk.db");
  REQUIRE(expected.size() == actual.size());
  REQUIRE(expected.at("members").size() == spec.members);
  REQUIRE(expected.at("events").size() == spec.members + 2 * by_events.purchases);
  for (const auto& [table, rows] : expected) {
    INFO("table " << table);
    REQUIRE(actual.contains(table));
    CHECK(actual.at(table).size() == rows.size());
    const auto& other = actual.at(table);
    for (std::size_t i = 0; i < std::min(rows.size(), other.size()); ++i) {
      if (rows[i] != other[i]) {
        FAIL_CHECK("first difference, row " << i << ":\n events: " << rows[i]
                                            << "\n bulk:   " << other[i]);
        break;
      }
    }
  }
  // The chain is not trivial: referrals, categories and visits at the home store are there.
  auto db = storage::Database::open(dir / "bulk.db", server::kSqliteMigrations).value();
  CHECK(std::stoi(texts(db, "SELECT count(*) FROM members WHERE referred_by IS NOT NULL")[0]) > 20);
  CHECK(std::stoi(texts(db, "SELECT count(*) FROM member_categories")[0]) > 1000);
  CHECK(texts(db, "SELECT count(*) FROM members WHERE purchase_days > 0")[0] == "600");
  // Usual orders are derived (and compared above with the event path's).
  CHECK(std::stoi(texts(db, "SELECT count(*) FROM members WHERE usual_order IS NOT NULL")[0]) > 0);
  CHECK(texts(db, "PRAGMA journal_mode")[0] == "wal");  // back to normal after the load
}

TEST_CASE("a bulk seed refuses a folder that already has members", "[value][seed]") {
  testing::TempDir dir;
  value::ChainSpec spec;
  spec.members = 20;
  REQUIRE(server::seed_chain(target(dir / "r.db"), spec, kEnd, server::SeedPath::kEvents));
  const auto again = server::seed_chain(target(dir / "r.db"), spec, kEnd, server::SeedPath::kBulk);
  REQUIRE_FALSE(again);
  CHECK(again.error() == storage::StorageErrc::kConstraint);
}

TEST_CASE("a seeded points ledger earns on every purchase, redeems and expires, and keeps the "
          "ledger's summaries true", "[value][seed][rewards]") {
  testing::TempDir dir;
  value::ChainSpec spec;
  spec.members = 300;
  spec.stores = 3;
  spec.months = 24;
  spec.seed = 9;
  const auto file = dir / "rapport.db";
  REQUIRE(server::seed_chain(target(file), spec, kEnd, server::SeedPath::kBulk));
  std::vector<std::pair<std::string, std::size_t>> seen;  // stage, done
  std::size_t total = 0;
  const auto posted = server::seed_points_ledger(file, kEnd, [&](const analytics::Progress& p) {
    seen.emplace_back(std::string(p.stage), p.done);
    total = p.total;
  });
  REQUIRE(posted);
  auto db = storage::Database::open(file, server::kSqliteMigrations).value();
  const auto number = [&](const std::string& sql) { return std::stoll(texts(db, sql).at(0)); };
  // An earning per purchase of a member of a currency unit or more, a point per unit.
  CHECK(static_cast<std::int64_t>(posted->earned) ==
        number("SELECT count(*) FROM purchases WHERE member_id IS NOT NULL AND "
               "amount_cents >= 100"));
  CHECK(number("SELECT sum(e.points) FROM points_entries e JOIN points_postings p ON p.id = "
               "e.posting_id WHERE p.kind = 'earn' AND e.account = 'member'") ==
        number("SELECT sum(amount_cents / 100) FROM purchases WHERE member_id IS NOT NULL AND "
               "amount_cents >= 100"));
  CHECK(posted->redeemed > 0);
  CHECK(posted->expired > 0);
  // Double entry: every posting sums to zero; no member's expired balance is left.
  CHECK(number("SELECT count(*) FROM (SELECT posting_id FROM points_entries GROUP BY 1 "
               "HAVING sum(points) <> 0)") == 0);
  CHECK(number("SELECT count(*) FROM points_postings p JOIN points_entries e ON e.posting_id = "
               "p.id AND e.account = 'member' JOIN member_rewards r ON r.member_id = e.member_id "
               "WHERE p.kind = 'expiry' AND r.outstanding <> 0 AND NOT EXISTS (SELECT 1 FROM "
               "points_postings q JOIN points_entries f ON f.posting_id = q.id WHERE "
               "f.member_id = e.member_id AND q.occurred_at > p.occurred_at)") == 0);
  // The summaries the triggers kept equal what migration 25 builds from the raw tables.
  const std::string kept = "SELECT place || day || tier || members || net || issued || "
                           "redeemed || expired FROM rewards_days WHERE members <> 0 OR "
                           "net <> 0 OR issued <> 0 OR redeemed <> 0 OR expired <> 0 ORDER BY 1";
  const auto before = texts(db, kept);
  REQUIRE(server::sqlite::rebuild_rewards_days(db));
  CHECK(texts(db, kept) == before);
  CHECK(number("SELECT sum(outstanding) FROM member_rewards") ==
        number("SELECT sum(points) FROM points_entries WHERE account = 'member'"));
  // Progress per purchase, ending at all of them; a second run posts nothing more.
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().first == "posting points");
  CHECK(seen.back().second == total);
  CHECK(total > 0);
  const auto again = server::seed_points_ledger(file, kEnd);
  REQUIRE(again);
  CHECK(again->earned == posted->earned);
  CHECK(number("SELECT count(*) FROM points_postings") ==
        static_cast<std::int64_t>(posted->earned + posted->redeemed + posted->expired));
}
