// tests/unit/reports_contract_test.cpp
//
// The head-office reports on both backends (docs/reports.md, "On PostgreSQL"): one seeded
// chain, held by a SQLite file and (copied by `rapportctl storage migrate`'s code) by a
// PostgreSQL database, gets the same value refreshes, forecast checks and reward costs; then
// every report ported to PostgreSQL must give the SQLite rows cell for cell, for the whole
// chain, stores, regions, periods and their mixes. SQLite runs each report as the server
// does (report cache and snapshot days included). Every report not ported must refuse on
// PostgreSQL, never answer with no rows. A second run on PostgreSQL replays its report cache.

#include <chrono>
#include <set>
#include <sstream>

#include "server/reports/acquisition.h"
#include "server/reports/acquisition_cost.h"
#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/reports/warm_reports.h"
#include "server/seed_chain.h"
#include "server/storage/chain_migration.h"
#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/sqlite_tier_checkpoints.h"
#include "server/storage/store.h"
#include "server/storage/staff_store.h"
#include "server/storage/store_url.h"
#include "server/value_refresh.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"
#include "tests/unit/store_rows.h"

using namespace rapport;
using rapport::testing::PgCluster;
using server::reports::Filter;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);
constexpr std::size_t kMembers = 300;

// The reports that run on PostgreSQL; every other one must refuse there.
const std::set<std::string_view> kPorted{
    "customer-equity", "customer-equity-change", "value-distribution", "category-mix",
    "reward-cost",     "forecast-accuracy",      "tier-migrations",    "cohort-retention",
    "members",         "acquisition",            "acquisition-cost"};

std::string at(std::chrono::sys_days day, int hour = 12) {
  return to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(day) +
                    std::chrono::hours(hour));
}

// A run as text: the columns, then one line per row (cells tab-separated, "-" for no value),
// "end" once end() came. Text so a failing comparison prints both sides readably.
class TextSink final : public server::reports::RowSink {
 public:
  void begin(std::span<const server::reports::Column> columns) override {
    std::string line = "columns:";
    for (const auto& c : columns) line += " " + std::string(c.name);
    lines.push_back(line);
  }
  void row(std::span<const server::reports::Cell> cells) override {
    std::string line;
    for (const auto& cell : cells) {
      if (!line.empty()) line += '\t';
      if (const auto* n = std::get_if<std::int64_t>(&cell)) {
        line += "i:" + std::to_string(*n);
      } else if (const auto* t = std::get_if<std::string>(&cell)) {
        line += "t:" + *t;
      } else {
        line += "-";
      }
    }
    lines.push_back(line);
  }
  void end() override { lines.push_back("end"); }

  std::vector<std::string> lines;
};

// A seeded chain on a SQLite file, copied whole into a fresh PostgreSQL database, then given
// the same refreshes, sales, forecast checks and reward costs on both.
struct TwoChains {
  TwoChains() {
    value::ChainSpec spec;
    spec.members = kMembers;
    spec.stores = 4;  // S1 North, S2 South, S3 East, S4 West
    spec.seed = 12;
    REQUIRE(server::seed_chain(target, spec, kEnd, server::SeedPath::kBulk));
    server::ChainMigrationOptions copy;
    copy.from = target.database;
    copy.to = pg_url;
    copy.allow_partial = true;  // the seed's derived report tables stay behind
    REQUIRE(server::migrate_chain(copy).value().verified());
    sqlite = server::open_store("sqlite://" + target.database.string()).value();
    pg = server::open_pg_store(pg_url).value();

    // A full refresh, then a day of sales and a changed-members refresh: the snapshots carry
    // two days, so a period can hold one of them, both or neither.
    for (auto* store : {sqlite.get(), pg.get()}) {
      REQUIRE(server::refresh_values(*store, {}, kEnd));
    }
    // The first tiers as if given weeks ago (a refresh stamps its own clock), so tier
    // migrations has a start to flow from; SQLite's next save rebuilds its checkpoints.
    const std::string backdate = "UPDATE tier_history SET changed_at = '2026-10-01T03:00:00.000Z'";
    REQUIRE(storage::Database::open(target.database, server::kSqliteMigrations)
                .value()
                .execute(backdate));
    REQUIRE(server::pg::Connection::open(pg_url).value().exec(backdate));
    const auto day = kEnd + std::chrono::days(1);
    std::vector<domain::Event> sales;
    for (std::size_t index = 0; index < 40; ++index) {
      sales.push_back(testing::sale(server::seeded_card_token(target, index * 7),
                                    2'000 + 150 * static_cast<std::int64_t>(index),
                                    index % 2 == 0 ? "coffee" : "bakery", at(day)));
    }
    record(sales);
    for (auto* store : {sqlite.get(), pg.get()}) {
      REQUIRE(server::refresh_changed_values(*store, {}, day, 50).value().kind ==
              server::RefreshKind::kIncremental);
    }
    // Weeks later the kept cohort is checked twice (the report shows the latest).
    std::vector<domain::Event> later;
    for (std::size_t index = 0; index < 60; ++index) {
      later.push_back(testing::sale(server::seeded_card_token(target, index * 4),
                                    1'500 + 100 * static_cast<std::int64_t>(index), "coffee",
                                    at(kEnd + std::chrono::days(2 + index % 20))));
    }
    record(later);
    for (const int days : {14, 28}) {
      const auto today = kEnd + std::chrono::days(days);
      REQUIRE(sqlite->check_forecasts(52, today).value().size() ==
              pg->check_forecasts(52, today).value().size());
    }
    add_reward_costs();
    add_campaigns();
    db.emplace(storage::Database::open(target.database, server::kSqliteMigrations).value());
    connection.emplace(server::pg::Connection::open(pg_url).value());
  }

  void record(const std::vector<domain::Event>& events) {
    REQUIRE(sqlite->record_events(events).value() == events.size());
    REQUIRE(pg->record_events(events).value() == events.size());
  }

  // Rewards and gestures handed over in four stores over two months, as the event recorder
  // writes them (tests/unit/counter_rewards_test.cpp covers that path); one card nobody holds.
  void add_reward_costs() {
    std::string values;
    for (std::int64_t m = 1; m <= 150; ++m) {
      const bool gesture = m % 5 == 0;
      const std::string day = m % 2 == 0 ? "2026-07-1" + std::to_string(m % 10)
                                         : "2026-08-0" + std::to_string(1 + m % 9);
      if (!values.empty()) values += ", ";
      values += "('rc" + std::to_string(m) + "', " +
                (m == 150 ? std::string("NULL") : std::to_string(m)) + ", 'S" +
                std::to_string(1 + m % 4) + "', '" + (gesture ? "thank-you" : "free-coffee") +
                "', '" + (gesture ? "gesture" : "free_item") + "', " +
                std::to_string(gesture ? 40 + m : 90 + m) + ", '" + day + "T10:00:00.000Z')";
    }
    const std::string insert =
        "INSERT INTO reward_costs(event_id, member_id, store_id, reward, reward_kind, "
        "cost_cents, occurred_at) VALUES " +
        values;
    auto file = storage::Database::open(target.database, server::kSqliteMigrations).value();
    REQUIRE(file.execute(insert));
    auto other = server::pg::Connection::open(pg_url).value();
    REQUIRE(other.exec(insert));
  }

  // Campaigns of two channels the seed draws, one with no members in a period the filters
  // cut, so acquisition's campaign rows and rows of campaigns alone both show.
  void add_campaigns() {
    const std::string insert =
        "INSERT INTO campaigns(id, name, channel, starts_on, ends_on, spend_cents, added_at) "
        "VALUES ('spring-social', 'Spring', 'social', '2026-03-01', '2026-05-31', 250000, "
        "'2026-02-20T10:00:00.000Z'), ('summer-flyer', 'Summer', 'flyer', '2026-06-01', "
        "'2026-08-31', 90000, '2026-05-20T10:00:00.000Z'), ('old-app', 'Old', 'app', "
        "'2019-01-01', '2019-01-31', 1000, '2018-12-20T10:00:00.000Z')";
    auto file = storage::Database::open(target.database, server::kSqliteMigrations).value();
    REQUIRE(file.execute(insert));
    auto other = server::pg::Connection::open(pg_url).value();
    REQUIRE(other.exec(insert));
  }

  testing::TempDir dir;
  server::SeedTarget target{dir / "rapport.db",
                            card::CardKey::from_hex(std::string(64, 'c')).value(), "627599"};
  std::string pg_url = PgCluster::shared().fresh_database();
  std::unique_ptr<server::Store> sqlite;
  std::unique_ptr<server::Store> pg;
  std::optional<storage::Database> db;               // the server's file, as reports read it
  std::optional<server::pg::Connection> connection;  // as a PgStaffStore would hold it
};

Filter filter(std::optional<std::string> store, std::optional<std::string> region,
              std::optional<std::string> from, std::optional<std::string> to) {
  Filter f;
  f.store = std::move(store);
  f.region = std::move(region);
  f.from = std::move(from);
  f.to = std::move(to);
  return f;
}

// The summaries both backends keep by triggers and the value save (SQLite migrations 23 and
// 24, PostgreSQL's report summaries migration), rows of no count left out: SQLite keeps a
// row that fell to 0, PostgreSQL's key-ordered upsert makes none for a change that sums to 0.
const std::vector<std::string> kSummaries{
    "SELECT store_id, day, k, members FROM cohort_days WHERE members <> 0 ORDER BY 1, 2, 3",
    "SELECT store_id, month, k, members FROM cohort_months WHERE members <> 0 ORDER BY 1, 2, 3",
    "SELECT scope, day, channel, members, valued, lifetime_value_cents FROM acquisition_days "
    "WHERE members <> 0 OR valued <> 0 OR lifetime_value_cents <> 0 ORDER BY 1, 2, 3"};

// Each summary's rows on PostgreSQL, checked equal to SQLite's.
std::vector<std::vector<std::string>> same_summaries(const TwoChains& chains) {
  std::vector<std::vector<std::string>> kept;
  for (const auto& sql : kSummaries) {
    INFO(sql);
    kept.push_back(testing::store_rows(chains.pg_url, sql));
    CHECK(kept.back() == testing::store_rows("sqlite://" + chains.target.database.string(), sql));
    CHECK(kept.back().size() > 10);
  }
  return kept;
}

std::string describe(const Filter& f) {
  std::ostringstream out;
  out << "store=" << f.store.value_or("-") << " region=" << f.region.value_or("-")
      << " from=" << f.from.value_or("-") << " to=" << f.to.value_or("-");
  return out.str();
}

// One ported report under `f` on both backends: PostgreSQL's rows are SQLite's (`want`),
// and again when its cache replays them. False when SQLite refused the filter (then
// PostgreSQL refused it the same way).
bool same_rows(const server::reports::Report& report, TwoChains& chains, const Filter& f,
               TextSink& want) {
  INFO(report.name() << " " << describe(f));
  TextSink got;
  const auto on_sqlite = report.run(*chains.db, f, want);
  const auto on_pg = report.run_pg(*chains.connection, f, got);
  REQUIRE(on_pg.has_value() == on_sqlite.has_value());
  if (!on_sqlite) {
    CHECK(on_pg.error() == on_sqlite.error());  // forecast-accuracy: the chain only
    return false;
  }
  CHECK(got.lines == want.lines);
  // Again: the reports kept per full refresh replay PostgreSQL's report_cache now.
  TextSink again;
  REQUIRE(report.run_pg(*chains.connection, f, again));
  CHECK(again.lines == want.lines);
  return true;
}

}  // namespace

TEST_CASE("sqlite's numbered parameters become postgresql's, only those the statement uses",
          "[reports][postgresql]") {
  using server::reports::pg_statement;
  const std::vector<server::pg::Param> numbered{"S1", std::nullopt, "2026-01-01", "2026-02-01",
                                                "30"};
  auto s = pg_statement("SELECT 1 WHERE a = ?3 AND b <= ?4 AND c >= ?3 AND d = ?5", numbered);
  CHECK(s.sql == "SELECT 1 WHERE a = $1 AND b <= $2 AND c >= $1 AND d = $3");
  CHECK(s.params == std::vector<server::pg::Param>{"2026-01-01", "2026-02-01", "30"});
  // A '?' in a literal is text; ?1 after it is still a parameter.
  s = pg_statement("SELECT 'why?1', x FROM t WHERE y = ?1", numbered);
  CHECK(s.sql == "SELECT 'why?1', x FROM t WHERE y = $1");
  CHECK(s.params == std::vector<server::pg::Param>{"S1"});
  s = pg_statement("SELECT 'it''s ?2' WHERE true", numbered);
  CHECK(s.sql == "SELECT 'it''s ?2' WHERE true");
  CHECK(s.params.empty());
}

TEST_CASE(
    "reports contract: every report ported to postgresql gives sqlite's rows cell for cell, "
    "for the chain, stores, regions and periods",
    "[reports][postgresql]") {
  TwoChains chains;
  const std::string full = to_iso8601_day(kEnd);
  const std::string next = to_iso8601_day(kEnd + std::chrono::days(1));
  const std::string today = now_iso8601().substr(0, 10);  // the changed members' tier moves
  // SQLite answers tier migrations from its checkpoints, as the server does.
  REQUIRE(server::sqlite::tier_checkpoints_current(*chains.db).value());
  const std::vector<Filter> filters{
      filter({}, {}, {}, {}),
      filter("S1", {}, {}, {}),
      filter("S3", {}, {}, {}),
      filter({}, "North", {}, {}),
      filter({}, "South", {}, {}),
      filter({}, "Nowhere", {}, {}),  // a region with no stores: no rows on both
      filter("S2", "South", {}, {}),
      filter("S2", "North", {}, {}),               // a store outside the region
      filter({}, {}, full, full),                  // the full refresh's day only
      filter({}, {}, next, next),                  // the changed members' day only
      filter({}, {}, full, next),                  // both
      filter({}, {}, "2020-01-01", "2020-12-31"),  // neither
      filter({}, {}, {}, full),
      filter({}, {}, next, {}),
      filter("S1", {}, next, next),
      filter({}, "South", full, full),
      filter({}, {}, "2026-07-01", "2026-07-31"),  // reward costs' first month
      filter({}, "East", "2026-08-01", {}),
      filter("S4", {}, {}, "2026-07-31"),
      filter({}, {}, "2026-11-01", {}),  // tiers of October against today's
      filter({}, "North", "2026-11-01", today),
      filter("S3", {}, "2026-10-15", today),
      filter({}, {}, {}, "2026-10-31"),  // October's tiers only
      filter({}, {}, "2026-10-01", {}),  // nobody had a tier before it
  };
  // The summary the value refresh's save keeps on both (store_equity, PostgreSQL migration 9):
  // the same rows, and parts of every kind among them.
  const std::string equity =
      "SELECT refresh_id, as_of, store_id, members, equity_cents, new_members, new_cents, "
      "growth_cents, decline_cents, lost_members, lost_cents FROM store_equity "
      "ORDER BY store_id, refresh_id";
  const auto equity_rows = testing::store_rows(chains.pg_url, equity);
  CHECK(equity_rows == testing::store_rows("sqlite://" + chains.target.database.string(), equity));
  CHECK(equity_rows.size() == 8);  // four stores, two refreshes
  const std::string parts =
      "SELECT sum(growth_cents) > 0, sum(decline_cents) < 0, sum(new_members) > 0 "
      "FROM store_equity";
  CHECK(testing::store_rows(chains.pg_url, parts) == std::vector<std::string>{"t\tt\tt"});
  // The summaries copied by storage migrate (triggers paused), then kept by both through the
  // sales and refreshes above.
  const auto summaries = same_summaries(chains);

  std::size_t compared = 0;
  for (const auto& report : server::reports::all_reports()) {
    const std::string name(report->name());
    if (!kPorted.contains(name)) {
      INFO(name << " is not ported: it refuses on PostgreSQL");
      TextSink sink;
      const auto ran = report->run_pg(*chains.connection, {}, sink);
      REQUIRE_FALSE(ran);
      CHECK(ran.error() == make_error_code(server::reports::ReportsErrc::kNotOnPostgresql));
      CHECK(sink.lines.empty());
      continue;
    }
    for (const auto& f : filters) {
      INFO(name << " " << describe(f));
      TextSink want;
      if (!same_rows(*report, chains, f, want)) continue;
      ++compared;
      // The whole chain has rows in every ported report (columns, rows, end): a comparison
      // of two empty runs would prove nothing.
      if (!f.store && !f.region && !f.from && !f.to) CHECK(want.lines.size() > 2);
      // Tier migrations from October's tiers: several from-tiers, not only "(none)".
      if (name == "tier-migrations" && f.from == "2026-11-01" && !f.store && !f.region) {
        INFO(want.lines[1]);
        CHECK(want.lines.size() >= 5);  // columns, three tiers or more, end
        CHECK(want.lines[1].starts_with("t:MVC\t"));
      }
    }
  }
  CHECK(compared >= kPorted.size() * 10);
  // The snapshot reports, tier migrations and the two acquisition reports were kept, per
  // filter, for the latest full refresh (as on SQLite), and nothing else.
  const std::string kept =
      "SELECT report, count(DISTINCT filter) FROM report_cache WHERE row = -1 AND refresh_id = "
      "(SELECT max(id) FROM value_refreshes WHERE kind = 'full') GROUP BY report ORDER BY report";
  CHECK(testing::store_rows(chains.pg_url, kept) ==
        std::vector<std::string>{"acquisition\t" + std::to_string(filters.size()),
                                 "acquisition-cost\t" + std::to_string(filters.size()),
                                 "category-mix\t" + std::to_string(filters.size()),
                                 "customer-equity\t" + std::to_string(filters.size()),
                                 "tier-migrations\t" + std::to_string(filters.size()),
                                 "value-distribution\t" + std::to_string(filters.size())});
  // Warming after a full refresh runs every ported report for the chain and each region
  // (forecast accuracy refuses a region, as expected), and keeps the views of the cached ones.
  CHECK(server::reports::warm_report_cache_pg(chains.pg_url) ==
        kPorted.size() + 4 * (kPorted.size() - 1));
  CHECK(testing::store_rows(chains.pg_url,
                            "SELECT count(*) FROM report_cache WHERE row = -1 AND "
                            "filter LIKE '%region=West%'") == std::vector<std::string>{"6"});

  // Then writes that move the summaries, the same on both: so the triggers and the value
  // save are compared, not only what storage migrate copied. Sales on 1 January (each
  // member's first of the month, one with two that day) and in November (months most already
  // count), a member moved home, two merged, one added, a purchase deleted, an enrollment day
  // and a channel corrected, a store moved to another region, and a refresh of the changed
  // members (a full one as of these days fails to converge on this small chain, or finds a
  // degenerate fit that takes minutes to apply under the sanitizers).
  const auto sqlite_url = "sqlite://" + chains.target.database.string();
  const auto january = kEnd + std::chrono::days(36);
  std::vector<domain::Event> sales;
  for (std::size_t index = 0; index < 50; ++index) {
    sales.push_back(testing::sale(server::seeded_card_token(chains.target, index * 3),
                                  900 + 10 * static_cast<std::int64_t>(index), "coffee",
                                  at(january - std::chrono::days(index % 2 == 0 ? 0 : 45))));
  }
  sales.push_back(testing::sale(server::seeded_card_token(chains.target, 0), 700, "bakery",
                                at(january, 15)));
  chains.record(sales);
  // The member with most purchases moves to S3 (or S4 when they live there); the next two
  // busiest of other stores merge, so the merged one's purchases move store and cohort.
  const auto busiest = testing::store_rows(
      sqlite_url,
      "SELECT m.id, m.home_store FROM members m JOIN purchases p ON p.member_id = m.id "
      "GROUP BY m.id ORDER BY count(*) DESC, m.id LIMIT 12");
  REQUIRE(busiest.size() == 12);
  const auto field = [](const std::string& line, int at_column) {
    std::istringstream in(line);
    std::string cell;
    for (int c = 0; c <= at_column; ++c) std::getline(in, cell, '\t');
    return cell;
  };
  const std::int64_t moved = std::stoll(field(busiest[0], 0));
  const std::string to = field(busiest[0], 1) == "S3" ? "S4" : "S3";
  std::int64_t keep = 0;
  std::int64_t merge = 0;
  for (const auto& line : busiest) {
    const std::int64_t id = std::stoll(field(line, 0));
    if (id == moved) continue;
    if (keep == 0) {
      keep = id;
    } else if (field(line, 1) != field(busiest[1], 1)) {
      merge = id;
      break;
    }
  }
  REQUIRE(merge != 0);
  const server::StaffUser by{0, "operator", server::StaffRole::kAdministrator, {}};
  for (const auto& url : {sqlite_url, chains.pg_url}) {
    INFO(url);
    auto staff = server::open_staff_store(url).value();
    REQUIRE(staff->move_member(moved, to).value());
    REQUIRE(staff->merge_members(keep, merge, by, at(january, 16)));
  }
  // A member added (the same id on both: PostgreSQL's identity continues after the copy's),
  // and a purchase deleted that was its member's only one of a month counted (k 1..12).
  const auto added = chains.sqlite->add_member({"Grace Hopper", "S2", std::nullopt}).value();
  REQUIRE(chains.pg->add_member({"Grace Hopper", "S2", std::nullopt}).value() == added);
  const std::string cohort_day = "coalesce(m.enrolled_on, substr(m.created_at, 1, 10))";
  const auto month_number = [](const std::string& day) {
    return "(CAST(substr(" + day + ", 1, 4) AS INTEGER) * 12 + CAST(substr(" + day +
           ", 6, 2) AS INTEGER))";
  };
  const auto lone = testing::store_rows(
      sqlite_url,
      "SELECT p.event_id FROM purchases p JOIN members m ON m.id = p.member_id "
      "WHERE (SELECT count(*) FROM purchases q WHERE q.member_id = p.member_id "
      "AND substr(q.day, 1, 7) = substr(p.day, 1, 7)) = 1 AND " + month_number("p.day") +
          " - " + month_number(cohort_day) + " BETWEEN 1 AND 12 ORDER BY p.event_id LIMIT 1");
  REQUIRE(lone.size() == 1);
  for (const std::string& sql : {"DELETE FROM purchase_products WHERE event_id = '" + lone[0] + "'",
                                "DELETE FROM purchases WHERE event_id = '" + lone[0] + "'",
                                std::string("UPDATE members SET enrolled_on = '2026-06-15' WHERE id = 7"),
                                std::string("UPDATE members SET channel = 'flyer' WHERE id = 8"),
                                std::string("UPDATE stores SET region = 'East' WHERE id = 'S1'")}) {
    INFO(sql);
    REQUIRE(chains.db->execute(sql));
    REQUIRE(chains.connection->exec(sql));
  }
  for (auto* store : {chains.sqlite.get(), chains.pg.get()}) {
    REQUIRE(server::refresh_changed_values(*store, {}, january, kMembers).value().kind ==
            server::RefreshKind::kIncremental);
  }
  const auto after = same_summaries(chains);
  for (std::size_t i = 0; i < kSummaries.size(); ++i) {
    INFO(kSummaries[i]);
    CHECK(after[i] != summaries[i]);  // the writes changed every summary
  }
  // The reports these summaries serve, again: cohort retention (never cached) and the two
  // acquisition reports uncached (their cache holds the rows of the last full refresh), so
  // each reads the summaries as they are now.
  std::vector<std::unique_ptr<server::reports::Report>> served;
  served.push_back(server::reports::acquisition_report());
  served.push_back(server::reports::acquisition_cost_report());
  for (auto& report : server::reports::all_reports()) {
    if (report->name() == "cohort-retention") served.push_back(std::move(report));
  }
  REQUIRE(served.size() == 3);
  for (const auto& report : served) {
    for (const auto& f : filters) {
      TextSink want;
      CHECK(same_rows(*report, chains, f, want));
      if (!f.store && !f.region && !f.from && !f.to) CHECK(want.lines.size() > 2);
    }
  }
}
