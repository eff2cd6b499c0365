// tests/unit/chain_migration_test.cpp
//
// `rapportctl storage migrate` (server/storage/chain_migration.h): a seeded and valued chain
// in a real SQLite file copied into a database of the run's throwaway PostgreSQL cluster,
// then read back with each side's own SQL; and every refusal: a target that holds data,
// data PostgreSQL has no place for, a row changed after the copy.

#include "server/storage/chain_migration.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "server/rewards/rewards_config.h"
#include "server/seed_chain.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_errc.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/staff_store.h"
#include "server/storage/store_url.h"
#include "server/value_refresh.h"
#include "shared/storage/database.h"
#include "shared/storage/storage_errc.h"
#include "tests/support/catch_result.h"
#include "tests/support/counter_rewards_rules.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"

using namespace rapport;
using server::MigrationRefusal;
using testing::PgCluster;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);

// Text that COPY must escape and the checksum must see byte for byte.
const std::string kAwkward = "tab\there, new\nline, cr\r, back\\slash, \\N, quote\" 'é' ü";

// A seeded chain of 3 stores and 300 members, valued (booleans and reals in members), with
// a store, a note and a card alert whose text needs escaping.
struct Chain {
  testing::TempDir dir;
  std::filesystem::path file = dir / "rapport.db";

  Chain() {
    const server::SeedTarget target{file, card::CardKey::from_hex(std::string(64, 'c')).value(),
                                    "627599"};
    value::ChainSpec spec;
    spec.members = 300;
    spec.stores = 3;
    spec.seed = 12;
    REQUIRE(server::seed_chain(target, spec, kEnd, server::SeedPath::kBulk));
    {
      auto store = server::open_sqlite_store(file).value();
      REQUIRE(server::refresh_values(*store, {}, kEnd));
    }
    auto db = open();
    auto add_store =
        db.prepare("INSERT INTO stores (id, name, region) VALUES ('S9', ?1, NULL)").value();
    add_store.bind(1, kAwkward);
    REQUIRE(add_store.run());
    auto note = db.prepare(
                      "INSERT INTO notes (event_id, member_id, card_token, store_id, topic, text, "
                      "noted_at) SELECT id, member_id, card_token, store_id, 'allergy', ?1, "
                      "occurred_at FROM events WHERE member_id IS NOT NULL ORDER BY seq LIMIT 1")
                    .value();
    note.bind(1, kAwkward);
    REQUIRE(note.run());
    // A referral by a member who enrolled later: checked by PostgreSQL at the end of the
    // members' one COPY, so the order of rows within a table does not matter.
    REQUIRE(db.execute("UPDATE members SET referred_by = 300 WHERE id = 1"));
    REQUIRE(db.execute(
        "INSERT INTO card_alerts (card_token, member_id, first_store, first_at, second_store, "
        "second_at, event_id, flagged_at) VALUES ('tok', NULL, 'S1', '2026-11-01T10:00:00Z', "
        "'S2', '2026-11-01T10:05:00Z', 'e1', '2026-11-01T10:05:01Z')"));
  }

  storage::Database open() const {
    return storage::Database::open(file, server::kSqliteMigrations).value();
  }
};

server::ChainMigrationOptions options(const Chain& chain, const std::string& url) {
  server::ChainMigrationOptions o;
  o.from = chain.file;
  o.to = url;
  return o;
}

// As a valued chain is copied: the SQLite tables PostgreSQL has no place for (the members'
// reward summaries, the chain's cohort sums) stay behind.
server::ChainMigrationOptions partial_options(const Chain& chain, const std::string& url) {
  auto o = options(chain, url);
  o.allow_partial = true;
  return o;
}

std::int64_t source_count(const Chain& chain, const std::string& table) {
  auto db = chain.open();
  auto stmt = db.prepare("SELECT count(*) FROM " + table).value();
  REQUIRE(stmt.step().value());
  return stmt.column_int64(0);
}

// A query's rows as text lines (columns joined by |), on each side.
std::vector<std::string> sqlite_rows(const Chain& chain, const std::string& sql) {
  auto db = chain.open();
  auto stmt = db.prepare(sql).value();
  std::vector<std::string> rows;
  while (stmt.step().value()) {
    std::string row;
    for (int c = 0; c < stmt.column_count(); ++c) {
      row += (c ? "|" : "") + (stmt.column_is_null(c) ? "NULL" : stmt.column_text(c));
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> pg_rows(const std::string& url, const std::string& sql, int columns) {
  auto db = server::pg::Connection::open(url).value();
  const auto result = db.exec(sql).value();
  std::vector<std::string> rows;
  for (std::size_t r = 0; r < result.size(); ++r) {
    std::string row;
    for (int c = 0; c < columns; ++c) {
      row += (c ? "|" : "") + (result.is_null(r, c) ? "NULL" : result.text(r, c));
    }
    rows.push_back(row);
  }
  return rows;
}

const server::TableCheck* check_of(const server::ChainMigration& m, const std::string& table) {
  for (const auto& check : m.checks) {
    if (check.table == table) return &check;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a seeded chain is copied to PostgreSQL with equal counts and checksums", "[migration]") {
  const Chain chain;
  const auto url = PgCluster::shared().fresh_database();
  auto o = partial_options(chain, url);
  const auto migrated = server::migrate_chain(o);
  REQUIRE(migrated);
  CHECK(migrated->refusal == MigrationRefusal::kNone);
  CHECK(migrated->verified());
  // The value engine's tables too, since PostgreSQL migration 4: the chain was valued; and
  // the stores' equity per refresh since migration 9.
  for (const auto& table : {"stores", "members", "cards", "events", "notes", "card_alerts",
                            "value_fits", "value_snapshots", "tier_history", "value_refreshes",
                            "value_forecasts", "store_equity"}) {
    INFO(table);
    const auto* check = check_of(*migrated, table);
    REQUIRE(check != nullptr);
    CHECK(check->rows_from == source_count(chain, table));
    CHECK(check->rows_to == check->rows_from);
    CHECK(check->checksum_to == check->checksum_from);
    CHECK(check->checksum_from.size() == 64);
  }
  CHECK(check_of(*migrated, "members")->rows_to == 300);
  // Parents before children: stores, members, then what refers to them.
  std::vector<std::string> order;
  for (const auto& t : migrated->copied) order.push_back(t.table);
  const auto at = [&](const std::string& t) {
    return std::find(order.begin(), order.end(), t) - order.begin();
  };
  CHECK(at("stores") < at("members"));
  CHECK(at("members") < at("cards"));
  CHECK(at("events") < at("notes"));

  // Each side's own SQL gives the same answers.
  CHECK(pg_rows(url,
                "SELECT home_store, count(*), sum(visit_count), count(*) FILTER (WHERE at_risk) "
                "FROM members GROUP BY home_store ORDER BY home_store",
                4) == sqlite_rows(chain,
                                  "SELECT home_store, count(*), sum(visit_count), "
                                  "sum(at_risk) FROM members GROUP BY home_store "
                                  "ORDER BY home_store"));
  CHECK(pg_rows(url,
                "SELECT kind, count(*), min(occurred_at), max(received_at), "
                "count(member_id) FROM events GROUP BY kind ORDER BY kind",
                5) == sqlite_rows(chain,
                                  "SELECT kind, count(*), min(occurred_at), max(received_at), "
                                  "count(member_id) FROM events GROUP BY kind ORDER BY kind"));
  CHECK(pg_rows(url, "SELECT id, name, region FROM stores ORDER BY id", 3) ==
        sqlite_rows(chain, "SELECT id, name, region FROM stores ORDER BY id"));
  CHECK(pg_rows(url, "SELECT text FROM notes", 1) == std::vector<std::string>{kAwkward});
  // Reals survive exactly: the same doubles, summed in the same order.
  CHECK(pg_rows(url,
                "SELECT count(rhythm_days), value_tier FROM members GROUP BY value_tier "
                "ORDER BY value_tier NULLS FIRST",
                2) == sqlite_rows(chain,
                                  "SELECT count(rhythm_days), value_tier FROM members "
                                  "GROUP BY value_tier ORDER BY value_tier"));

  // The server's own reads on PostgreSQL find members as the SQLite store does: a card's
  // member with their visits, value, cards and notes (the noted member among them).
  {
    auto sqlite_store = server::open_sqlite_store(chain.file).value();
    auto pg_store = server::open_pg_store(url).value();
    const auto tokens =
        sqlite_rows(chain,
                    "SELECT token FROM cards WHERE rowid <= 5 OR member_id = (SELECT member_id "
                    "FROM notes) ORDER BY rowid");
    REQUIRE(tokens.size() >= 5);
    for (const auto& token : tokens) {
      INFO(token);
      const auto want = sqlite_store->find_member_by_card(token).value();
      const auto got = pg_store->find_member_by_card(token).value();
      REQUIRE(want);
      REQUIRE(got);
      CHECK(got->id == want->id);
      CHECK(got->name == want->name);
      CHECK(got->home_store == want->home_store);
      CHECK(got->birth_date == want->birth_date);
      CHECK(got->visit_count == want->visit_count);
      CHECK(got->last_visit == want->last_visit);
      CHECK(got->value_tier == want->value_tier);
      CHECK(got->at_risk == want->at_risk);
      CHECK(got->rhythm_days == want->rhythm_days);
      CHECK(got->cards.size() == want->cards.size());
      CHECK(got->notes.size() == want->notes.size());
      const auto want_value = sqlite_store->value_snapshot(want->id).value();
      const auto got_value = pg_store->value_snapshot(want->id).value();
      REQUIRE(want_value);
      REQUIRE(got_value);
      CHECK(got_value->total_value_cents == want_value->total_value_cents);
      CHECK(got_value->p_alive == want_value->p_alive);
      CHECK(got_value->segment == want_value->segment);
    }
    // The copied refresh log and fit carry on: no event came since, so nothing to value.
    CHECK(server::refresh_changed_values(*pg_store, {}, kEnd, 50).value().kind ==
          server::RefreshKind::kNothing);
  }

  // Numbering continues after the copied rows, as it would have on SQLite.
  auto db = server::pg::Connection::open(url).value();
  CHECK(db.exec("INSERT INTO members (name, home_store, created_at, changed_seq) VALUES "
                "('New', 'S1', '2026-11-27', nextval('member_change_seq')) RETURNING id")
            .value()
            .int64(0, 0) == 301);
  CHECK(db.exec("SELECT (SELECT changed_seq FROM members WHERE id = 301) > "
                "(SELECT max(changed_seq) FROM members WHERE id < 301)")
            .value()
            .boolean(0, 0));
  const auto next_seq = db.exec(
                              "INSERT INTO events (id, kind, terminal_id, store_id, "
                              "card_token, occurred_at, received_at, payload) VALUES "
                              "('new', 'visit', 'T1', 'S1', 't', 'x', 'x', '{}') RETURNING seq")
                            .value()
                            .int64(0, 0);
  CHECK(next_seq == source_count(chain, "events") + 1);
}

// The summaries PostgreSQL keeps by triggers (pg_report_summaries_schema.h) are copied from
// SQLite's like any table, with every table's triggers off for the copy, so the copy of the
// members and purchases does not add to them: each equals what its sources give on PostgreSQL.
TEST_CASE("a migrated chain's cohort and acquisition summaries are SQLite's, counted once",
          "[migration]") {
  const Chain chain;
  const auto url = PgCluster::shared().fresh_database();
  auto o = partial_options(chain, url);
  const auto migrated = server::migrate_chain(o);
  REQUIRE(migrated);
  CHECK(migrated->verified());
  for (const auto& table : {"cohort_days", "cohort_months", "acquisition_days"}) {
    INFO(table);
    const auto* check = check_of(*migrated, table);
    REQUIRE(check != nullptr);
    CHECK(check->rows_from > 10);
    CHECK(check->rows_to == check->rows_from);
    CHECK(check->checksum_to == check->checksum_from);
  }
  const std::string day = "coalesce(m.enrolled_on, substr(m.created_at, 1, 10))";
  const std::string rebuilt_days =
      "SELECT store_id, day, k, sum(n) FROM ("
      "  SELECT m.home_store AS store_id, " + day + " AS day, 0 AS k, count(*) AS n "
      "  FROM members m GROUP BY 1, 2 "
      "  UNION ALL SELECT store_id, day, k, count(*) FROM (SELECT DISTINCT m.home_store AS "
      "    store_id, " + day + " AS day, p.member_id, rapport_month_number(p.day) - "
      "    rapport_month_number(" + day + ") AS k FROM members m "
      "    JOIN purchases p ON p.member_id = m.id) x WHERE k BETWEEN 1 AND 12 GROUP BY 1, 2, 3"
      ") r GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
  const auto kept_days = pg_rows(
      url, "SELECT store_id, day, k, members FROM cohort_days WHERE members <> 0 ORDER BY 1, 2, 3",
      4);
  CHECK(kept_days.size() > 10);
  CHECK(kept_days == pg_rows(url, rebuilt_days, 4));
  CHECK(pg_rows(url,
                "SELECT store_id, month, k, members FROM cohort_months WHERE members <> 0 "
                "ORDER BY 1, 2, 3",
                4) == pg_rows(url,
                              "SELECT store_id, substr(day, 1, 7), k, sum(members) FROM "
                              "cohort_days GROUP BY 1, 2, 3 HAVING sum(members) <> 0 "
                              "ORDER BY 1, 2, 3",
                              4));
  const std::string rebuilt_acquisition =
      "SELECT scope, day, channel, sum(n), sum(valued), sum(cents) FROM ("
      "  SELECT sc.scope, coalesce(m.enrolled_on, '') AS day, coalesce(m.channel, '') AS channel,"
      "    1 AS n, (v.member_id IS NOT NULL)::int AS valued, "
      "    coalesce(v.lifetime_value_cents, 0) AS cents "
      "  FROM members m JOIN stores s ON s.id = m.home_store "
      "  LEFT JOIN value_snapshots v ON v.member_id = m.id "
      "  CROSS JOIN LATERAL (VALUES (''::text), (nullif(s.region, ''))) AS sc(scope) "
      "  WHERE m.merged_into IS NULL AND sc.scope IS NOT NULL) r "
      "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
  const auto kept_acquisition =
      pg_rows(url,
              "SELECT scope, day, channel, members, valued, lifetime_value_cents "
              "FROM acquisition_days WHERE members <> 0 OR valued <> 0 "
              "OR lifetime_value_cents <> 0 ORDER BY 1, 2, 3",
              6);
  CHECK(kept_acquisition.size() > 10);
  CHECK(kept_acquisition == pg_rows(url, rebuilt_acquisition, 6));
}

TEST_CASE("a target that already holds data is refused and left as it was", "[migration]") {
  const Chain chain;
  const auto url = PgCluster::shared().fresh_database();
  auto o = partial_options(chain, url);
  REQUIRE(server::migrate_chain(o)->verified());

  const auto again = server::migrate_chain(o);
  REQUIRE(again);
  CHECK(again->refusal == MigrationRefusal::kTargetNotEmpty);
  CHECK_FALSE(again->verified());
  CHECK(again->copied.empty());
  bool members_listed = false;
  for (const auto& t : again->target_rows) {
    if (t.table == "members") members_listed = t.rows == 300;
  }
  CHECK(members_listed);
  CHECK(pg_rows(url, "SELECT count(*) FROM members", 1) == std::vector<std::string>{"300"});
}

TEST_CASE("a row changed on PostgreSQL after the copy is a checksum mismatch", "[migration]") {
  const Chain chain;
  const auto url = PgCluster::shared().fresh_database();
  auto o = partial_options(chain, url);
  REQUIRE(server::migrate_chain(o)->verified());

  auto db = server::pg::Connection::open(url).value();
  REQUIRE(db.exec("UPDATE members SET name = name || '.' WHERE id = 17").value().affected() == 1);
  REQUIRE(db.exec("UPDATE notes SET text = text || ' '").value().affected() == 1);
  o.verify_only = true;
  const auto verified = server::migrate_chain(o);
  REQUIRE(verified);
  CHECK_FALSE(verified->verified());
  CHECK(verified->copied.empty());
  for (const auto& check : verified->checks) {
    INFO(check.table);
    CHECK(check.rows_from == check.rows_to);
    const bool tampered = check.table == "members" || check.table == "notes";
    CHECK(check.matches() == !tampered);
  }

  // A row gone is a count mismatch too; put the name back and only that remains.
  REQUIRE(db.exec("UPDATE members SET name = left(name, -1) WHERE id = 17"));
  REQUIRE(db.exec("UPDATE notes SET text = left(text, -1)"));
  REQUIRE(db.exec("DELETE FROM card_alerts"));
  const auto again = server::migrate_chain(o).value();
  for (const auto& check : again.checks) {
    INFO(check.table);
    CHECK(check.matches() == (check.table != "card_alerts"));
  }
  CHECK(check_of(again, "card_alerts")->rows_to == 0);
  CHECK(check_of(again, "card_alerts")->rows_from == 1);
}

TEST_CASE("data PostgreSQL has no place for is refused unless allowed, and listed", "[migration]") {
  const Chain chain;
  // A column PostgreSQL has no place for (every member column has one since PostgreSQL
  // migration 7 gave it merged_into, the example here before): one a newer SQLite schema
  // might add, holding data in one row.
  REQUIRE(chain.open().execute("ALTER TABLE members ADD COLUMN nickname TEXT"));
  REQUIRE(chain.open().execute("UPDATE members SET nickname = 'Ada' WHERE id = 5"));
  const auto url = PgCluster::shared().fresh_database();
  const auto refused = server::migrate_chain(options(chain, url));
  REQUIRE(refused);
  CHECK(refused->refusal == MigrationRefusal::kLeftBehind);
  CHECK(refused->copied.empty());
  CHECK(refused->checks.empty());
  bool merged = false;
  for (const auto& left : refused->left_behind) {
    if (left.table == "members" && left.column == "nickname") merged = left.rows == 1;
    CHECK(left.column != "merged_into");     // since PostgreSQL migration 7
    CHECK(left.table != "staff_users");      // since PostgreSQL migration 7
    CHECK(left.table != "stores");     // held by PostgreSQL, every column
    CHECK(left.table != "purchases");        // since PostgreSQL migration 3
    CHECK(left.table != "value_snapshots");  // since PostgreSQL migration 4
    CHECK(left.table != "store_equity");     // since PostgreSQL migration 9
  }
  CHECK(source_count(chain, "store_equity") > 0);  // so it would have been listed
  CHECK(merged);
  CHECK(pg_rows(url, "SELECT count(*) FROM members", 1) == std::vector<std::string>{"0"});
}

TEST_CASE("a chain PostgreSQL holds whole migrates without --allow-partial", "[migration]") {
  testing::TempDir dir;
  const auto file = dir / "rapport.db";
  {
    auto store = server::open_sqlite_store(file).value();
    REQUIRE(store->add_store("S1", "High Street"));
    REQUIRE(store->add_member({"Ada Lovelace", "S1", "1815-12-10"}));
    REQUIRE(store->add_member({"Charles Babbage", "S1", std::nullopt}));
  }
  const auto url = PgCluster::shared().fresh_database();
  server::ChainMigrationOptions o;
  o.from = file;
  o.to = url;
  const auto migrated = server::migrate_chain(o);
  REQUIRE(migrated);
  for (const auto& left : migrated->left_behind) {
    FAIL_CHECK("left behind: " << left.table << " " << left.column.value_or("") << " "
                               << left.rows);
  }
  CHECK(migrated->verified());
  // Kept by triggers from members on SQLite only (the chain's cohort sums, rewards sums):
  // listed, not copied, not refused. cohort_days has its PostgreSQL twin: copied.
  std::vector<std::string> derived;
  for (const auto& t : migrated->derived) derived.push_back(t.table);
  CHECK(std::find(derived.begin(), derived.end(), "cohort_chain_days") != derived.end());
  CHECK(std::find(derived.begin(), derived.end(), "member_rewards") != derived.end());
  CHECK(check_of(*migrated, "cohort_days") != nullptr);
  CHECK(pg_rows(url, "SELECT id, name, birth_date FROM members ORDER BY id", 3) ==
        std::vector<std::string>{"1|Ada Lovelace|1815-12-10", "2|Charles Babbage|NULL"});
}

TEST_CASE("a chain's points ledger is copied, verified, and carries on on PostgreSQL",
          "[migration]") {
  testing::TempDir dir;
  const auto file = dir / "rapport.db";
  const std::string ada(64, 'a');
  std::int64_t ada_id = 0;
  std::int64_t sqlite_balance = 0;
  {
    auto store = server::open_sqlite_store(file).value();
    REQUIRE(store->add_store("S1", "High Street"));
    ada_id = store->add_member({"Ada Lovelace", "S1", "1815-12-10"}).value();
    REQUIRE(store->add_card(ada_id, {ada, "7894", domain::CardStatus::kActive}));
    store->set_rewards_rules(std::make_shared<const rewards::RewardsRules>(
        rewards::parse_rewards_rules(testing::kCounterRewardsRules, "counter.toml")));
    using domain::EventKind;
    const auto sale = testing::sale(ada, 10'000, "coffee");  // 200 points
    REQUIRE(store->record_events(std::vector<domain::Event>{
        sale, testing::redeem(ada, 150, sale.id),
        testing::make_event(EventKind::kGesture, ada,
                            protocol::encode_payload(protocol::GesturePayload{20, "spilt", "sam"})),
        testing::make_event(EventKind::kGesture, ada,
                            protocol::encode_payload(protocol::GesturePayload{40, "more", "sam"})),
        testing::make_event(EventKind::kOfferResponse, ada,
                            protocol::encode_payload(protocol::OfferResponsePayload{
                                "free-coffee", protocol::OfferResponse::kAccepted}))}));
    const std::vector<server::PointsAdjustment> goodwill{
        {ada_id, 5, "goodwill", "sam", "import:m:1"}};
    REQUIRE(store->adjust_points(goodwill));
    sqlite_balance = store->points_balance(ada_id).value().value();
    REQUIRE(sqlite_balance == 200 - 150 + 20 + 5);
  }
  const auto url = PgCluster::shared().fresh_database();
  server::ChainMigrationOptions o;
  o.from = file;
  o.to = url;
  const auto migrated = server::migrate_chain(o);
  REQUIRE(migrated);
  for (const auto& left : migrated->left_behind) {
    FAIL_CHECK("left behind: " << left.table << " " << left.column.value_or("") << " "
                               << left.rows);
  }
  CHECK(migrated->verified());
  for (const auto* table : {"points_postings", "points_entries", "points_reviews",
                            "member_reward_tiers", "offer_events", "reward_costs",
                            "rewards_days"}) {
    INFO(table);
    const auto* check = check_of(*migrated, table);
    REQUIRE(check != nullptr);
    CHECK(check->rows_from > 0);
    CHECK(check->matches());
  }
  // The same balance on PostgreSQL, and the ledger carries on there: a new posting gets a new
  // id after the copied ones, a cause posted on SQLite is known.
  auto store = server::open_store(url).value();
  store->set_rewards_rules(std::make_shared<const rewards::RewardsRules>(
      rewards::parse_rewards_rules(testing::kCounterRewardsRules, "counter.toml")));
  CHECK(store->points_balance(ada_id).value() == sqlite_balance);
  CHECK(store->points_cause_posted("import:m:1").value());
  REQUIRE(store->record_events(std::vector<domain::Event>{testing::sale(ada, 1'000)}));
  CHECK(store->points_balance(ada_id).value() == sqlite_balance + 10);
  CHECK(store->list_points_reviews(10).value().size() == 1);  // the second gesture
  // rewards_days was copied from SQLite with PostgreSQL's triggers off (COPY fires them):
  // the chain's outstanding points are Ada's balance once, not twice, and its triggers are
  // back on for the sale after the copy.
  const std::string chain =
      "SELECT sum(members), sum(net), sum(issued), sum(redeemed), sum(gestures), sum(accepted) "
      "FROM rewards_days WHERE place = ''";
  auto file_db = storage::Database::open(file, server::kSqliteMigrations).value();
  auto on_sqlite = file_db.prepare(chain).value();
  REQUIRE(on_sqlite.step().value());
  CHECK(on_sqlite.column_int64(0) == 1);
  CHECK(on_sqlite.column_int64(1) == sqlite_balance);
  CHECK(on_sqlite.column_int64(3) == 150);
  CHECK(on_sqlite.column_int64(5) == 1);
  // The sale after the copy: 10 points more issued and outstanding, nothing else.
  CHECK(pg_rows(url, chain, 6) ==
        std::vector<std::string>{
            "1|" + std::to_string(sqlite_balance + 10) + "|" +
            std::to_string(on_sqlite.column_int64(2) + 10) + "|150|" +
            std::to_string(on_sqlite.column_int64(4)) + "|1"});
}

TEST_CASE("a chain's staff and dashboard tables are copied, verified, and carry on on "
          "PostgreSQL", "[migration]") {
  testing::TempDir dir;
  const auto file = dir / "rapport.db";
  std::int64_t ada = 0, bob = 0, maria = 0, carl = 0;
  const std::string at = "2026-11-26T08:00:00.000Z";
  {
    auto store = server::open_sqlite_store(file).value();
    REQUIRE(store->add_store("S1", "High Street"));
    REQUIRE(store->add_store("S2", "Station Road"));
    ada = store->add_member({"Ada Lovelace", "S1", "1815-12-10"}).value();
    bob = store->add_member({"Bob Kahn", "S1", std::nullopt}).value();
    REQUIRE(store->add_card(bob, {std::string(64, 'b'), "0001", domain::CardStatus::kActive}));
    auto staff = server::StaffStore::open(file).value();
    maria = staff->add_user({"maria", server::StaffRole::kStoreManager, {"S1"}, "h1"}, at).value();
    carl = staff->add_user({"carl", server::StaffRole::kCashier, {"S1", "S2"}, "h2"}, at).value();
    REQUIRE(staff->disable_user(carl, at));
    REQUIRE(staff->record_audit({at, maria, "maria", "login", "", "ok", "10.0.0.1"}));
    REQUIRE(staff->set_owner(ada, carl, maria, at));
    REQUIRE(staff->raise_follow_ups(at).value() == 1);  // Carl lapsed as Ada's owner
    const server::StaffUser by{maria, "maria", server::StaffRole::kStoreManager, {"S1"}};
    REQUIRE(staff->merge_members(ada, bob, by, at).has_value());
  }
  const auto url = PgCluster::shared().fresh_database();
  server::ChainMigrationOptions o;
  o.from = file;
  o.to = url;
  const auto migrated = server::migrate_chain(o);
  REQUIRE(migrated);
  for (const auto& left : migrated->left_behind) {
    FAIL_CHECK("left behind: " << left.table << " " << left.column.value_or("") << " "
                               << left.rows);
  }
  CHECK(migrated->verified());
  for (const auto* table : {"staff_users", "staff_user_stores", "audit_log",
                            "relationship_owners", "follow_ups", "members"}) {
    INFO(table);
    const auto* check = check_of(*migrated, table);
    REQUIRE(check != nullptr);
    CHECK(check->rows_from > 0);
    CHECK(check->matches());
  }
  // The dashboard's store on PostgreSQL answers as it did on SQLite, and carries on: a new
  // user and a new follow-up get ids after the copied ones.
  auto before = server::StaffStore::open(file).value();
  auto after = server::open_staff_store(url).value();
  const auto users = after->list_users().value();
  REQUIRE(users.size() == 2);
  CHECK(users[0].name == "carl");
  CHECK(users[0].stores == std::vector<std::string>{"S1", "S2"});
  CHECK(after->find_user_by_name("carl").value()->disabled);
  CHECK(after->member(bob).value()->merged_into == ada);
  CHECK(after->open_follow_ups("S1").value().size() == 1);
  CHECK(after->regulars("S1", 10).value().size() == before->regulars("S1", 10).value().size());
  CHECK(after->regulars("S1", 10).value().front().owner == std::optional<std::string>("carl"));
  CHECK(after->add_user({"sam", server::StaffRole::kCashier, {"S2"}, "h3"}, at).value() ==
        carl + 1);
  CHECK(after->list_audit(10).value().size() == 1);
  REQUIRE(after->close_follow_up(after->open_follow_ups("S1").value().front().id, maria, at)
              .value());
  REQUIRE(after->set_owner(ada, maria, maria, at));
  REQUIRE(after->disable_user(maria, "2026-11-27T08:00:00.000Z").value());
  REQUIRE(after->raise_follow_ups("2026-11-27T09:00:00.000Z").value() == 1);
  CHECK(after->open_follow_ups("S1").value().front().id == 2);
}

TEST_CASE("a row PostgreSQL refuses fails the whole copy and leaves the target empty",
          "[migration]") {
  testing::TempDir dir;
  const auto file = dir / "rapport.db";
  {
    auto store = server::open_sqlite_store(file).value();
    REQUIRE(store->add_store("S1", "High Street"));
    REQUIRE(store->add_member({"Ada Lovelace", "S1", "1815-12-10"}));
  }
  {
    // A card of no member: SQLite lets it in with its foreign keys off, PostgreSQL never.
    auto db = storage::Database::open(file, server::kSqliteMigrations).value();
    REQUIRE(db.execute("PRAGMA foreign_keys = OFF"));
    REQUIRE(
        db.execute("INSERT INTO cards (token, member_id, last4, issued_at) "
                   "VALUES ('orphan', 99, '0000', '2026-11-27T10:00:00Z')"));
  }
  const auto url = PgCluster::shared().fresh_database();
  server::ChainMigrationOptions o;
  o.from = file;
  o.to = url;
  const auto failed = server::migrate_chain(o);
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == storage::StorageErrc::kConstraint);
  // Stores and members were copied before cards, in the same transaction: gone with it.
  CHECK(pg_rows(url, "SELECT (SELECT count(*) FROM stores) + (SELECT count(*) FROM members)", 1) ==
        std::vector<std::string>{"0"});
}

TEST_CASE("a write to the SQLite file during the migration is noticed", "[migration]") {
  testing::TempDir dir;
  const auto file = dir / "rapport.db";
  {
    auto store = server::open_sqlite_store(file).value();
    REQUIRE(store->add_store("S1", "High Street"));
    REQUIRE(store->add_member({"Ada Lovelace", "S1", "1815-12-10"}));
  }
  server::ChainMigrationOptions o;
  o.from = file;
  o.to = PgCluster::shared().fresh_database();
  // A server still running: it adds a store once the members are copied.
  const auto writer = [&](std::string_view stage, std::string_view table, std::int64_t,
                          std::int64_t) {
    if (stage != "copied" || table != "members") return;
    auto store = server::open_sqlite_store(file).value();
    REQUIRE(store->add_store("S2", "Station Road"));
  };
  const auto migrated = server::migrate_chain(o, writer);
  REQUIRE(migrated);
  CHECK(migrated->source_changed);
  CHECK_FALSE(migrated->verified());
  // The copy and its check are of the file as it was: S2 is not in PostgreSQL.
  CHECK(pg_rows(o.to, "SELECT id FROM stores ORDER BY id", 1) == std::vector<std::string>{"S1"});

  o.verify_only = true;  // now the check sees S2 on SQLite only
  const auto again = server::migrate_chain(o).value();
  CHECK_FALSE(again.source_changed);
  CHECK_FALSE(check_of(again, "stores")->matches());
}

TEST_CASE("a missing source, an unreachable PostgreSQL or one without a chain is an error",
          "[migration]") {
  testing::TempDir dir;
  server::ChainMigrationOptions o;
  o.from = dir / "no-such.db";
  o.to = PgCluster::shared().fresh_database();
  const auto missing = server::migrate_chain(o);
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == server::MigrationErrc::kSourceMissing);
  CHECK_FALSE(std::filesystem::exists(o.from));  // not created by the attempt

  { auto store = server::open_sqlite_store(dir / "rapport.db").value(); }
  o.from = dir / "rapport.db";
  // --verify-only against a database that never held a chain: an error, not "all match".
  o.verify_only = true;
  const auto empty_url = PgCluster::shared().fresh_database();
  o.to = empty_url;
  const auto nothing = server::migrate_chain(o);
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error() == server::MigrationErrc::kTargetNotMigrated);
  CHECK(pg_rows(empty_url, "SELECT to_regclass('members') IS NULL", 1) ==
        std::vector<std::string>{"t"});  // and it created nothing there
  o.verify_only = false;
  o.to = "postgresql:///chain?host=" + (dir / "no-server").string() + "&connect_timeout=2";
  const auto unreachable = server::migrate_chain(o);
  REQUIRE_FALSE(unreachable);
  CHECK(unreachable.error() == server::pg::PgErrc::kCannotConnect);
}
