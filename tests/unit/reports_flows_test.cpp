// tests/unit/reports_flows_test.cpp
//
// The summaries behind acquisition, acquisition-cost and tier-migrations with a period
// (server migration 24; docs/reports.md): each report's figures against the test's own SQL
// over the raw tables, for the chain, stores, regions and periods of whole months, cut
// months, before any data and after it, through the changes that move them (new members,
// moves, merges, erasure, corrections, a store changing region, full and incremental
// refreshes); and their query plans, which read the summaries instead of the members.

#include <boost/json/parse.hpp>
#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "server/reports/acquisition.h"
#include "server/reports/acquisition_cost.h"
#include "server/reports/campaign_store.h"
#include "server/reports/filter_sql.h"
#include "server/reports/report.h"
#include "server/reports/rewards.h"
#include "server/reports/sinks.h"
#include "server/dashboard/staff.h"
#include "server/seed_chain.h"
#include "server/storage/member_rights_store.h"
#include "server/reports/value_reports.h"
#include "server/storage/sqlite_rewards_days.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/sqlite_tier_checkpoints.h"
#include "server/storage/sqlite_value.h"
#include "server/storage/staff_store.h"
#include "server/storage/store.h"
#include "server/value/synthetic_chain.h"
#include "server/value/value_model.h"
#include "server/value_refresh.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"

using namespace rapport;
namespace reports = rapport::server::reports;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);
using Rows = std::vector<std::vector<std::string>>;

// A seeded chain of 3 stores (regions North, South, East), as the other report tests.
struct Chain {
  testing::TempDir dir;
  server::SeedTarget target{dir / "rapport.db",
                            card::CardKey::from_hex(std::string(64, 'c')).value(), "627599"};
  explicit Chain(std::size_t members, std::chrono::sys_days end = kEnd) {
    value::ChainSpec spec;
    spec.members = members;
    spec.stores = 3;
    spec.seed = 11;
    REQUIRE(server::seed_chain(target, spec, end, server::SeedPath::kBulk));
  }
  storage::Database open() {
    return storage::Database::open(target.database, server::kSqliteMigrations).value();
  }
};

Rows table(storage::Database& db, const std::string& sql, const reports::Filter& f = {}) {
  auto stmt = db.prepare(sql).value();
  reports::bind_filter(stmt, f);
  Rows rows;
  while (stmt.step().value()) {
    std::vector<std::string> row;
    for (int i = 0; i < stmt.column_count(); ++i) {
      row.push_back(stmt.column_is_null(i) ? "NULL" : stmt.column_text(i));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string plan(storage::Database& db, const std::string& sql) {
  std::string lines;
  for (const auto& row : table(db, "EXPLAIN QUERY PLAN " + sql)) lines += row.back() + "\n";
  return lines;
}

// The report itself, not the cached wrapper of all_reports(): these tests change the tables
// between views without a full refresh, and the cache would replay the first view.
Rows run(storage::Database& db, const reports::Report& report, const reports::Filter& f,
         const std::vector<std::string>& columns) {
  std::ostringstream out;
  const auto sink = reports::json_sink(out);
  REQUIRE(report.run(db, f, *sink));
  Rows rows;
  const auto parsed = boost::json::parse(out.str());
  for (const auto& r : parsed.as_array()) {
    std::vector<std::string> row;
    for (const auto& c : columns) {
      const auto& v = r.as_object().at(c);
      row.push_back(v.is_null()     ? "NULL"
                    : v.is_string() ? std::string(v.as_string())
                                    : std::to_string(v.as_int64()));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

reports::Filter filter(std::optional<std::string> store, std::optional<std::string> region,
                       std::optional<std::string> from, std::optional<std::string> to) {
  reports::Filter f;
  f.store = std::move(store);
  f.region = std::move(region);
  f.from = std::move(from);
  f.to = std::move(to);
  return f;
}

// The members a filter selects, written plainly over the raw tables (?1..?4 as the reports).
const std::string kSelected =
    "m.merged_into IS NULL AND (?1 IS NULL OR m.home_store = ?1) AND (?2 IS NULL OR "
    "m.home_store IN (SELECT id FROM stores WHERE region = ?2)) AND (?3 IS NULL OR "
    "m.enrolled_on >= ?3) AND (?4 IS NULL OR m.enrolled_on <= ?4)";

// acquisition: channel, campaign, members, valued, lifetime value and the campaign's members
// in the whole chain, for every channel and campaign that won selected members.
Rows own_acquisition(storage::Database& db, const reports::Filter& f) {
  return table(db,
               "SELECT coalesce(m.channel, 'unknown'), coalesce(c.id, ''), count(*), "
               "count(v.member_id), coalesce(sum(v.lifetime_value_cents), 'NULL'), "
               "CASE WHEN c.id IS NULL THEN 'NULL' ELSE (SELECT count(*) FROM members w WHERE "
               "w.merged_into IS NULL AND w.channel = c.channel AND w.enrolled_on BETWEEN "
               "c.starts_on AND c.ends_on) END "
               "FROM members m LEFT JOIN campaigns c ON c.channel = m.channel AND m.enrolled_on "
               "BETWEEN c.starts_on AND c.ends_on LEFT JOIN value_snapshots v ON v.member_id = "
               "m.id WHERE " + kSelected + " GROUP BY 1, 2 ORDER BY 1, 2",
               f);
}

Rows own_acquisition_cost(storage::Database& db, const reports::Filter& f) {
  return table(db,
               "SELECT coalesce(m.channel, 'unknown'), count(*), count(v.member_id), "
               "CASE WHEN count(v.member_id) = 0 THEN 'NULL' ELSE "
               "round(sum(v.lifetime_value_cents) * 1.0 / count(v.member_id)) END "
               "FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id WHERE " +
                   kSelected + " GROUP BY 1 ORDER BY 1",
               f);
}

const std::vector<std::string> kAcquisitionColumns{
    "channel", "campaign", "members", "valued_members", "lifetime_value_cents",
    "campaign_members"};
const std::vector<std::string> kCostColumns{"channel", "members", "valued_members",
                                            "affordable_cost_cents"};

// The acquisition rows that won members (the rest are campaigns that won none here).
Rows with_members(Rows rows) {
  std::erase_if(rows, [](const auto& r) { return r[2] == "0"; });
  for (auto& r : rows) {
    if (r[1] == "NULL") r[1] = "";
  }
  return rows;
}

// acquisition-cost's rows for channels with selected members, the mean as the test rounds it.
Rows cost_with_members(Rows rows) {
  std::erase_if(rows, [](const auto& r) { return r[1] == "0"; });
  for (auto& r : rows) {
    if (r[3] != "NULL") r[3] = std::to_string(std::stoll(r[3])) + ".0";
  }
  return rows;
}

// Drops what migrations 24 and 25 made and runs them again: 24's backfill of acquisition_days
// from the raw tables, and 25's checkpoints (rebuilt by the next save).
void rerun_migration(storage::Database& db) {
  REQUIRE(db.execute(
      "DROP TRIGGER acquisition_member_new; DROP TRIGGER acquisition_member_moved; "
      "DROP TRIGGER acquisition_member_gone; DROP TRIGGER acquisition_store_region; "
      "DROP INDEX members_acquired; DROP TABLE acquisition_days; "
      "DROP TRIGGER tier_history_edited; DROP TRIGGER tier_history_removed; "
      "DROP TABLE tier_checkpoints; DROP TABLE tier_checkpoints_state;"));
  // Found by what they create, so a renumbering at merge leaves the test alone.
  for (const std::string_view creates :
       {"CREATE TABLE acquisition_days", "CREATE TABLE tier_checkpoints "}) {
    const auto migration = std::find_if(
        server::kSqliteMigrations.begin(), server::kSqliteMigrations.end(),
        [&](const auto& m) { return m.sql.find(creates) != std::string_view::npos; });
    REQUIRE(migration != server::kSqliteMigrations.end());
    REQUIRE(db.execute(std::string(migration->sql)));
  }
}

const std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> kPeriods{
    {std::nullopt, std::nullopt},        // all of it
    {"2025-03-01", "2025-08-31"},        // whole months
    {"2025-02-14", "2026-02-10"},        // months cut at both ends
    {"2025-05-10", "2025-05-20"},        // inside one month
    {std::nullopt, "2025-06-15"},        // open start
    {"2025-12-31", std::nullopt},        // open end
    {"2001-01-01", "2001-12-31"},        // before any data
    {"2030-01-01", "2030-12-31"},        // after it
};

}  // namespace

TEST_CASE("acquisition and acquisition-cost from acquisition_days equal the test's own SQL "
          "through new members, moves, merges, erasure, corrections, a store changing region "
          "and refreshes, for any store, region and period",
          "[reports][summaries][acquisition]") {
  Chain chain(240);
  {
    auto store = server::open_sqlite_store(chain.target.database).value();
    REQUIRE(server::refresh_values(*store, {}, kEnd));
  }
  auto db = chain.open();
  {
    const auto days = table(db, "SELECT DISTINCT enrolled_on FROM members ORDER BY 1");
    REQUIRE(days.size() > 40);
    const auto day = [&](double share) {
      return days[static_cast<std::size_t>(share * static_cast<double>(days.size() - 1))][0];
    };
    const auto campaign = [](std::string id, std::string channel, std::string from,
                             std::string to) {
      reports::Campaign c;
      c.id = id;
      c.name = "Campaign " + id;
      c.channel = std::move(channel);
      c.starts_on = std::move(from);
      c.ends_on = std::move(to);
      c.spend_cents = 40'000;
      return c;
    };
    const std::vector<reports::Campaign> campaigns{
        campaign("flyer-a", "flyer", day(0.1), day(0.5)),
        campaign("social-1", "social", day(0.0), day(0.6)),
        campaign("app-1", "app", day(0.55), day(0.95))};
    REQUIRE(reports::add_campaigns(db, campaigns).value().empty());
  }
  const auto acquisition = reports::acquisition_report();
  const auto cost = reports::acquisition_cost_report();
  const auto agrees = [&](const char* after) {
    INFO("after " << after);
    // The summary itself: the chain's and each region's sums of the raw tables.
    CHECK(table(db, "SELECT scope, day, channel, members, valued, lifetime_value_cents FROM "
                    "acquisition_days WHERE members <> 0 OR valued <> 0 OR "
                    "lifetime_value_cents <> 0 ORDER BY 1, 2, 3") ==
          table(db, "SELECT scope, day, channel, count(*), count(v), coalesce(sum(v), 0) FROM "
                    "(SELECT '' AS scope, coalesce(m.enrolled_on, '') AS day, "
                    "coalesce(m.channel, '') AS channel, v.member_id AS v_id, "
                    "v.lifetime_value_cents AS v FROM members m LEFT JOIN value_snapshots v ON "
                    "v.member_id = m.id WHERE m.merged_into IS NULL UNION ALL "
                    "SELECT s.region, coalesce(m.enrolled_on, ''), coalesce(m.channel, ''), "
                    "v.member_id, v.lifetime_value_cents FROM members m JOIN stores s ON s.id = "
                    "m.home_store LEFT JOIN value_snapshots v ON v.member_id = m.id WHERE "
                    "m.merged_into IS NULL AND s.region <> '') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"));
    for (const auto& [from, to] : kPeriods) {
      for (const auto& [store, region] :
           std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>{
               {std::nullopt, std::nullopt}, {"S1", std::nullopt}, {"S2", std::nullopt},
               {std::nullopt, "North"}, {std::nullopt, "South"}, {std::nullopt, "East"},
               {"S3", "East"}}) {
        const auto f = filter(store, region, from, to);
        INFO("store " << f.store.value_or("-") << " region " << f.region.value_or("-")
                      << " from " << f.from.value_or("-") << " to " << f.to.value_or("-"));
        CHECK(with_members(run(db, *acquisition, f, kAcquisitionColumns)) ==
              own_acquisition(db, f));
        CHECK(cost_with_members(run(db, *cost, f, kCostColumns)) == own_acquisition_cost(db, f));
      }
    }
  };
  {
    // Not a test that cannot fail: members with campaigns and values in the periods.
    const auto rows = own_acquisition(db, filter(std::nullopt, std::nullopt, "2025-02-14",
                                                 "2026-02-10"));
    REQUIRE(rows.size() > 4);
    CHECK(std::count_if(rows.begin(), rows.end(), [](const auto& r) { return !r[1].empty(); }) >=
          2);
  }
  agrees("seeding and a refresh");

  const auto first_member_of = [&](const std::string& store) {
    return std::stoll(table(db, "SELECT min(id) FROM members WHERE home_store = '" + store +
                                    "' AND merged_into IS NULL AND erased_at IS NULL")[0][0]);
  };
  const std::int64_t a = first_member_of("S1");
  const std::int64_t b = first_member_of("S2");
  const std::int64_t c = first_member_of("S3");
  REQUIRE(db.execute("INSERT INTO members(name, home_store, created_at, enrolled_on, channel) "
                     "VALUES ('New Flyer', 'S2', '2025-05-12T10:00:00.000Z', '2025-05-12', "
                     "'flyer'), ('No Day', 'S1', '2026-11-26T10:00:00.000Z', NULL, NULL)"));
  agrees("two new members, one without a day or channel");
  {
    auto staff = server::StaffStore::open(chain.target.database).value();
    REQUIRE(staff->move_member(a, "S3"));
    agrees("a member moved to another region");
    const server::StaffUser ana{0, "ana", server::StaffRole::kHeadOffice, {}};
    REQUIRE(staff->merge_members(c, b, ana, "2026-11-26T10:00:00.000Z"));
    agrees("a merge");
  }
  {
    auto rights = server::MemberRightsStore::open(chain.target.database).value();
    REQUIRE(rights->erase_member({a, "j.smith", "customer request", now_iso8601()}).value());
  }
  agrees("an erasure");
  REQUIRE(db.execute("UPDATE members SET enrolled_on = '2025-04-17', channel = 'app' WHERE id = " +
                     std::to_string(c)));
  agrees("an enrollment day and channel corrected");
  REQUIRE(db.execute("UPDATE stores SET region = 'North' WHERE id = 'S2'"));
  agrees("a store moved to another region");
  {
    // A few members buy again: the incremental refresh values them (and the new members).
    auto store = server::open_sqlite_store(chain.target.database).value();
    std::vector<domain::Event> sync;
    for (const std::size_t index : {std::size_t{4}, std::size_t{40}, std::size_t{140}}) {
      sync.push_back(testing::sale(server::seeded_card_token(chain.target, index), 90'000,
                                   "retail",
                                   to_iso8601(kEnd - std::chrono::days(1)).substr(0, 10) +
                                       "T12:00:00.000Z"));
    }
    REQUIRE(store->record_events(sync));
    const auto small = server::refresh_changed_values(*store, {}, kEnd, 50).value();
    CHECK(small.kind == server::RefreshKind::kIncremental);
  agrees("an incremental refresh");
    REQUIRE(server::refresh_values(*store, {}, kEnd + std::chrono::days(30)));
  }
  agrees("a second full refresh");

  // Migration 24's backfill, from the raw tables, builds the same summary.
  const std::string kept = "SELECT * FROM acquisition_days WHERE members <> 0 OR valued <> 0 OR "
                           "lifetime_value_cents <> 0 ORDER BY 1, 2, 3";
  const auto before = table(db, kept);
  rerun_migration(db);
  CHECK(table(db, kept) == before);
  agrees("the migration's backfill");
}

TEST_CASE("acquisition and acquisition-cost read acquisition_days, never members, for the "
          "chain and a region with any period", "[reports][summaries][acquisition]") {
  Chain chain(60);
  auto db = chain.open();
  for (const auto& f : {filter(std::nullopt, std::nullopt, std::nullopt, std::nullopt),
                        filter(std::nullopt, std::nullopt, "2025-02-14", "2026-02-10"),
                        filter(std::nullopt, "North", "2025-02-14", "2026-02-10"),
                        filter(std::nullopt, "North", std::nullopt, "2026-02-10")}) {
    INFO("region " << f.region.value_or("-") << " from " << f.from.value_or("-"));
    for (const std::string& sql : {reports::acquisition_sql(f), reports::acquisition_cost_sql(f)}) {
      const std::string lines = plan(db, sql);
      // No table members (m) or value_snapshots (v), whatever index: the CTEs' names say
      // "members", so the plan is searched for the tables' aliases.
      CHECK_THAT(lines, !Catch::Contains("SCAN m\n"));
      CHECK_THAT(lines, !Catch::Contains("SEARCH m "));
      CHECK_THAT(lines, !Catch::Contains(" v "));
      CHECK_THAT(lines, !Catch::Contains("value_snapshots"));
      CHECK_THAT(lines, Catch::Contains("SEARCH acquisition_days USING PRIMARY KEY (scope=?"));
    }
  }
  // A store's view starts from its members (members_home_store), never a scan of them.
  const std::string lines =
      plan(db, reports::acquisition_sql(filter("S1", std::nullopt, "2025-02-14", "2026-02-10")));
  CHECK_THAT(lines, Catch::Contains("members_home_store"));
  CHECK_THAT(lines, !Catch::Contains("SCAN m"));
}

namespace {

// tier-migrations over the raw tables, as docs/reports.md defines it: each member's tier at
// the start (their last tier_history row before `from`) and at the end (their last on or
// before `to`), for members of the place with a tier at the end.
Rows own_tier_migrations(storage::Database& db, const reports::Filter& f) {
  return table(
      db,
      "WITH h AS (SELECT h.member_id, substr(h.changed_at, 1, 10) AS day, h.tier, h.changed_at, "
      "  h.rowid AS seq FROM tier_history h JOIN members m ON m.id = h.member_id WHERE "
      "  (?1 IS NULL OR m.home_store = ?1) AND (?2 IS NULL OR m.home_store IN (SELECT id FROM "
      "  stores WHERE region = ?2))), "
      "ends AS (SELECT member_id, (SELECT tier FROM h x WHERE x.member_id = h.member_id AND "
      "  (?4 IS NULL OR x.day <= ?4) ORDER BY changed_at DESC, seq DESC LIMIT 1) AS e, "
      "  (SELECT tier FROM h x WHERE x.member_id = h.member_id AND ?3 IS NOT NULL AND x.day < ?3 "
      "  ORDER BY changed_at DESC, seq DESC LIMIT 1) AS s FROM h GROUP BY member_id) "
      "SELECT coalesce(s, '(none)'), count(*), sum(e = 'MVC'), sum(e = 'MGC'), sum(e = 'LMC'), "
      "  sum(e = 'BZ') FROM ends WHERE e IS NOT NULL GROUP BY 1 ORDER BY CASE coalesce(s, "
      "  '(none)') WHEN 'MVC' THEN 1 WHEN 'MGC' THEN 2 WHEN 'LMC' THEN 3 WHEN 'BZ' THEN 4 "
      "  ELSE 5 END",
      f);
}

const std::vector<std::string> kTierColumns{"from_tier", "members", "to_MVC", "to_MGC",
                                            "to_LMC", "to_BZ"};

// A value refresh saved as if on `day`: the model's tiers as of `as_of`, then every
// `nudge`-th member's tier turned by `turn` (so members change tier, some several times).
// `only`: an incremental save of those members alone.
void save_refresh(storage::Database& db, const std::string& day, std::chrono::sys_days as_of,
                  std::int64_t nudge, int turn, std::optional<std::int64_t> only = {}) {
  const auto inputs = server::sqlite::read_value_inputs(db).value();
  auto refresh = value::compute_values(inputs, as_of, {}).value();
  for (auto& snap : refresh.snapshots) {
    if (snap.member_id % nudge == 0) {
      snap.tier = static_cast<value::ValueTier>((static_cast<int>(snap.tier) - 1 + turn) % 4 + 1);
    }
  }
  if (only) {
    std::erase_if(refresh.snapshots, [&](const auto& x) { return x.member_id % *only != 0; });
  }
  server::ValueSaveMark mark;
  mark.full = !only;
  if (only) {
    mark.fit_id = std::stoll(table(db, "SELECT max(id) FROM value_fits")[0][0]);
  }
  // Stamped at 06:00 unless `day` says when (two saves never share a millisecond).
  const std::string at = day.size() > 10 ? day : day + "T06:00:00.000Z";
  REQUIRE(server::sqlite::save_value_refresh(db, refresh, at, day.substr(0, 10), mark));
}

}  // namespace

TEST_CASE("tier migrations from the daily checkpoints equal the test's own SQL over tier_history through "
          "refreshes on several days, members who change tier again and again, moves, merges, "
          "erasure, a store changing region and an edited history, for any store, region and "
          "period",
          "[reports][summaries][tiers]") {
  Chain chain(240);
  auto db = chain.open();
  const auto report = reports::tier_migrations_report();
  const std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> periods{
      {std::nullopt, std::nullopt},  {"2026-03-01", "2026-05-31"}, {"2026-02-14", "2026-06-10"},
      {"2026-04-02", "2026-04-02"},  {std::nullopt, "2026-04-15"}, {"2026-04-16", std::nullopt},
      {"2026-01-01", "2026-03-31"},  {"2001-01-01", "2001-12-31"}, {"2030-01-01", "2030-12-31"},
      {"2026-05-20", "2026-05-01"}};
  const auto agrees = [&](const char* after) {
    INFO("after " << after);
    for (const auto& [from, to] : periods) {
      for (const auto& [store, region] :
           std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>{
               {std::nullopt, std::nullopt}, {"S1", std::nullopt}, {"S2", std::nullopt},
               {std::nullopt, "North"}, {std::nullopt, "South"}, {"S3", "East"},
               {"S3", "North"}}) {
        const auto f = filter(store, region, from, to);
        INFO("store " << f.store.value_or("-") << " region " << f.region.value_or("-")
                      << " from " << f.from.value_or("-") << " to " << f.to.value_or("-"));
        CHECK(run(db, *report, f, kTierColumns) == own_tier_migrations(db, f));
      }
    }
  };
  agrees("no refresh yet");
  // Refreshes on six days: everyone's first tier, then changes, some members every time.
  save_refresh(db, "2026-03-10", kEnd, 7, 1);
  save_refresh(db, "2026-04-02", kEnd + std::chrono::days(30), 5, 2);
  save_refresh(db, "2026-04-02T18:00:00.000Z", kEnd + std::chrono::days(30), 3, 1, 3);
  save_refresh(db, "2026-04-20", kEnd + std::chrono::days(60), 5, 3, 5);  // incremental
  save_refresh(db, "2026-05-15", kEnd + std::chrono::days(90), 4, 2);
  save_refresh(db, "2026-06-01", kEnd + std::chrono::days(120), 6, 1);
  {
    // Not a test that cannot fail: members moved, and some moved twice in a period.
    const auto rows = own_tier_migrations(db, filter(std::nullopt, std::nullopt, "2026-03-11",
                                                     std::nullopt));
    REQUIRE(rows.size() >= 3);
    CHECK(std::stoll(table(db, "SELECT count(*) FROM (SELECT member_id FROM tier_history "
                               "WHERE changed_at >= '2026-03-11' GROUP BY member_id "
                               "HAVING count(DISTINCT tier) > 1)")[0][0]) > 10);
  }
  CHECK(table(db, "SELECT current FROM tier_checkpoints_state")[0][0] == "1");
  CHECK(table(db, "SELECT count(*) FROM tier_checkpoints")[0][0] == "5");  // one a day
  agrees("refreshes on five days");

  const auto first_member_of = [&](const std::string& store) {
    return std::stoll(table(db, "SELECT min(id) FROM members WHERE home_store = '" + store +
                                    "' AND merged_into IS NULL AND erased_at IS NULL")[0][0]);
  };
  const std::int64_t a = first_member_of("S1");
  const std::int64_t b = first_member_of("S2");
  const std::int64_t c = first_member_of("S3");
  {
    auto staff = server::StaffStore::open(chain.target.database).value();
    REQUIRE(staff->move_member(a, "S3"));
    agrees("a member moved to another region");
    const server::StaffUser ana{0, "ana", server::StaffRole::kHeadOffice, {}};
    REQUIRE(staff->merge_members(c, b, ana, "2026-11-26T10:00:00.000Z"));
    agrees("a merge");
  }
  {
    auto rights = server::MemberRightsStore::open(chain.target.database).value();
    REQUIRE(rights->erase_member({a, "j.smith", "customer request", now_iso8601()}).value());
  }
  REQUIRE(db.execute("INSERT INTO members(name, home_store, created_at) VALUES "
                     "('New Member', 'S2', '2026-11-26T10:00:00.000Z')"));
  agrees("an erasure and a new member");
  REQUIRE(db.execute("UPDATE stores SET region = 'North' WHERE id = 'S2'"));
  agrees("a store moved to another region");
  save_refresh(db, "2026-06-20", kEnd, 9, 2);
  agrees("a refresh after them");

  // After the migration the report reads the history; the rebuild (which the first save
  // runs) makes the checkpoints the saves made one by one, from tier_history alone.
  const std::string kept = "SELECT day, hex(tiers) FROM tier_checkpoints ORDER BY day";
  const auto before = table(db, kept);
  rerun_migration(db);
  CHECK(table(db, "SELECT current FROM tier_checkpoints_state")[0][0] == "0");
  agrees("the migration, before a refresh");
  REQUIRE(server::sqlite::rebuild_tier_checkpoints(db));
  CHECK(table(db, kept) == before);
  CHECK(table(db, "SELECT current FROM tier_checkpoints_state")[0][0] == "1");
  agrees("the rebuild");

  // An edit of tier_history (Rapport never makes one) marks the summary stale: the report
  // reads the history until the next refresh rebuilds it.
  REQUIRE(db.execute("UPDATE tier_history SET changed_at = '2026-04-25T06:00:00.000Z' WHERE "
                     "rowid IN (SELECT rowid FROM tier_history WHERE changed_at LIKE "
                     "'2026-05-15%' LIMIT 30)"));
  CHECK(table(db, "SELECT current FROM tier_checkpoints_state")[0][0] == "0");
  agrees("an edited history");
  save_refresh(db, "2026-07-01", kEnd, 8, 3);
  CHECK(table(db, "SELECT current FROM tier_checkpoints_state")[0][0] == "1");
  CHECK(table(db, kept) != before);
  agrees("the rebuild by the next refresh");
}

TEST_CASE("tier migrations find a store's or region's members by their home store, never by "
          "scanning members or reading tier_history", "[reports][summaries][tiers]") {
  Chain chain(60);
  auto db = chain.open();
  for (const auto& f : {filter("S1", std::nullopt, "2025-02-14", "2026-02-10"),
                        filter(std::nullopt, "North", "2025-02-14", std::nullopt),
                        filter("S1", "North", std::nullopt, std::nullopt)}) {
    INFO("store " << f.store.value_or("-") << " region " << f.region.value_or("-"));
    const std::string lines = plan(db, reports::tier_migrations_members_sql(f));
    CHECK_THAT(lines, Catch::Contains("USING COVERING INDEX members_home_store"));
    CHECK_THAT(lines, !Catch::Contains("SCAN m"));
    CHECK_THAT(lines, !Catch::Contains("tier_history"));
  }
}

TEST_CASE("a day's tier checkpoint holds 4 bits per member id and grows with the ids",
          "[reports][tiers]") {
  server::TierCheckpoint checkpoint;
  CHECK(checkpoint.tier_of(7) == 0);
  checkpoint.set(7, server::tier_code("LMC"));
  checkpoint.set(6, server::tier_code("MVC"));
  checkpoint.set(1'000'001, server::tier_code("BZ"));
  CHECK(checkpoint.tier_of(6) == 1);
  CHECK(checkpoint.tier_of(7) == 3);
  CHECK(checkpoint.tier_of(8) == 0);
  CHECK(checkpoint.tier_of(1'000'001) == 4);
  CHECK(checkpoint.tier_of(1'000'000) == 0);
  CHECK(checkpoint.tier_of(-1) == 0);
  CHECK(checkpoint.packed().size() == 500'001);
  checkpoint.set(7, server::tier_code("MGC"));
  CHECK(checkpoint.tier_of(7) == 2);
  CHECK(checkpoint.tier_of(6) == 1);
  CHECK(server::tier_code("none") == 0);
}

// --- The rewards report from rewards_days (migration 25) ---

namespace {

const std::vector<std::string> kRewardsColumns{
    "tier",           "members",         "points_outstanding", "points_issued",
    "points_redeemed", "points_expired", "gesture_points",     "offers_shown",
    "offers_held_out", "offers_accepted", "reward_cost_cents"};

// A ledger posting as the rewards engine writes it: the member's entry and the chain's.
void post(storage::Database& db, const std::string& kind, const std::string& cause,
          std::int64_t member, std::int64_t points, const std::string& at) {
  auto p = db.prepare("INSERT INTO points_postings(kind, cause, occurred_at, posted_at) "
                      "VALUES (?1, ?2, ?3, ?3)")
               .value();
  REQUIRE(p.bind(1, kind).bind(2, cause).bind(3, at).run());
  const std::string chain = kind == "redemption" ? "chain:redeemed"
                            : kind == "expiry"   ? "chain:expired"
                                                 : "chain:issued";
  auto e = db.prepare("INSERT INTO points_entries(posting_id, account, member_id, points) "
                      "VALUES (?1, 'member', ?2, ?3), (?1, ?4, NULL, -?3)")
               .value();
  REQUIRE(e.bind(1, db.last_insert_rowid()).bind(2, member).bind(3, points).bind(4, chain).run());
}

void offer(storage::Database& db, std::int64_t member, const std::string& outcome,
           const std::string& at) {
  auto o = db.prepare("INSERT INTO offer_events(member_id, offer_id, outcome, at, store_id) "
                      "VALUES (?1, 'o1', ?2, ?3, 'S1')")
               .value();
  REQUIRE(o.bind(1, member).bind(2, outcome).bind(3, at).run());
}

void reward_cost(storage::Database& db, const std::string& id, std::int64_t member,
                 std::int64_t cents, const std::string& at) {
  auto r = db.prepare("INSERT INTO reward_costs(event_id, member_id, store_id, reward, "
                      "reward_kind, cost_cents, occurred_at) VALUES (?1, ?2, 'S2', 'coffee', "
                      "'reward', ?3, ?4)")
               .value();
  REQUIRE(r.bind(1, id).bind(2, member).bind(3, cents).bind(4, at).run());
}

// The rewards report by the test's own SQL over the raw tables (?1..?4 as the reports, as
// plain ORs). Flows in the period: each ledger entry, offer event and reward cost by the
// tier its member had at its time (their latest tier_history row up to it, else 'none') and
// the home store they had when it was recorded. Members and outstanding points at the end
// of the period (the end of its last day; all of it without one): the members enrolled and
// not merged away by then, each entry up to then of every member, both by the member's tier
// and home store then (a merged member's tier is the one they had when merged). Where a
// member lived before a move the raw tables do not keep: ?5 the moved member, ?6 their
// store before, ?7 the day of the move (none: nobody moved).
const std::string kOwnRewards = R"sql(
WITH m AS (
  SELECT id, coalesce(enrolled_on, substr(created_at, 1, 10)) AS enrolled, merged_at,
    CASE WHEN id = ?5 THEN ?6 ELSE home_store END AS recorded_store,
    CASE WHEN id = ?5 AND coalesce(?4, '9999-12-31') < ?7 THEN ?6 ELSE home_store END AS end_store
  FROM members),
places AS (SELECT id FROM stores WHERE (?1 IS NULL OR id = ?1) AND (?2 IS NULL OR region = ?2)),
at_end AS (
  SELECT m.id, m.end_store AS store,
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = m.id
      AND substr(h.changed_at, 1, 10) <= coalesce(?4, '9999-12-31')
      AND (m.merged_at IS NULL OR h.changed_at < m.merged_at)
      ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1), 'none') AS tier,
    m.enrolled <= coalesce(?4, '9999-12-31') AND (m.merged_at IS NULL
      OR substr(m.merged_at, 1, 10) > coalesce(?4, '9999-12-31')) AS counts
  FROM m),
figures(tier, members, outstanding, issued, redeemed, expired, gestures, shown, held_out,
    accepted, cost) AS (
  SELECT tier, counts, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM at_end WHERE store IN places
  UNION ALL
  SELECT a.tier, 0, e.points, 0, 0, 0, 0, 0, 0, 0, 0
  FROM points_entries e JOIN points_postings p ON p.id = e.posting_id
  JOIN at_end a ON a.id = e.member_id
  WHERE a.store IN places AND substr(p.occurred_at, 1, 10) <= coalesce(?4, '9999-12-31')
  UNION ALL
  SELECT coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = e.member_id
      AND h.changed_at <= p.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
      'none'), 0, 0,
    CASE WHEN p.kind IN ('earn', 'bonus') THEN e.points ELSE 0 END,
    CASE WHEN p.kind = 'redemption' THEN -e.points ELSE 0 END,
    CASE WHEN p.kind = 'expiry' THEN -e.points ELSE 0 END,
    CASE WHEN p.cause LIKE 'gesture:%' THEN e.points ELSE 0 END, 0, 0, 0, 0
  FROM points_entries e JOIN points_postings p ON p.id = e.posting_id
  JOIN m ON m.id = e.member_id
  WHERE m.recorded_store IN places AND (?3 IS NULL OR substr(p.occurred_at, 1, 10) >= ?3)
    AND (?4 IS NULL OR substr(p.occurred_at, 1, 10) <= ?4)
  UNION ALL
  SELECT coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = o.member_id
      AND h.changed_at <= o.at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1), 'none'),
    0, 0, 0, 0, 0, 0, o.outcome = 'shown', o.outcome = 'held_out', o.outcome = 'accepted', 0
  FROM offer_events o JOIN m ON m.id = o.member_id
  WHERE m.recorded_store IN places AND (?3 IS NULL OR substr(o.at, 1, 10) >= ?3)
    AND (?4 IS NULL OR substr(o.at, 1, 10) <= ?4)
  UNION ALL
  SELECT coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = r.member_id
      AND h.changed_at <= r.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
      'none'), 0, 0, 0, 0, 0, 0, 0, 0, 0, r.cost_cents
  FROM reward_costs r JOIN m ON m.id = r.member_id
  WHERE m.recorded_store IN places AND (?3 IS NULL OR substr(r.occurred_at, 1, 10) >= ?3)
    AND (?4 IS NULL OR substr(r.occurred_at, 1, 10) <= ?4))
SELECT tier, sum(members), sum(outstanding), sum(issued), sum(redeemed), sum(expired),
  sum(gestures), sum(shown), sum(held_out), sum(accepted),
  CASE WHEN EXISTS (SELECT 1 FROM reward_costs) THEN sum(cost) ELSE 'NULL' END
FROM figures GROUP BY tier
HAVING sum(members) <> 0 OR sum(outstanding) <> 0 OR sum(issued) <> 0 OR sum(redeemed) <> 0
  OR sum(expired) <> 0 OR sum(gestures) <> 0 OR sum(shown) <> 0 OR sum(held_out) <> 0
  OR sum(accepted) <> 0 OR sum(cost) <> 0
ORDER BY tier
)sql";

struct Moved {
  std::int64_t member = 0;
  std::string from_store, day;
};

Rows own_rewards(storage::Database& db, const reports::Filter& f, const Moved& moved) {
  auto stmt = db.prepare(kOwnRewards).value();
  reports::bind_filter(stmt, f);
  stmt.bind(5, moved.member).bind(6, moved.from_store).bind(7, moved.day);
  Rows rows;
  while (stmt.step().value()) {
    std::vector<std::string> row;
    for (int i = 0; i < stmt.column_count(); ++i) row.push_back(stmt.column_text(i));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string iso_in(std::chrono::hours from_now) {
  return to_iso8601(std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now() + from_now));
}

}  // namespace

TEST_CASE("rewards by the tier when it happened, and outstanding and members by the tier at "
          "the period's end, equal the test's own SQL through refreshes, late entries, a move, "
          "a merge, an erasure, a new member and a store changing region",
          "[reports][summaries][rewards]") {
  // Every member enrolled before the first refresh below (a refresh tiers only members it
  // knows): the chain ends in January.
  const auto end = std::chrono::sys_days(std::chrono::year{2026} / 1 / 31);
  Chain chain(240, end);
  auto db = chain.open();
  REQUIRE(table(db, "SELECT max(coalesce(enrolled_on, substr(created_at, 1, 10))) FROM "
                    "members")[0][0] < "2026-02-01");
  const auto report = reports::find_report("rewards");
  REQUIRE(report);
  Moved moved;
  const std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> periods{
      {std::nullopt, std::nullopt},  {"2026-02-01", "2026-03-09"}, {"2026-03-10", "2026-03-10"},
      {"2026-03-11", "2026-04-30"},  {std::nullopt, "2026-04-02"}, {"2026-04-03", std::nullopt},
      {"2026-01-01", "2026-12-31"},  {"2001-01-01", "2001-12-31"}, {"2026-05-20", "2026-05-01"}};
  const auto agrees = [&](const char* after) {
    INFO("after " << after);
    for (const auto& [from, to] : periods) {
      for (const auto& [store, region] :
           std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>{
               {std::nullopt, std::nullopt}, {"S1", std::nullopt}, {"S2", std::nullopt},
               {"S3", std::nullopt}, {std::nullopt, "North"}, {std::nullopt, "South"},
               {"S3", "East"}, {"S3", "North"}}) {
        const auto f = filter(store, region, from, to);
        INFO("store " << f.store.value_or("-") << " region " << f.region.value_or("-")
                      << " from " << f.from.value_or("-") << " to " << f.to.value_or("-"));
        CHECK(run(db, *report, f, kRewardsColumns) == own_rewards(db, f, moved));
      }
    }
  };
  agrees("seeding");

  // Before any tier: earnings, offers and reward costs of members 1..90.
  for (std::int64_t m = 1; m <= 90; ++m) {
    post(db, "earn", "earn:a" + std::to_string(m), m, 100 + m, "2026-02-0" +
         std::to_string(1 + m % 9) + "T10:00:00.000Z");
    if (m <= 60) offer(db, m, m % 4 ? "shown" : "held_out", "2026-02-20T10:00:00.000Z");
    if (m <= 30) reward_cost(db, "rc-a" + std::to_string(m), m, 120, "2026-02-25T10:00:00.000Z");
  }
  agrees("entries before any tier");
  save_refresh(db, "2026-03-10", end, 7, 1);  // everyone's first tier
  for (std::int64_t m = 1; m <= 90; ++m) {
    post(db, "earn", "earn:b" + std::to_string(m), m, 40 + m, "2026-03-20T10:00:00.000Z");
    if (m <= 40) post(db, "redemption", "redemption:b" + std::to_string(m), m, -50,
                      "2026-03-25T10:00:00.000Z");
    if (m <= 60) offer(db, m, m % 5 ? "shown" : "accepted", "2026-03-28T10:00:00.000Z");
    if (m <= 30) reward_cost(db, "rc-b" + std::to_string(m), m, 80, "2026-03-30T10:00:00.000Z");
  }
  post(db, "expiry", "expiry:b1", 12, -30, "2026-03-31T10:00:00.000Z");
  agrees("entries after the first tiers");
  save_refresh(db, "2026-04-02", end + std::chrono::days(30), 5, 2);
  save_refresh(db, "2026-04-02T18:00:00.000Z", end + std::chrono::days(30), 3, 1, 3);
  // Late: dated before the changes of 2 April, recorded after them.
  for (std::int64_t m : {5, 6, 10, 15, 30}) {
    post(db, "earn", "earn:late" + std::to_string(m), m, 33, "2026-03-21T10:00:00.000Z");
    offer(db, m, "shown", "2026-03-21T11:00:00.000Z");
  }
  agrees("refreshes and late entries");
  save_refresh(db, "2026-04-20", end + std::chrono::days(60), 5, 3, 5);  // incremental
  {
    // Not a test that cannot fail: some members changed tier between their entries.
    CHECK(std::stoll(table(db, "SELECT count(DISTINCT member_id) FROM tier_history "
                               "WHERE changed_at > '2026-03-11' AND member_id <= 90")[0][0]) > 10);
  }
  agrees("an incremental refresh");

  // Migration 25's backfill, from the raw tables, builds what the triggers and saves kept.
  {
    const std::string kept = "SELECT * FROM rewards_days WHERE members <> 0 OR net <> 0 OR "
                             "issued <> 0 OR redeemed <> 0 OR expired <> 0 OR gestures <> 0 OR "
                             "shown <> 0 OR held_out <> 0 OR accepted <> 0 OR cost_cents <> 0 "
                             "ORDER BY 1, 2, 3";
    const auto before = table(db, kept);
    REQUIRE(server::sqlite::rebuild_rewards_days(db));
    CHECK(table(db, kept) == before);
    CHECK(before.size() > 100);
  }

  const auto first_member_of = [&](const std::string& store, std::int64_t above) {
    return std::stoll(table(db, "SELECT min(id) FROM members WHERE home_store = '" + store +
                                    "' AND merged_into IS NULL AND id > " +
                                    std::to_string(above))[0][0]);
  };
  // a moves from S1 (North) to S3 (East) with their entries, offers and costs; b, with
  // entries only (a merge moves offers and costs to the survivor in the raw tables, where
  // the report keeps them with whom they happened to), merges into c.
  const std::int64_t a = first_member_of("S1", 0);
  const std::int64_t b = first_member_of("S2", 60);
  const std::int64_t c = first_member_of("S3", 0);
  REQUIRE(a <= 30);
  REQUIRE(b <= 90);
  {
    auto staff = server::StaffStore::open(chain.target.database).value();
    REQUIRE(staff->move_member(a, "S3"));
    moved = {a, "S1", table(db, "SELECT date('now')")[0][0]};
    agrees("a member moved to another region");
    const server::StaffUser ana{0, "ana", server::StaffRole::kHeadOffice, {}};
    REQUIRE(staff->merge_members(c, b, ana, now_iso8601()));
    REQUIRE(table(db, "SELECT count(*) FROM points_postings WHERE kind = 'transfer'")[0][0] == "1");
    agrees("a merge");
  }
  {
    auto rights = server::MemberRightsStore::open(chain.target.database).value();
    REQUIRE(rights->erase_member({a, "j.smith", "customer request", now_iso8601()}).value());
  }
  REQUIRE(db.execute("INSERT INTO members(name, home_store, created_at) VALUES "
                     "('New Member', 'S2', '2026-04-10T10:00:00.000Z')"));
  agrees("an erasure and a new member");
  REQUIRE(db.execute("UPDATE stores SET region = 'North' WHERE id = 'S2'"));
  agrees("a store moved to another region");
  // A refresh after all that (stamped after the move and the merge), then gestures.
  save_refresh(db, iso_in(std::chrono::hours(24)), end + std::chrono::days(90), 4, 2);
  {
    auto store = server::open_sqlite_store(chain.target.database).value();
    const std::vector<server::PointsAdjustment> gestures{{7, 15, "long wait", "ana", "gesture:g1"},
                                                         {c, 10, "broken bag", "ana", "gesture:g2"}};
    REQUIRE(store->adjust_points(gestures));
  }
  agrees("a refresh and gestures");
}

TEST_CASE("the rewards report reads rewards_days, never members or the ledger, for the chain, "
          "a store and a region with a period", "[reports][summaries][rewards]") {
  Chain chain(60);
  auto db = chain.open();
  for (const auto& f : {filter(std::nullopt, std::nullopt, "2025-02-14", "2026-02-10"),
                        filter("S1", std::nullopt, "2025-02-14", "2026-02-10"),
                        filter(std::nullopt, "North", "2025-02-14", std::nullopt),
                        filter("S1", "North", std::nullopt, "2026-02-10"),
                        filter(std::nullopt, std::nullopt, std::nullopt, std::nullopt)}) {
    INFO("store " << f.store.value_or("-") << " region " << f.region.value_or("-"));
    const std::string lines = plan(db, reports::rewards_sql(f));
    INFO(lines);
    CHECK_THAT(lines, !Catch::Contains("members"));
    CHECK_THAT(lines, !Catch::Contains("points_"));
    CHECK_THAT(lines, !Catch::Contains("offer_events"));
    CHECK_THAT(lines, !Catch::Contains("SCAN rewards_days"));
    CHECK_THAT(lines, Catch::Contains("SEARCH rewards_days USING PRIMARY KEY (place=?"));
  }
}

TEST_CASE("the rewards days' rebuild runs migration 25's own backfill", "[reports][rewards]") {
  const auto migration = std::find_if(
      server::kSqliteMigrations.begin(), server::kSqliteMigrations.end(), [](const auto& m) {
        return m.sql.find("CREATE TABLE rewards_days") != std::string_view::npos;
      });
  REQUIRE(migration != server::kSqliteMigrations.end());
  const std::string_view backfill = server::sqlite::rewards_days_backfill_sql();
  REQUIRE(backfill.find("INSERT INTO rewards_days") != std::string_view::npos);
  CHECK(migration->sql.find(backfill.substr(1)) != std::string_view::npos);
}

TEST_CASE("the save's tier moves read balances one by one or in one pass, with the same result",
          "[reports][rewards]") {
  Chain chain(120);
  auto db = chain.open();
  for (std::int64_t m = 1; m <= 100; ++m) {
    post(db, "earn", "earn:p" + std::to_string(m), m, 10 * m, "2026-02-01T10:00:00.000Z");
  }
  post(db, "redemption", "redemption:p1", 7, -300, "2026-02-02T10:00:00.000Z");  // a debt
  const auto moves = [&](std::size_t scan_above, const std::string& day) {
    server::sqlite::RewardsTierMoves tiers(db, scan_above);
    for (std::int64_t m = 1; m <= 110; m += 3) {
      const auto home = table(db, "SELECT home_store FROM members WHERE id = " +
                                      std::to_string(m))[0][0];
      tiers.add(m, m % 2 ? std::optional<std::string_view>("LMC") : std::nullopt,
                m % 3 ? "MVC" : "MGC", home);
    }
    tiers.add(2, "MGC", "MGC", "S1");          // no change
    tiers.add(5, "LMC", "MVC", std::nullopt);  // merged away: counted nowhere
    REQUIRE(tiers.write(day));
    return table(db, "SELECT place, tier, members, net FROM rewards_days WHERE day = '" + day +
                         "' ORDER BY 1, 2");
  };
  const auto one_by_one = moves(1'000, "2026-03-01");
  const auto one_pass = moves(0, "2026-03-02");
  CHECK(one_by_one == one_pass);
  REQUIRE_FALSE(one_by_one.empty());
  // The chain's: every balance of the members moved, out of their old tier and into the new.
  const auto chain_net = [&](const std::string& tier) {
    for (const auto& r : one_pass) {
      if (r[0].empty() && r[1] == tier) return static_cast<std::int64_t>(std::stoll(r[3]));
    }
    return std::int64_t{0};
  };
  CHECK(chain_net("MVC") + chain_net("MGC") ==
        std::stoll(table(db, "SELECT sum(points) FROM points_entries WHERE member_id % 3 = 1 "
                             "AND member_id <> 5")[0][0]));
  CHECK(chain_net("MVC") + chain_net("MGC") + chain_net("LMC") + chain_net("none") == 0);
}
