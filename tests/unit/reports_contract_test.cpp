// tests/unit/reports_contract_test.cpp
//
// The head-office reports on both backends (docs/reports.md, "On PostgreSQL"): one seeded
// chain, held by a SQLite file and (copied by `rapportctl storage migrate`'s code) by a
// PostgreSQL database, gets the same value refreshes, forecast checks and reward costs; then
// every report ported to PostgreSQL must give the SQLite rows cell for cell, for the whole
// chain, stores, regions, periods and their mixes. SQLite runs each report as the server
// does (report cache and snapshot days included). Every report not ported must refuse on
// PostgreSQL, never answer with no rows. A second run on PostgreSQL replays its report cache.

#include <algorithm>
#include <array>
#include <chrono>
#include <set>
#include <sstream>
#include <thread>
#include <variant>

#include "server/reports/acquisition.h"
#include "server/reports/acquisition_cost.h"
#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/reports/value_reports.h"
#include "server/reports/warm_reports.h"
#include "server/seed_chain.h"
#include "server/storage/chain_migration.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_tier_checkpoints.h"
#include "server/storage/pg_value.h"
#include "server/storage/sqlite_rewards_days.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/sqlite_tier_checkpoints.h"
#include "server/storage/sqlite_value.h"
#include "server/storage/store.h"
#include "server/storage/staff_store.h"
#include "server/storage/store_url.h"
#include "server/value/value_model.h"
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
    "members",         "acquisition",            "acquisition-cost",   "offer-uplift",
    "rewards"};

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
    // From here sales earn points on both (the ledger, and rewards_days by its triggers).
    for (auto* store : {sqlite.get(), pg.get()}) {
      store->set_rewards_rules(testing::rules_with("points_per_unit = 1\n"));
    }
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
    // Sales that arrive late, dated before the members' first tiers: their points count in
    // no tier on their day and move with the balance at the tier change after it.
    for (std::size_t index = 0; index < 6; ++index) {
      later.push_back(testing::sale(server::seeded_card_token(target, 3 + index * 11), 4'000,
                                    "coffee", "2026-09-15T09:00:00.000Z"));
    }
    // Redemptions of some of the points earned.
    for (std::size_t index = 0; index < 5; ++index) {
      later.push_back(testing::redeem(server::seeded_card_token(target, index * 7), 10));
    }
    record(later);
    for (const int days : {14, 28}) {
      const auto today = kEnd + std::chrono::days(days);
      REQUIRE(sqlite->check_forecasts(52, today).value().size() ==
              pg->check_forecasts(52, today).value().size());
    }
    add_reward_costs();
    add_campaigns();
    add_offers();
    // A member who moves store takes their count and balance along (on both, today).
    both("UPDATE members SET home_store = 'S3' WHERE id = 14 AND home_store <> 'S3'");
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

  // Offers shown and held out (some members bought in the 30 days after, from the seed's
  // sales), in September (before the members' first tiers) and October, one member's offer
  // recorded twice (the first counts), and outcomes the rewards report counts.
  void add_offers() {
    std::string values;
    for (std::int64_t m = 1; m <= 180; ++m) {
      const std::string offer = m % 2 == 0 ? "double-points" : "birthday-cake";
      const std::string outcome = m % 3 == 0 ? "held_out" : "shown";
      const std::string day = m % 4 == 0 ? "2026-09-2" + std::to_string(m % 10)
                                         : "2026-10-0" + std::to_string(1 + m % 9);
      if (!values.empty()) values += ", ";
      values += "(" + std::to_string(m) + ", '" + offer + "', '" + outcome + "', '" + day +
                "T11:00:00.000Z', 'S" + std::to_string(1 + m % 4) + "')";
      if (m % 10 == 1) {  // later records of the same offer: accepted, declined, shown again
        values += ", (" + std::to_string(m) + ", '" + offer + "', '" +
                  (m % 20 == 1 ? "accepted" : "declined") + "', '2026-10-2" +
                  std::to_string(m % 7) + "T11:00:00.000Z', 'S1'), (" + std::to_string(m) +
                  ", '" + offer + "', 'shown', '2026-10-27T11:00:00.000Z', 'S1')";
      }
    }
    both("INSERT INTO offer_events(member_id, offer_id, outcome, at, store_id) VALUES " + values);
  }

  // The same statement on the SQLite file and the PostgreSQL database.
  void both(const std::string& sql) {
    auto file = storage::Database::open(target.database, server::kSqliteMigrations).value();
    REQUIRE(file.execute(sql));
    auto other = server::pg::Connection::open(pg_url).value();
    REQUIRE(other.exec(sql));
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

TEST_CASE("a report's cursor on postgresql gives every row in order, over several fetches, and "
          "stops when the sink wants no more",
          "[reports][postgresql]") {
  auto db = server::pg::Connection::open(PgCluster::shared().fresh_database()).value();
  constexpr std::array<server::reports::Column, 1> kColumns{
      {{"n", server::reports::ColumnKind::kInteger}}};
  // More rows than the first fetches hold (1,024, then 4,096, then 16,384 at most).
  const std::string sql = "SELECT n FROM generate_series(1, 40000) AS n ORDER BY n";
  struct Numbers final : server::reports::RowSink {
    std::int64_t rows = 0, sum = 0, last = 0, stop_after = -1;
    bool ordered = true, ended = false;
    void begin(std::span<const server::reports::Column>) override {}
    void row(std::span<const server::reports::Cell> cells) override {
      const auto n = std::get<std::int64_t>(cells[0]);
      ordered = ordered && n == last + 1;
      last = n;
      sum += n;
      ++rows;
    }
    void end() override { ended = true; }
    bool wants_more() const override { return stop_after < 0 || rows < stop_after; }
  };
  Numbers all;
  REQUIRE(server::reports::stream_pg_cursor(db, sql, {}, kColumns, all));
  CHECK(all.rows == 40000);
  CHECK(all.sum == std::int64_t{40000} * 40001 / 2);
  CHECK(all.ordered);
  CHECK(all.ended);
  Numbers page;
  page.stop_after = 1001;  // the dashboard's page: 1,000 rows shown and one more
  REQUIRE(server::reports::stream_pg_cursor(db, sql, {}, kColumns, page));
  CHECK(page.rows == 1001);
  CHECK(page.ended);
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
  REQUIRE(server::pg::tier_checkpoints_current(*chains.connection).value());
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
      // Offer uplift of the whole chain: offers with both groups, so uplifts to compare.
      if (name == "offer-uplift" && !f.store && !f.region && !f.from && !f.to) {
        const auto measured =
            std::count_if(want.lines.begin(), want.lines.end(), [](const std::string& line) {
              std::istringstream cells(line);
              std::string cell;  // the seventh: uplift_days_per_100
              for (int i = 0; i <= 6; ++i) std::getline(cells, cell, '\t');
              return cell.starts_with("i:");
            });
        CHECK(measured >= 2);
      }
      // Tier migrations from October's tiers: several from-tiers, not only "(none)".
      if (name == "tier-migrations" && f.from == "2026-11-01" && !f.store && !f.region) {
        INFO(want.lines[1]);
        CHECK(want.lines.size() >= 5);  // columns, three tiers or more, end
        CHECK(want.lines[1].starts_with("t:MVC\t"));
      }
    }
  }
  CHECK(compared >= kPorted.size() * 10);
  // The snapshot reports, tier migrations, the two acquisition reports and offer uplift
  // were kept for the
  // latest full refresh, the same views on both backends (a period holding every snapshot
  // day is the whole view's, one holding none is empty and kept nowhere), and nothing else.
  const std::string kept =
      "SELECT report, count(DISTINCT filter) FROM report_cache WHERE row = -1 AND refresh_id = "
      "(SELECT max(id) FROM value_refreshes WHERE kind = 'full') GROUP BY report ORDER BY report";
  const auto kept_on_pg = testing::store_rows(chains.pg_url, kept);
  CHECK(kept_on_pg == testing::store_rows("sqlite://" + chains.target.database.string(), kept));
  std::vector<std::string> kept_reports;
  for (const auto& line : kept_on_pg) kept_reports.push_back(line.substr(0, line.find('\t')));
  CHECK(kept_reports == std::vector<std::string>{"acquisition", "acquisition-cost",
                                                 "category-mix", "customer-equity",
                                                 "offer-uplift", "tier-migrations",
                                                 "value-distribution"});
  // Warming after a full refresh runs every ported report for the chain and each region
  // (forecast accuracy refuses a region, as expected), and keeps the views of the cached ones.
  CHECK(server::reports::warm_report_cache_pg(chains.pg_url) ==
        kPorted.size() + 4 * (kPorted.size() - 1));
  CHECK(testing::store_rows(chains.pg_url,
                            "SELECT count(*) FROM report_cache WHERE row = -1 AND "
                            "filter LIKE '%region=West%'") == std::vector<std::string>{"7"});

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

TEST_CASE(
    "reports contract: postgresql keeps rewards_days as sqlite does, through the ledger, "
    "offers, reward costs, refreshes and a move, and rebuilds it as sqlite does",
    "[reports][postgresql]") {
  TwoChains chains;
  // A store changes region: its rows leave West's and join North's, on both.
  chains.both("UPDATE stores SET region = 'North' WHERE id = 'S4'");
  const std::string sqlite_url = "sqlite://" + chains.target.database.string();
  // Rows with a figure (an upsert of nothing but zeros leaves a row of zeros on both).
  const std::string kept =
      "SELECT place, day, tier, members, net, issued, redeemed, expired, gestures, shown, "
      "held_out, accepted, cost_cents FROM rewards_days WHERE members <> 0 OR net <> 0 OR "
      "issued <> 0 OR redeemed <> 0 OR expired <> 0 OR gestures <> 0 OR shown <> 0 OR "
      "held_out <> 0 OR accepted <> 0 OR cost_cents <> 0 ORDER BY place, day, tier";
  const auto on_pg = testing::store_rows(chains.pg_url, kept);
  CHECK(on_pg == testing::store_rows(sqlite_url, kept));
  // Every kind of figure is among them, and the store move's day.
  const std::string kinds =
      "SELECT sum(issued) > 0, sum(redeemed) > 0, sum(shown) > 0, sum(held_out) > 0, "
      "sum(accepted) > 0, sum(cost_cents) > 0, count(DISTINCT tier) > 3, "
      "count(*) FILTER (WHERE place = 's:S3' AND day = '" + now_iso8601().substr(0, 10) +
      "' AND members > 0) > 0 FROM rewards_days WHERE place = '' OR place = 's:S3'";
  CHECK(testing::store_rows(chains.pg_url, kinds) ==
        std::vector<std::string>{"t\tt\tt\tt\tt\tt\tt\tt"});
  CHECK(testing::store_rows(chains.pg_url, "SELECT count(*) FROM rewards_days WHERE "
                                           "place = 'r:West' AND members <> 0") ==
        std::vector<std::string>{"0"});
  // The late sales dated before the first tiers moved with the balance at that change.
  CHECK(testing::store_rows(chains.pg_url,
                            "SELECT count(*) > 0 FROM rewards_days WHERE place = '' AND "
                            "day = '2026-09-15' AND tier = 'none' AND issued > 0") ==
        std::vector<std::string>{"t"});

  // Rebuilt from what is stored on both (SQLite's backfill, PostgreSQL's
  // rewards_days_rebuild()): the same rows again.
  REQUIRE(server::sqlite::rebuild_rewards_days(*chains.db));
  REQUIRE(chains.connection->exec("SELECT rewards_days_rebuild()"));
  const auto rebuilt = testing::store_rows(chains.pg_url, kept);
  CHECK(rebuilt == testing::store_rows(sqlite_url, kept));
  CHECK(rebuilt.size() > 100);
}

TEST_CASE(
    "reports contract: two instances earning at once on postgresql keep rewards_days true "
    "for the chain and every store",
    "[reports][postgresql]") {
  TwoChains chains;
  // Two servers' stores on one database, each recording its terminals' sales in batches at
  // the same time: members of every store and tier, some in both, on two days.
  std::vector<std::unique_ptr<server::Store>> instances;
  for (int i = 0; i < 2; ++i) {
    instances.push_back(server::open_pg_store(chains.pg_url).value());
    instances.back()->set_rewards_rules(testing::rules_with("points_per_unit = 1\n"));
  }
  std::vector<std::vector<domain::Event>> batches(2 * 8);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    for (std::size_t i = 0; i < 40; ++i) {
      const std::size_t member = (b * 37 + i * 13) % kMembers;
      batches[b].push_back(testing::sale(server::seeded_card_token(chains.target, member),
                                         1'000 + 10 * static_cast<std::int64_t>(i), "coffee",
                                         at(kEnd + std::chrono::days(1 + b % 2), 9 + i % 8)));
    }
  }
  std::array<std::size_t, 2> stored{};
  std::array<bool, 2> failed{};
  {
    std::vector<std::thread> writers;
    for (std::size_t w = 0; w < 2; ++w) {
      writers.emplace_back([&, w] {
        for (std::size_t b = w; b < batches.size(); b += 2) {
          const auto done = instances[w]->record_events(batches[b]);
          if (!done) {
            failed[w] = true;
            return;
          }
          stored[w] += *done;
        }
      });
    }
    for (auto& writer : writers) writer.join();
  }
  CHECK_FALSE(failed[0]);
  CHECK_FALSE(failed[1]);
  CHECK(stored[0] + stored[1] == batches.size() * 40);
  // Every place's members and outstanding points are those of the members counted there now
  // (the chain: all but the merged; a store: its members, the moved one with their balance).
  const std::string kept =
      "SELECT place, sum(members), sum(net) FROM rewards_days GROUP BY place ORDER BY place";
  const std::string members =
      "SELECT p.place, count(*), sum(coalesce(b.points, 0)) FROM members m "
      "LEFT JOIN (SELECT member_id, sum(points) AS points FROM points_entries "
      "  WHERE member_id IS NOT NULL GROUP BY member_id) b ON b.member_id = m.id "
      "LEFT JOIN stores s ON s.id = m.home_store "
      "CROSS JOIN LATERAL (VALUES (''), ('s:' || m.home_store), "
      "  ('r:' || nullif(s.region, ''))) p(place) "
      "WHERE m.merged_into IS NULL AND p.place IS NOT NULL GROUP BY 1 ORDER BY 1";
  const auto by_place = testing::store_rows(chains.pg_url, kept);
  CHECK(by_place == testing::store_rows(chains.pg_url, members));
  CHECK(by_place.size() >= 5);  // the chain, four stores, their regions
  // And the points the sales issued, once each.
  CHECK(testing::store_rows(chains.pg_url,
                            "SELECT sum(issued) FROM rewards_days WHERE place = ''") ==
        testing::store_rows(chains.pg_url,
                            "SELECT sum(e.points) FROM points_entries e JOIN points_postings p "
                            "ON p.id = e.posting_id WHERE e.member_id IS NOT NULL AND "
                            "p.kind IN ('earn', 'bonus')"));
}

TEST_CASE(
    "reports contract: on postgresql a value save and a sale of the same member wait for each "
    "other, never deadlock on rewards_days",
    "[reports][postgresql]") {
  TwoChains chains;
  const auto member = testing::store_rows(
      chains.pg_url, "SELECT value_tier || '|' || home_store FROM members WHERE id = 20");
  REQUIRE(member.size() == 1);
  const std::string tier = member[0].substr(0, member[0].find('|'));
  // A sale's transaction, as the ledger's run makes it: the member locked first.
  auto sale = server::pg::Connection::open(chains.pg_url).value();
  REQUIRE(sale.exec("BEGIN"));
  REQUIRE(sale.exec("SELECT id FROM members WHERE id = 20 FOR NO KEY UPDATE"));
  // Meanwhile a save moves the member to another tier, today: it waits for the member.
  value::ValueSnapshot moved;
  moved.member_id = 20;
  moved.home_store = member[0].substr(member[0].find('|') + 1);
  moved.tier = tier == "MVC" ? value::ValueTier::kBz : value::ValueTier::kMvc;
  moved.rfm = "R5F5M5";
  moved.segment = "champions";
  moved.p_alive = 0.5;
  value::ValueRefresh refresh;
  refresh.snapshots = {moved};
  std::optional<Result<std::size_t>> saved;
  std::thread saver([&] {
    saved = chains.pg->save_value_refresh(refresh, now_iso8601().substr(0, 10),
                                          {.full = false, .events_seq = 0, .fit_id = {}});
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the save reaches the member's lock
  // The sale's points, now: the rewards_days rows of today's old tier, which the save moves
  // the member out of. Were the save to hold them while it waits for the member, this
  // would wait for the save: a deadlock, and one of the two would fail.
  const auto posted = sale.exec(
      "WITH p AS (INSERT INTO points_postings(kind, cause, occurred_at, posted_at) VALUES "
      "('earn', 'test:meanwhile', $1, $1) RETURNING id) "
      "INSERT INTO points_entries(posting_id, account, member_id, points) "
      "SELECT id, 'member', 20, 7 FROM p UNION ALL SELECT id, 'chain:issued', NULL, -7 FROM p",
      {server::pg::param(now_iso8601())});
  const auto committed = sale.exec("COMMIT");
  saver.join();
  CHECK(posted.has_value());
  CHECK(committed.has_value());
  REQUIRE(saved.has_value());
  CHECK(saved->has_value());
}

namespace {

// A value refresh saved on both backends: every member's tier drawn from their id, then
// that of every `nudge`-th member turned by `turn` (so members change tier again and again),
// stamped `at`; `only`: an incremental save of every `only`-th member. No model is fitted
// (the tiers are what the checkpoints follow; the model has its own tests).
void save_both(TwoChains& chains, const std::string& at, std::int64_t nudge, int turn,
               std::optional<std::int64_t> only = {}) {
  value::ValueRefresh refresh;
  for (const auto& line : testing::store_rows("sqlite://" + chains.target.database.string(),
                                              "SELECT id, home_store FROM members ORDER BY id")) {
    const auto tab = line.find('\t');
    value::ValueSnapshot s;
    s.member_id = std::stoll(line.substr(0, tab));
    s.home_store = line.substr(tab + 1);
    if (only && s.member_id % *only != 0) continue;
    int tier = static_cast<int>(s.member_id % 3);  // MVC, MGC, LMC
    if (s.member_id % nudge == 0) tier = (tier + turn) % 4;
    s.tier = static_cast<value::ValueTier>(tier + 1);
    s.segment = "loyal";
    refresh.snapshots.push_back(std::move(s));
  }
  server::ValueSaveMark mark;
  mark.full = !only;
  const std::string day = at.substr(0, 10);
  REQUIRE(server::sqlite::save_value_refresh(*chains.db, refresh, at, day, mark));
  REQUIRE(server::pg::save_value_refresh(*chains.connection, refresh, at, day, mark));
}

}  // namespace

TEST_CASE("tier migrations on postgresql from its daily checkpoints give sqlite's rows through "
          "saves on several days, an incremental one, an edited history and a rebuild",
          "[reports][postgresql][tiers]") {
  TwoChains chains;
  const auto report = server::reports::tier_migrations_report();
  // Days after the fixture's refreshes (stamped now), so each save adds to the last
  // checkpoint instead of rebuilding them (which a clock gone back does).
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const auto stamp = [&](int days, int hour = 6) {
    return to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(today + std::chrono::days(days)) +
                      std::chrono::hours(hour));
  };
  const auto day = [&](int days) { return to_iso8601_day(today + std::chrono::days(days)); };
  const auto agrees = [&](const char* after) {
    INFO("after " << after);
    for (const auto& f :
         {filter({}, {}, {}, {}), filter("S1", {}, {}, {}), filter({}, "North", {}, {}),
          filter({}, {}, day(1), day(2)), filter({}, {}, day(2), {}), filter({}, {}, {}, day(1)),
          filter("S2", {}, day(-400), day(3)), filter({}, "South", day(3), day(3)),
          filter({}, {}, day(2), day(1))}) {
      INFO(describe(f));
      TextSink want;
      TextSink got;
      REQUIRE(report->run(*chains.db, f, want));
      REQUIRE(report->run_pg(*chains.connection, f, got));
      CHECK(got.lines == want.lines);
    }
  };
  const std::string kept = "SELECT day, lower(hex(tiers)) FROM tier_checkpoints ORDER BY day";
  const std::string kept_pg =
      "SELECT day, encode(tiers, 'hex') FROM tier_checkpoints ORDER BY day";
  const auto pg_rows = [&](const std::string& sql) { return testing::store_rows(chains.pg_url, sql); };
  const auto sqlite_rows = [&](const std::string& sql) {
    return testing::store_rows("sqlite://" + chains.target.database.string(), sql);
  };
  REQUIRE(server::pg::tier_checkpoints_current(*chains.connection).value());
  agrees("the fixture's refreshes");

  save_both(chains, stamp(1), 5, 1);
  save_both(chains, stamp(2), 3, 2);
  save_both(chains, stamp(2, 18), 4, 3, 2);  // incremental
  save_both(chains, stamp(3), 7, 1);
  {
    // Not a test that cannot fail: members changed tier, some more than once.
    const auto moved = pg_rows("SELECT count(*) FROM (SELECT member_id FROM tier_history "
                               "WHERE changed_at >= '" + day(1) + "' GROUP BY member_id "
                               "HAVING count(DISTINCT tier) > 1) m");
    CHECK(std::stoll(moved.at(0)) > 10);
  }
  // Each save added to the last checkpoint (no rebuild), and they are SQLite's, byte for byte.
  CHECK(server::pg::tier_checkpoints_current(*chains.connection).value());
  const auto saved = pg_rows(kept_pg);
  CHECK(saved == sqlite_rows(kept));
  CHECK(saved.size() >= 4);  // the fixture's day(s), then one a day
  agrees("saves on three days");

  // The rebuild from tier_history alone makes what the saves made one by one.
  {
    auto tx = server::pg::Transaction::begin(*chains.connection).value();
    REQUIRE(server::pg::rebuild_tier_checkpoints(*chains.connection));
    REQUIRE(tx.commit());
  }
  CHECK(pg_rows(kept_pg) == saved);

  // An edit of tier_history marks them not current: the report reads the history until the
  // next save rebuilds them.
  const std::string edit = "UPDATE tier_history SET changed_at = '" + stamp(2, 12) +
                           "' WHERE changed_at = '" + stamp(3) + "' AND member_id % 3 = 0";
  REQUIRE(chains.connection->exec(edit));
  REQUIRE(chains.db->execute(edit));
  CHECK_FALSE(server::pg::tier_checkpoints_current(*chains.connection).value());
  agrees("an edited history");
  save_both(chains, stamp(4), 6, 2);
  CHECK(server::pg::tier_checkpoints_current(*chains.connection).value());
  CHECK(pg_rows(kept_pg) == sqlite_rows(kept));
  CHECK(pg_rows(kept_pg) != saved);
  agrees("the rebuild by the next save");
}
