// tests/unit/reports_issue11_test.cpp
//
// Regions, campaigns and the acquisition, rewards, offer uplift, forecast and members reports on a
// seeded chain in a real SQLite file (docs/reports.md): each report's rows against the
// test's own SQL (and, where the report does arithmetic, the test's own arithmetic on rows
// it read itself), with and without --store/--region/period filters.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "server/dashboard/staff.h"
#include "server/reports/campaign_store.h"
#include "server/reports/campaigns_csv.h"
#include "server/reports/filter_sql.h"
#include "server/reports/members_report.h"
#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/reports/sinks.h"
#include "server/reports/value_reports.h"
#include "server/rewards/rewards_rules.h"
#include "server/rewards/uplift.h"
#include "server/seed_chain.h"
#include "server/storage/member_rights_store.h"
#include "server/storage/offer_store.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/staff_store.h"
#include "server/storage/store.h"
#include "server/value_refresh.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
namespace reports = rapport::server::reports;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);

boost::json::array run_json(storage::Database& db, std::string_view name,
                            const reports::Filter& filter = {},
                            const reports::ReportSettings& settings = {}) {
  const auto report = reports::find_report(name, settings);
  REQUIRE(report);
  std::ostringstream out;
  const auto sink = reports::json_sink(out);
  REQUIRE(report->run(db, filter, *sink));
  return boost::json::parse(out.str()).as_array();
}

std::string text(const boost::json::object& o, std::string_view key) {
  const auto& v = o.at(key);
  return v.is_null() ? std::string() : std::string(v.as_string());
}

// An integer cell, or -1 for no value (null), so expectations can name "no value".
std::int64_t number(const boost::json::object& o, std::string_view key) {
  const auto& v = o.at(key);
  return v.is_null() ? -1 : v.as_int64();
}

std::int64_t rounded(std::int64_t a, std::int64_t b) {
  return b == 0 ? -1 : std::llround(static_cast<double>(a) / static_cast<double>(b));
}

std::int64_t scalar(storage::Database& db, const std::string& sql) {
  auto stmt = db.prepare(sql).value();
  REQUIRE(stmt.step().value());
  return stmt.column_is_null(0) ? 0 : stmt.column_int64(0);
}

// A seeded chain of 3 stores (regions North, South, East), valued as of kEnd.
struct Chain {
  testing::TempDir dir;
  server::SeedTarget target{dir / "rapport.db",
                            card::CardKey::from_hex(std::string(64, 'c')).value(), "627599"};
  explicit Chain(std::size_t members = 400) {
    value::ChainSpec spec;
    spec.members = members;
    spec.stores = 3;
    spec.seed = 11;
    REQUIRE(server::seed_chain(target, spec, kEnd, server::SeedPath::kBulk));
  }
  void refresh() {
    auto store = server::open_sqlite_store(target.database).value();
    REQUIRE(server::refresh_values(*store, {}, kEnd));
  }
  storage::Database open() {
    return storage::Database::open(target.database, server::kSqliteMigrations).value();
  }
};

struct MemberRow {
  std::int64_t id = 0;
  std::string channel;
  std::string enrolled_on;
  std::string home_store;
  std::optional<std::int64_t> ltv;
};

std::vector<MemberRow> member_rows(storage::Database& db) {
  auto stmt = db.prepare("SELECT m.id, coalesce(m.channel, 'unknown'), m.enrolled_on, "
                         "m.home_store, v.lifetime_value_cents FROM members m "
                         "LEFT JOIN value_snapshots v ON v.member_id = m.id "
                         "WHERE m.merged_into IS NULL")
                  .value();
  std::vector<MemberRow> rows;
  while (stmt.step().value()) {
    MemberRow r{stmt.column_int64(0), stmt.column_text(1), stmt.column_text(2),
                stmt.column_text(3), {}};
    if (!stmt.column_is_null(4)) r.ltv = stmt.column_int64(4);
    rows.push_back(std::move(r));
  }
  return rows;
}

reports::Campaign campaign(std::string id, std::string channel, std::string from, std::string to,
                           std::int64_t spend) {
  reports::Campaign c;
  c.id = std::move(id);
  c.name = "Campaign " + c.id;
  c.channel = std::move(channel);
  c.starts_on = std::move(from);
  c.ends_on = std::move(to);
  c.spend_cents = spend;
  return c;
}

// Enrollment days of the seeded members, in order, for campaign windows that hold some.
std::vector<std::string> enrollment_days(storage::Database& db) {
  auto stmt = db.prepare("SELECT DISTINCT enrolled_on FROM members ORDER BY 1").value();
  std::vector<std::string> days;
  while (stmt.step().value()) days.push_back(stmt.column_text(0));
  return days;
}

// Ledger postings as the rewards engine writes them: the member's entry and the chain's.
void post(storage::Database& db, std::int64_t id, const std::string& kind,
          const std::string& cause, std::int64_t member, std::int64_t points,
          const std::string& chain_account, const std::string& at) {
  auto p = db.prepare("INSERT INTO points_postings(id, kind, cause, occurred_at, posted_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?4)")
               .value();
  REQUIRE(p.bind(1, id).bind(2, kind).bind(3, cause).bind(4, at).run());
  auto e = db.prepare("INSERT INTO points_entries(posting_id, account, member_id, points) "
                      "VALUES (?1, 'member', ?2, ?3), (?1, ?4, NULL, -?3)")
               .value();
  REQUIRE(e.bind(1, id).bind(2, member).bind(3, points).bind(4, chain_account).run());
}

// The tier `member` had at `at` (SQL expressions): their latest tier_history row up to it,
// else 'none'. The rewards report groups its flows so (docs/reports.md, "rewards").
std::string tier_then(const std::string& member, const std::string& at) {
  return "coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = " + member +
         " AND h.changed_at <= " + at + " ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1), "
         "'none')";
}

}  // namespace

TEST_CASE("seeded stores go round the regions, and a region narrows customer equity",
          "[reports][regions]") {
  Chain chain(300);
  chain.refresh();
  auto db = chain.open();
  CHECK(scalar(db, "SELECT count(*) FROM stores WHERE id = 'S1' AND region = 'North'") == 1);
  CHECK(scalar(db, "SELECT count(*) FROM stores WHERE id = 'S2' AND region = 'South'") == 1);
  CHECK(scalar(db, "SELECT count(*) FROM stores WHERE id = 'S3' AND region = 'East'") == 1);

  reports::Filter north;
  north.region = "North";
  auto rows = run_json(db, "customer-equity", north);
  REQUIRE(rows.size() == 1);
  CHECK(text(rows[0].as_object(), "store") == "S1");
  CHECK(number(rows[0].as_object(), "customer_equity_cents") ==
        scalar(db, "SELECT sum(v.lifetime_value_cents) FROM value_snapshots v JOIN members m "
                   "ON m.id = v.member_id WHERE m.home_store = 'S1'"));

  // S3 moves to the North: the region now holds two stores; an unknown region nothing.
  {
    auto store = server::open_sqlite_store(chain.target.database).value();
    CHECK(store->set_store_region("S3", std::string("North")).value());
    CHECK_FALSE(store->set_store_region("S9", std::string("North")).value());
  }
  rows = run_json(db, "customer-equity", north);
  REQUIRE(rows.size() == 2);
  CHECK(text(rows[1].as_object(), "store") == "S3");
  reports::Filter nowhere;
  nowhere.region = "Atlantis";
  CHECK(run_json(db, "customer-equity", nowhere).empty());
  // Store and region together: both must hold.
  reports::Filter s2_north = north;
  s2_north.store = "S2";
  CHECK(run_json(db, "customer-equity", s2_north).empty());
}

TEST_CASE("campaigns are added all or none, each problem naming its line",
          "[reports][campaigns]") {
  const auto good = reports::parse_campaigns_csv(
      "# spring\r\nID,name,channel,starts_on,ends_on,spend_cents\r\n"
      "flyer-1,Spring flyer,flyer,2026-03-01,2026-03-31,120000\r\n\r\n"
      "social-1,Spring social,social,2026-03-01,2026-04-30,0\r\n");
  REQUIRE(good.problems.empty());
  REQUIRE(good.rows.size() == 2);
  CHECK(good.rows[0].line == 3);
  CHECK(good.rows[1].line == 5);
  CHECK(good.rows[0].spend_cents == 120000);

  const auto bad = reports::parse_campaigns_csv(
      "id,name,channel,starts_on,ends_on,spend_cents\n"
      "a,A,flyer,2026-03-01,2026-03-31,100\n"
      "b,B,flyer,2026-03-31,2026-04-30,100\n"  // shares 31 March with a
      "c,C,radio,2026-02-30,2026-03-01,100\n"  // no such day
      "d,D,radio,2026-05-01,2026-04-01,100\n"  // ends before it starts
      "e,E,radio,2026-06-01,2026-06-30,-5\n"
      "a,A again,app,2026-06-01,2026-06-30,5\n"
      "f,F,radio,2026-07-01\n");
  std::set<std::size_t> lines;
  for (const auto& p : bad.problems) lines.insert(p.line);
  CHECK(lines == std::set<std::size_t>{3, 4, 5, 6, 7, 8});
  CHECK(bad.problems.front().message().starts_with("line 3: overlaps campaign 'a'"));
  CHECK_FALSE(reports::parse_campaigns_csv("").problems.empty());
  CHECK_FALSE(reports::parse_campaigns_csv("id,name,channel,starts_on,ends_on\n").problems.empty());
  CHECK_FALSE(
      reports::parse_campaigns_csv("id,name,channel,starts_on,ends_on,spend_cents\n").problems.empty());

  testing::TempDir dir;
  auto db = storage::Database::open(dir / "rapport.db", server::kSqliteMigrations).value();
  REQUIRE(reports::add_campaigns(db, good.rows).value().empty());
  CHECK(scalar(db, "SELECT count(*) FROM campaigns") == 2);
  CHECK(scalar(db, "SELECT spend_cents FROM campaigns WHERE id = 'flyer-1'") == 120000);
  // A file with one good campaign and one overlapping a kept one: nothing is added.
  std::vector<reports::Campaign> more{campaign("app-1", "app", "2026-01-01", "2026-01-31", 5),
                                      campaign("flyer-2", "flyer", "2026-03-31", "2026-04-15", 7)};
  more[0].line = 2;
  more[1].line = 3;
  const auto refused = reports::add_campaigns(db, more).value();
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].line == 3);
  CHECK(refused[0].message().find("flyer-1") != std::string::npos);
  CHECK(scalar(db, "SELECT count(*) FROM campaigns") == 2);
  // The same id again is refused too; a campaign on its own is checked like a file's.
  CHECK(reports::add_campaigns(db, std::vector{campaign("flyer-1", "app", "2025-01-01",
                                                        "2025-01-02", 1)})
            .value()
            .size() == 1);
  CHECK_FALSE(reports::add_campaigns(db, std::vector{campaign("x y", "app", "2025-01-01",
                                                              "2025-01-02", 1)})
                  .value()
                  .empty());
  CHECK(scalar(db, "SELECT count(*) FROM campaigns") == 2);
}

TEST_CASE("acquisition by channel and campaign, and the affordable cost per channel, equal the "
          "test's own figures", "[reports][acquisition]") {
  Chain chain;
  auto db = chain.open();
  // Before any member is valued: members counted, no lifetime value invented.
  {
    const auto rows = run_json(db, "acquisition");
    REQUIRE_FALSE(rows.empty());
    for (const auto& row : rows) CHECK(row.as_object().at("lifetime_value_cents").is_null());
  }
  // enrolled_on is the enrollment event's day.
  CHECK(scalar(db, "SELECT count(*) FROM members m JOIN events e ON e.member_id = m.id AND "
                   "e.kind = 'enrollment' WHERE m.enrolled_on <> substr(e.occurred_at, 1, 10)") ==
        0);
  CHECK(scalar(db, "SELECT count(*) FROM members WHERE enrolled_on IS NULL") == 0);

  chain.refresh();
  const auto days = enrollment_days(db);
  REQUIRE(days.size() > 40);
  const auto day = [&](double share) {
    return days[static_cast<std::size_t>(share * static_cast<double>(days.size() - 1))];
  };
  std::vector<reports::Campaign> campaigns{
      campaign("flyer-a", "flyer", day(0.1), day(0.5), 50'000),
      campaign("flyer-b", "flyer", day(0.7), day(1.0), 30'001),
      campaign("social-1", "social", day(0.0), day(0.6), 120'000),
      campaign("radio-1", "radio", day(0.2), day(0.3), 9'999)};
  REQUIRE(reports::add_campaigns(db, campaigns).value().empty());

  const auto members = member_rows(db);
  std::set<std::string> north;
  {
    auto stmt = db.prepare("SELECT id FROM stores WHERE region = 'North'").value();
    while (stmt.step().value()) north.insert(stmt.column_text(0));
  }
  const auto campaign_of = [&](const MemberRow& m) -> std::string {
    for (const auto& c : campaigns) {
      if (c.channel == m.channel && c.starts_on <= m.enrolled_on && m.enrolled_on <= c.ends_on) {
        return c.id;
      }
    }
    return "";
  };
  std::map<std::string, std::int64_t> chain_members;  // campaign -> members, whole chain
  for (const auto& m : members) {
    if (const auto c = campaign_of(m); !c.empty()) ++chain_members[c];
  }
  REQUIRE(chain_members["flyer-a"] > 0);
  REQUIRE(chain_members["social-1"] > 0);
  REQUIRE(chain_members.count("radio-1") == 0);

  struct Figures {
    std::int64_t members = 0, valued = 0, ltv = 0;
  };
  for (const bool only_north : {false, true}) {
    INFO("region North only: " << only_north);
    std::map<std::pair<std::string, std::string>, Figures> want;  // (channel, campaign)
    std::map<std::string, Figures> by_channel;
    for (const auto& m : members) {
      if (only_north && !north.contains(m.home_store)) continue;
      for (auto* f : {&want[{m.channel, campaign_of(m)}], &by_channel[m.channel]}) {
        ++f->members;
        if (m.ltv) {
          ++f->valued;
          f->ltv += *m.ltv;
        }
      }
    }
    for (const auto& c : campaigns) {
      want.try_emplace({c.channel, c.id});  // campaigns that won nobody still show
      by_channel.try_emplace(c.channel);
    }
    reports::Filter filter;
    if (only_north) filter.region = "North";

    const auto rows = run_json(db, "acquisition", filter);
    REQUIRE(rows.size() == want.size());
    for (const auto& row : rows) {
      const auto& o = row.as_object();
      const auto key = std::make_pair(text(o, "channel"), text(o, "campaign"));
      INFO(key.first << " / " << key.second);
      REQUIRE(want.contains(key));
      const auto& w = want.at(key);
      CHECK(number(o, "members") == w.members);
      CHECK(number(o, "valued_members") == w.valued);
      CHECK(number(o, "lifetime_value_cents") == (w.valued > 0 ? w.ltv : -1));
      CHECK(number(o, "mean_lifetime_value_cents") == (w.valued > 0 ? rounded(w.ltv, w.valued) : -1));
      if (key.second.empty()) {
        CHECK(number(o, "campaign_spend_cents") == -1);
        CHECK(number(o, "cost_per_member_cents") == -1);
        continue;
      }
      const auto& c = *std::find_if(campaigns.begin(), campaigns.end(),
                                    [&](const auto& x) { return x.id == key.second; });
      CHECK(number(o, "campaign_spend_cents") == c.spend_cents);
      CHECK(number(o, "campaign_members") == chain_members[c.id]);
      CHECK(number(o, "cost_per_member_cents") == rounded(c.spend_cents, chain_members[c.id]));
    }

    const auto cost_rows = run_json(db, "acquisition-cost", filter);
    REQUIRE(cost_rows.size() == by_channel.size());
    for (const auto& row : cost_rows) {
      const auto& o = row.as_object();
      const std::string channel = text(o, "channel");
      INFO(channel);
      REQUIRE(by_channel.contains(channel));
      const auto& w = by_channel.at(channel);
      std::int64_t spend = 0, won = 0;
      bool has_campaign = false;
      for (const auto& c : campaigns) {
        if (c.channel != channel) continue;
        has_campaign = true;
        spend += c.spend_cents;
        won += chain_members[c.id];
      }
      const std::int64_t affordable = w.valued > 0 ? rounded(w.ltv, w.valued) : -1;
      CHECK(number(o, "members") == w.members);
      CHECK(number(o, "valued_members") == w.valued);
      CHECK(number(o, "affordable_cost_cents") == affordable);
      CHECK(number(o, "campaign_spend_cents") == (has_campaign ? spend : -1));
      CHECK(number(o, "campaign_members") == (has_campaign ? won : -1));
      const std::int64_t cost = has_campaign ? rounded(spend, won) : -1;
      CHECK(number(o, "cost_per_member_cents") == cost);
      CHECK(number(o, "headroom_cents") ==
            (affordable != -1 && cost != -1 ? affordable - cost : -1));
    }
  }

  // A period before every enrollment: only the campaigns it meets, with nobody won.
  reports::Filter early;
  early.from = "2001-01-01";
  early.to = "2001-12-31";
  CHECK(run_json(db, "acquisition", early).empty());
  reports::Filter radio_days;
  radio_days.from = campaigns[3].starts_on;
  radio_days.to = campaigns[3].starts_on;
  bool radio_seen = false;
  for (const auto& row : run_json(db, "acquisition", radio_days)) {
    if (text(row.as_object(), "campaign") == "radio-1") {
      radio_seen = true;
      CHECK(number(row.as_object(), "members") == 0);
    }
  }
  CHECK(radio_seen);
}

TEST_CASE("rewards by value tier equal the ledger and offer events by the test's own SQL",
          "[reports][rewards]") {
  Chain chain(300);
  chain.refresh();
  auto db = chain.open();
  // Ledger postings as the rewards engine writes them (double entry), and offers through
  // the offer store.
  std::int64_t id = 1;
  for (std::int64_t m = 1; m <= 60; ++m) {
    post(db, id++, "earn", "earn:e" + std::to_string(m), m, 100 + m, "chain:issued",
         "2026-05-01T10:00:00.000Z");
  }
  for (std::int64_t m = 1; m <= 20; ++m) {
    post(db, id++, "redemption", "redemption:r" + std::to_string(m), m, -40, "chain:redeemed",
         "2026-07-01T10:00:00.000Z");
  }
  post(db, id++, "expiry", "expiry:x1", 30, -130, "chain:expired", "2026-09-01T10:00:00.000Z");
  {
    auto store = server::open_sqlite_store(chain.target.database).value();
    const std::vector<server::PointsAdjustment> gestures{{7, 15, "long wait", "ana", "gesture:g1"},
                                                         {8, 10, "broken bag", "ana", "gesture:g2"}};
    REQUIRE(store->adjust_points(gestures));
    auto offers = server::OfferStore::open(chain.target.database).value();
    for (std::int64_t m = 1; m <= 90; ++m) {
      const auto outcome = m <= 60 ? rewards::OfferOutcome::kShown : rewards::OfferOutcome::kHeldOut;
      REQUIRE(offers->record({m, "o1", outcome, "2026-08-01T10:00:00.000Z", "S1"}));
      if (m <= 12) {
        REQUIRE(offers->record({m, "o1", rewards::OfferOutcome::kAccepted,
                                "2026-08-02T10:00:00.000Z", "S1"}));
      }
    }
  }

  // Members and outstanding points by the tier members have now (no period); the flows by
  // the tier the member had when they happened: the postings were dated before the refresh
  // (no tier then), the gestures after it.
  const auto expected = [&](const std::string& tier, const std::string& where_posting,
                            const std::string& where_offer) {
    const std::string member_is = "(SELECT coalesce(value_tier, 'none') FROM members x WHERE "
                                  "x.id = e.member_id) = '" + tier + "'";
    const std::string then_is = tier_then("e.member_id", "p.occurred_at") + " = '" + tier + "'";
    const std::string offer_is = tier_then("o.member_id", "o.at") + " = '" + tier + "'";
    const std::string all_entries = "SELECT coalesce(sum(e.points), 0) FROM points_entries e "
                                    "JOIN points_postings p ON p.id = e.posting_id WHERE "
                                    "e.account = 'member' AND ";
    const std::string entries = all_entries + then_is;
    const std::string outcome = "SELECT count(*) FROM offer_events o WHERE " + offer_is +
                                where_offer + " AND o.outcome = ";
    return std::vector<std::int64_t>{
        scalar(db, "SELECT count(*) FROM members WHERE coalesce(value_tier, 'none') = '" + tier +
                       "'"),
        scalar(db, all_entries + member_is),
        scalar(db, entries + " AND p.kind = 'earn'" + where_posting),
        -scalar(db, entries + " AND p.kind = 'redemption'" + where_posting),
        -scalar(db, entries + " AND p.kind = 'expiry'" + where_posting),
        scalar(db, entries + " AND p.cause LIKE 'gesture:%'" + where_posting),
        scalar(db, outcome + "'shown'"),
        scalar(db, outcome + "'held_out'"),
        scalar(db, outcome + "'accepted'")};
  };
  const std::vector<std::string> columns{"members",          "points_outstanding",
                                         "points_issued",    "points_redeemed",
                                         "points_expired",   "gesture_points",
                                         "offers_shown",     "offers_held_out",
                                         "offers_accepted"};
  std::int64_t liability = 0;
  const auto rows = run_json(db, "rewards");
  REQUIRE(rows.size() >= 2);
  for (const auto& row : rows) {
    const auto& o = row.as_object();
    const auto want = expected(text(o, "tier"), "", "");
    INFO(text(o, "tier"));
    for (std::size_t i = 0; i < columns.size(); ++i) CHECK(number(o, columns[i]) == want[i]);
    liability += number(o, "points_outstanding");
  }
  // The tiers add up to the chain's liability.
  CHECK(liability == scalar(db, "SELECT sum(points) FROM points_entries WHERE account = 'member'"));
  CHECK(liability > 0);

  // June to August: the earnings (May) and the expiry (September) fall outside, the
  // outstanding points are those of the end of August, when nobody had a tier yet (the
  // refresh came after): one row, 'none', every member.
  reports::Filter summer;
  summer.from = "2026-06-01";
  summer.to = "2026-08-31";
  const auto in_summer = run_json(db, "rewards", summer);
  REQUIRE(in_summer.size() == 1);
  const auto& o = in_summer[0].as_object();
  CHECK(text(o, "tier") == "none");
  CHECK(number(o, "members") == scalar(db, "SELECT count(*) FROM members WHERE "
                                           "coalesce(enrolled_on, substr(created_at, 1, 10)) <= '2026-08-31'"));
  CHECK(number(o, "points_issued") == 0);
  CHECK(number(o, "points_expired") == 0);
  const auto none = expected("none", "", "");
  CHECK(number(o, "points_redeemed") == none[3]);
  CHECK(number(o, "points_redeemed") == 20 * 40);
  CHECK(number(o, "offers_shown") == none[6]);
  CHECK(number(o, "offers_shown") == 60);
  // Gestures were posted today, after the period: neither counted nor outstanding.
  CHECK(number(o, "gesture_points") == 0);
  CHECK(number(o, "points_outstanding") ==
        scalar(db, "SELECT sum(e.points) FROM points_entries e JOIN points_postings p ON p.id = "
                   "e.posting_id WHERE e.account = 'member' AND p.occurred_at < '2026-09'"));
}

TEST_CASE("reward cost by month, store and tier, and the liability in money, equal the test's "
          "own SQL",
          "[reports][rewards][reward_cost]") {
  Chain chain(300);
  chain.refresh();
  auto db = chain.open();
  // Nothing handed over yet: no rows, and no reward cost in the rewards report (not 0).
  CHECK(run_json(db, "reward-cost").empty());
  for (const auto& row : run_json(db, "rewards")) {
    CHECK(row.as_object().at("reward_cost_cents").is_null());
    // No value per point configured: the liability in money is not stated.
    CHECK(row.as_object().at("points_liability_cents").is_null());
    CHECK(row.as_object().at("cents_per_100_points").is_null());
  }

  // Rewards as the event recorder writes them (tests/unit/counter_rewards_test.cpp covers
  // that path), over two months, three stores and every member tier; and earnings, so there
  // is a liability to value.
  auto cost = db.prepare("INSERT INTO reward_costs(event_id, member_id, store_id, reward, "
                         "reward_kind, cost_cents, occurred_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                  .value();
  auto stores = db.prepare("SELECT id FROM stores ORDER BY id").value();
  std::vector<std::string> store_ids;
  while (stores.step().value()) store_ids.push_back(stores.column_text(0));
  REQUIRE(store_ids.size() == 3);
  for (std::int64_t m = 1; m <= 120; ++m) {
    const bool gesture = m % 5 == 0;
    const std::string day = m % 2 == 0 ? "2026-07-1" + std::to_string(m % 10) : "2026-08-0" +
                                                                               std::to_string(1 + m % 9);
    REQUIRE(cost.bind(1, "ev" + std::to_string(m))
                .bind(2, m)
                .bind(3, store_ids[static_cast<std::size_t>(m % 3)])
                .bind(4, gesture ? "thank-you" : "free-coffee")
                .bind(5, gesture ? "gesture" : "free_item")
                .bind(6, gesture ? 40 + m : 90 + m)
                .bind(7, day + "T10:00:00.000Z")
                .run());
    cost.reset();
  }
  auto post = db.prepare("INSERT INTO points_postings(id, kind, cause, occurred_at, posted_at) "
                         "VALUES (?1, 'earn', ?2, '2026-05-01T10:00:00.000Z', "
                         "'2026-05-01T10:00:00.000Z')")
                  .value();
  auto legs = db.prepare("INSERT INTO points_entries(posting_id, account, member_id, points) "
                         "VALUES (?1, 'member', ?2, ?3), (?1, 'chain:issued', NULL, -?3)")
                  .value();
  for (std::int64_t m = 1; m <= 50; ++m) {
    REQUIRE(post.bind(1, m).bind(2, "earn:x" + std::to_string(m)).run());
    post.reset();
    REQUIRE(legs.bind(1, m).bind(2, m).bind(3, 37 * m + 1).run());
    legs.reset();
  }

  // The test's own grouping of the rows it wrote, by (month, store, tier).
  const auto expected = [&](const std::string& where) {
    std::map<std::string, std::vector<std::int64_t>> want;
    auto q = db.prepare("SELECT substr(r.occurred_at, 1, 7) || '|' || r.store_id || '|' || "
                        "coalesce(m.value_tier, 'none'), r.reward_kind, r.cost_cents "
                        "FROM reward_costs r LEFT JOIN members m ON m.id = r.member_id "
                        "JOIN stores s ON s.id = r.store_id WHERE 1 " + where)
                 .value();
    while (q.step().value()) {
      auto& w = want[q.column_text(0)];
      w.resize(4);
      const bool gesture = q.column_text(1) == "gesture";
      w[gesture ? 2 : 0] += 1;
      w[gesture ? 3 : 1] += q.column_int64(2);
    }
    return want;
  };
  const auto check = [&](const boost::json::array& rows,
                         const std::map<std::string, std::vector<std::int64_t>>& want) {
    CHECK(rows.size() == want.size());
    std::int64_t total = 0;
    for (const auto& row : rows) {
      const auto& o = row.as_object();
      const std::string key = text(o, "month") + "|" + text(o, "store") + "|" + text(o, "tier");
      INFO(key);
      REQUIRE(want.count(key) == 1);
      const auto& w = want.at(key);
      CHECK(number(o, "rewards") == w[0]);
      CHECK(number(o, "reward_cost_cents") == w[1]);
      CHECK(number(o, "gestures") == w[2]);
      CHECK(number(o, "gesture_cost_cents") == w[3]);
      total += w[1] + w[3];
    }
    return total;
  };
  const auto all = run_json(db, "reward-cost");
  const std::int64_t total = check(all, expected(""));
  CHECK(total == scalar(db, "SELECT sum(cost_cents) FROM reward_costs"));
  CHECK(all.size() >= 6);  // two months, every store, several tiers
  // Every row names its store's region.
  for (const auto& row : all) {
    const auto& o = row.as_object();
    auto region = db.prepare("SELECT coalesce(region, '') FROM stores WHERE id = ?1").value();
    region.bind(1, text(o, "store"));
    REQUIRE(region.step().value());
    CHECK(text(o, "region") == region.column_text(0));
  }

  // Narrowed to July, to one store, to a region.
  reports::Filter july;
  july.from = "2026-07-01";
  july.to = "2026-07-31";
  check(run_json(db, "reward-cost", july),
        expected("AND substr(r.occurred_at, 1, 10) BETWEEN '2026-07-01' AND '2026-07-31'"));
  reports::Filter one;
  one.store = store_ids[1];
  check(run_json(db, "reward-cost", one), expected("AND r.store_id = '" + store_ids[1] + "'"));
  reports::Filter south;
  south.region = "South";
  const auto in_south = expected("AND s.region = 'South'");
  CHECK_FALSE(in_south.empty());
  check(run_json(db, "reward-cost", south), in_south);

  // The rewards report: each tier's reward cost (its members', by home store) and its
  // liability valued at 60 cents per 100 points, rounded to the cent.
  reports::ReportSettings sixty;
  sixty.liability_cents_per_100_points = 60;
  std::int64_t costed = 0;
  for (const auto& row : run_json(db, "rewards", {}, sixty)) {
    const auto& o = row.as_object();
    const std::string tier = text(o, "tier");
    INFO(tier);
    const std::int64_t outstanding = scalar(
        db, "SELECT coalesce(sum(e.points), 0) FROM points_entries e JOIN members m ON m.id = "
            "e.member_id WHERE e.account = 'member' AND coalesce(m.value_tier, 'none') = '" +
                tier + "'");
    CHECK(number(o, "points_outstanding") == outstanding);
    CHECK(number(o, "points_liability_cents") == rounded(outstanding * 60, 100));
    CHECK(number(o, "cents_per_100_points") == 60);
    // Reward cost by the tier the member had when the reward was handed over.
    const std::int64_t tier_cost = scalar(
        db, "SELECT coalesce(sum(r.cost_cents), 0) FROM reward_costs r WHERE " +
                tier_then("r.member_id", "r.occurred_at") + " = '" + tier + "'");
    CHECK(number(o, "reward_cost_cents") == tier_cost);
    costed += tier_cost;
  }
  CHECK(costed == scalar(db, "SELECT sum(cost_cents) FROM reward_costs"));
  // In August only, by home store S of the members (when the reward was handed over: nobody
  // moved).
  reports::Filter august;
  august.from = "2026-08-01";
  august.to = "2026-08-31";
  august.store = store_ids[0];
  for (const auto& row : run_json(db, "rewards", august, sixty)) {
    const auto& o = row.as_object();
    INFO(text(o, "tier"));
    CHECK(number(o, "reward_cost_cents") ==
          scalar(db, "SELECT coalesce(sum(r.cost_cents), 0) FROM reward_costs r JOIN members m "
                     "ON m.id = r.member_id WHERE " + tier_then("r.member_id", "r.occurred_at") +
                         " = '" + text(o, "tier") + "' AND m.home_store = '" + store_ids[0] +
                         "' AND substr(r.occurred_at, 1, 7) = '2026-08'"));
  }
}

TEST_CASE("offer uplift by tier equals the hold-out arithmetic on the test's own observations",
          "[reports][rewards]") {
  Chain chain(300);
  chain.refresh();
  auto db = chain.open();
  {
    auto offers = server::OfferStore::open(chain.target.database).value();
    for (std::int64_t m = 1; m <= 200; ++m) {
      const auto outcome = m % 4 == 0 ? rewards::OfferOutcome::kHeldOut : rewards::OfferOutcome::kShown;
      REQUIRE(offers->record({m, m % 2 == 0 ? "o1" : "o2", outcome, "2026-06-10T10:00:00.000Z",
                              "S1"}));
      // A later record of the same offer does not start a new window.
      REQUIRE(offers->record({m, m % 2 == 0 ? "o1" : "o2", rewards::OfferOutcome::kShown,
                              "2026-07-20T10:00:00.000Z", "S1"}));
    }
  }
  const std::int64_t window = rewards::OfferRules{}.uplift_window_days;
  // (offer, tier) -> observations, each member's purchase days and net spend counted here.
  std::map<std::pair<std::string, std::string>, std::vector<rewards::UpliftObservation>> want;
  {
    auto firsts = db.prepare("SELECT o.member_id, o.offer_id, o.outcome, "
                             "coalesce(m.value_tier, 'none') FROM offer_events o JOIN members m "
                             "ON m.id = o.member_id WHERE o.at = '2026-06-10T10:00:00.000Z'")
                      .value();
    while (firsts.step().value()) {
      const auto member = firsts.column_int64(0);
      auto bought = db.prepare("SELECT count(DISTINCT day), coalesce(sum(amount_cents - "
                               "refunded_cents), 0) FROM purchases WHERE member_id = ?1 AND "
                               "day >= '2026-06-11' AND julianday(day) - julianday('2026-06-10') "
                               "<= ?2")
                        .value();
      bought.bind(1, member).bind(2, window);
      REQUIRE(bought.step().value());
      want[{firsts.column_text(1), firsts.column_text(3)}].push_back(
          {firsts.column_text(2) == "shown", static_cast<double>(bought.column_int64(0)),
           static_cast<double>(bought.column_int64(1))});
    }
  }
  reports::Filter until;
  until.to = "2026-11-26";
  const auto rows = run_json(db, "offer-uplift", until);
  REQUIRE(rows.size() == want.size());
  bool measured = false;
  for (const auto& row : rows) {
    const auto& o = row.as_object();
    const auto key = std::make_pair(text(o, "offer"), text(o, "tier"));
    INFO(key.first << " / " << key.second);
    REQUIRE(want.contains(key));
    const auto u = rewards::measure_uplift(want.at(key));
    CHECK(number(o, "shown") == static_cast<std::int64_t>(u.treated));
    CHECK(number(o, "held_out") == static_cast<std::int64_t>(u.held_out));
    if (u.treated > 0) {
      CHECK(number(o, "shown_days_per_100") == std::llround(u.visits.treated_mean * 100));
      CHECK(number(o, "shown_spend_cents") == std::llround(u.spend_cents.treated_mean));
    }
    if (u.treated > 0 && u.held_out > 0) {
      CHECK(number(o, "uplift_spend_cents") == std::llround(u.spend_cents.uplift));
    }
    if (u.measurable()) {
      measured = true;
      CHECK(number(o, "uplift_spend_ci_cents") ==
            std::llround(u.spend_cents.ci_high - u.spend_cents.uplift));
    } else {
      CHECK(number(o, "uplift_spend_ci_cents") == -1);
    }
  }
  CHECK(measured);
  // Windows that have not ended by `to` are not measured yet.
  reports::Filter too_soon;
  too_soon.to = "2026-07-01";
  CHECK(run_json(db, "offer-uplift", too_soon).empty());
}

TEST_CASE("forecast against actual shows the latest check of each cohort, for the chain only",
          "[reports][forecast]") {
  Chain chain(300);
  auto db = chain.open();
  CHECK(run_json(db, "forecast-accuracy").empty());  // nothing checked yet: no rows
  chain.refresh();
  {
    auto store = server::open_sqlite_store(chain.target.database).value();
    REQUIRE(store->check_forecasts(52, kEnd + std::chrono::days(14)));
    REQUIRE(store->check_forecasts(52, kEnd + std::chrono::days(28)));  // the latest
  }
  auto stmt = db.prepare("SELECT bin, members, expected_visits, actual_visits, "
                         "expected_spend_cents, actual_spend_cents, window_end FROM "
                         "value_accuracy WHERE checked_at = (SELECT max(checked_at) FROM "
                         "value_accuracy) ORDER BY rowid")
                  .value();
  const auto rows = run_json(db, "forecast-accuracy");
  std::size_t i = 0;
  while (stmt.step().value()) {
    REQUIRE(i < rows.size());
    const auto& o = rows[i++].as_object();
    CHECK(text(o, "bin") == stmt.column_text(0));
    CHECK(number(o, "members") == stmt.column_int64(1));
    CHECK(number(o, "expected_purchase_days") == std::llround(stmt.column_double(2)));
    CHECK(number(o, "actual_purchase_days") == stmt.column_int64(3));
    CHECK(number(o, "expected_spend_cents") == stmt.column_int64(4));
    CHECK(number(o, "actual_spend_cents") == stmt.column_int64(5));
    CHECK(text(o, "checked_to") == stmt.column_text(6));
  }
  CHECK(i == rows.size());
  CHECK(i >= 2);  // "all" and at least one bin
  CHECK(text(rows[0].as_object(), "bin") == "all");

  // Its figures exist for the whole chain only: a store or region is refused, not ignored.
  const auto report = reports::find_report("forecast-accuracy");
  std::ostringstream out;
  const auto sink = reports::json_sink(out);
  reports::Filter south;
  south.region = "South";
  const auto refused = report->run(db, south, *sink);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == reports::ReportsErrc::kChainWideOnly);
}

// --- Issue 11, every report under 200 ms: the filter's shape in SQL and the rewards summary ---

namespace {

// Every row of `sql` as text cells (NULL as "NULL"), for comparing two queries' results.
std::vector<std::vector<std::string>> table(storage::Database& db, const std::string& sql) {
  auto stmt = db.prepare(sql).value();
  std::vector<std::vector<std::string>> rows;
  while (stmt.step().value()) {
    std::vector<std::string> row;
    for (int i = 0; i < stmt.column_count(); ++i) {
      row.push_back(stmt.column_is_null(i) ? "NULL" : stmt.column_text(i));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The plan SQLite chooses for `sql`, its lines joined.
std::string plan(storage::Database& db, const std::string& sql) {
  std::string lines;
  for (const auto& row : table(db, "EXPLAIN QUERY PLAN " + sql)) lines += row.back() + "\n";
  return lines;
}

// Sums of `columns` of a report's rows, keyed by its `keys` columns (null counts as 0).
using Sums = std::map<std::string, std::vector<std::int64_t>>;
Sums sums(const boost::json::array& rows, const std::vector<std::string>& keys,
          const std::vector<std::string>& columns, Sums into = {}) {
  for (const auto& row : rows) {
    const auto& o = row.as_object();
    std::string key;
    for (const auto& k : keys) key += text(o, k) + "|";
    auto& at = into[key];
    at.resize(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto& v = o.at(columns[i]);
      at[i] += v.is_null() ? 0 : v.as_int64();
    }
  }
  return into;
}

// Each member's rewards figures summed per home store and tier by the test's own SQL on the
// raw tables, as rewards_by_place must hold them (members merged away left out).
const std::string kOwnRewardsByPlace =
    "SELECT m.home_store, coalesce(m.value_tier, 'none'), count(*), "
    "sum(coalesce((SELECT sum(e.points) FROM points_entries e WHERE e.member_id = m.id), 0)), "
    "sum(coalesce((SELECT sum(e.points) FROM points_entries e JOIN points_postings p ON "
    "  p.id = e.posting_id WHERE e.member_id = m.id AND p.kind IN ('earn', 'bonus')), 0)), "
    "sum(coalesce((SELECT -sum(e.points) FROM points_entries e JOIN points_postings p ON "
    "  p.id = e.posting_id WHERE e.member_id = m.id AND p.kind = 'redemption'), 0)), "
    "sum(coalesce((SELECT -sum(e.points) FROM points_entries e JOIN points_postings p ON "
    "  p.id = e.posting_id WHERE e.member_id = m.id AND p.kind = 'expiry'), 0)), "
    "sum(coalesce((SELECT sum(e.points) FROM points_entries e JOIN points_postings p ON "
    "  p.id = e.posting_id WHERE e.member_id = m.id AND p.cause LIKE 'gesture:%'), 0)), "
    "sum((SELECT count(*) FROM offer_events o WHERE o.member_id = m.id AND o.outcome = 'shown')), "
    "sum((SELECT count(*) FROM offer_events o WHERE o.member_id = m.id "
    "  AND o.outcome = 'held_out')), "
    "sum((SELECT count(*) FROM offer_events o WHERE o.member_id = m.id "
    "  AND o.outcome = 'accepted')), "
    "sum(coalesce((SELECT sum(r.cost_cents) FROM reward_costs r WHERE r.member_id = m.id), 0)) "
    "FROM members m WHERE m.merged_into IS NULL GROUP BY 1, 2 ORDER BY 1, 2";
const std::string kKeptRewardsByPlace =
    "SELECT store_id, tier, members, outstanding, issued, redeemed, expired, gestures, shown, "
    "held_out, accepted, cost_cents FROM rewards_by_place WHERE members <> 0 ORDER BY 1, 2";


reports::Filter place(std::optional<std::string> store, std::optional<std::string> region,
                      const reports::Filter& base = {}) {
  reports::Filter f = base;
  f.store = std::move(store);
  f.region = std::move(region);
  return f;
}

}  // namespace

TEST_CASE("place and period conditions are written for the filter's shape, so indexes serve "
          "a store's view", "[reports][filters]") {
  using reports::period_condition;
  using reports::place_condition;
  const std::string col = "m.home_store";
  CHECK(place_condition(col, {}) == "1");
  CHECK(place_condition(col, place("S1", std::nullopt)) == "(m.home_store = ?1)");
  CHECK(place_condition(col, place(std::nullopt, "North")) ==
        "(m.home_store IN (SELECT id FROM stores WHERE region = ?2))");
  CHECK(place_condition(col, place("S1", "North")) ==
        "(m.home_store = ?1 AND m.home_store IN (SELECT id FROM stores WHERE region = ?2))");
  reports::Filter period;
  CHECK(period_condition("d", period) == "1");
  period.from = "2026-01-01";
  CHECK(period_condition("d", period) == "(d >= ?3)");
  period.to = "2026-06-30";
  CHECK(period_condition("d", period) == "(d >= ?3 AND d <= ?4)");
  period.from.reset();
  CHECK(period_condition("d", period) == "(d <= ?4)");

  Chain chain(60);
  auto db = chain.open();
  const std::string by_index = "SEARCH m USING INDEX members_home_store";
  const auto members_where = [&](const std::string& condition) {
    return plan(db, "SELECT m.id, m.name FROM members m WHERE " + condition);
  };
  // A store and a region read the store's members through members_home_store; the old
  // `(?1 IS NULL OR ...)` form scanned every member whatever the filter.
  CHECK_THAT(members_where(place_condition(col, place("S1", std::nullopt))),
             Catch::Contains(by_index));
  CHECK_THAT(members_where(place_condition(col, place(std::nullopt, "North"))),
             Catch::Contains(by_index));
  CHECK_THAT(members_where("(?1 IS NULL OR m.home_store = ?1)"),
             !Catch::Contains(by_index));
  // Cohort retention's last day on record: one step down purchases_day (migration 22).
  CHECK_THAT(plan(db, "SELECT max(day) FROM purchases"), Catch::Contains("purchases_day"));
  // Tier migrations look each selected member's tier history up by its index.
  CHECK_THAT(plan(db, "SELECT h.tier FROM members m JOIN tier_history h ON h.member_id = m.id "
                      "WHERE " + place_condition(col, place("S1", std::nullopt))),
             Catch::Contains("tier_history_member"));
}

TEST_CASE("every additive figure of each store and region adds up to the whole chain's, with "
          "and without a period", "[reports][filters]") {
  Chain chain(300);
  chain.refresh();
  auto db = chain.open();
  {
    auto store = server::open_sqlite_store(chain.target.database).value();
    REQUIRE(store->set_store_region("S3", std::string("North")).value());  // North: S1, S3
  }
  // Something in the ledger, the offers and the reward costs for the rewards reports.
  std::int64_t id = 1;
  for (std::int64_t m = 1; m <= 90; ++m) {
    post(db, id++, "earn", "earn:f" + std::to_string(m), m, 50 + m, "chain:issued",
         m % 2 ? "2026-03-01T10:00:00.000Z" : "2026-09-01T10:00:00.000Z");
    REQUIRE(db.execute("INSERT INTO offer_events(member_id, offer_id, outcome, at, store_id) "
                       "VALUES (" + std::to_string(m) + ", 'o1', '" +
                       (m % 3 ? "shown" : "held_out") + "', '2026-08-01T10:00:00.000Z', 'S1')"));
  }
  for (std::int64_t m = 1; m <= 30; ++m) {
    post(db, id++, "redemption", "redemption:f" + std::to_string(m), m, -20, "chain:redeemed",
         "2026-07-01T10:00:00.000Z");
    REQUIRE(db.execute("INSERT INTO reward_costs(event_id, member_id, store_id, reward, "
                       "reward_kind, cost_cents, occurred_at) VALUES ('rc" + std::to_string(m) +
                       "', " + std::to_string(m) + ", 'S" + std::to_string(1 + m % 3) +
                       "', 'coffee', 'reward', 150, '2026-07-01T10:00:00.000Z')"));
  }

  struct Additive {
    std::string report;
    std::vector<std::string> keys;
    std::vector<std::string> columns;
  };
  const std::vector<Additive> additive{
      {"customer-equity", {"store"}, {"members", "customer_equity_cents"}},
      {"customer-equity-change", {"store"},
       {"equity_end_cents", "members", "new_members", "new_cents", "growth_cents"}},
      {"tier-migrations", {"from_tier"}, {"members", "to_MVC", "to_MGC", "to_LMC", "to_BZ"}},
      {"cohort-retention", {"cohort"}, {"members"}},
      {"category-mix", {"category"}, {"mvc_spend_cents", "rest_spend_cents"}},
      {"acquisition", {"channel", "campaign"}, {"members", "valued_members",
                                                "lifetime_value_cents"}},
      {"acquisition-cost", {"channel"}, {"members", "valued_members"}},
      {"rewards", {"tier"}, {"members", "points_outstanding", "points_issued",
                             "points_redeemed", "points_expired", "offers_shown",
                             "offers_held_out", "reward_cost_cents"}},
      {"reward-cost", {"month", "store", "tier"}, {"rewards", "reward_cost_cents"}},
  };
  reports::Filter summer;
  summer.from = "2026-06-01";
  summer.to = "2026-12-31";
  for (const auto& base : {reports::Filter{}, summer}) {
    for (const auto& a : additive) {
      INFO(a.report << (base.from ? " in a period" : ""));
      const auto chain_sums = sums(run_json(db, a.report, base), a.keys, a.columns);
      Sums by_store;
      for (const char* s : {"S1", "S2", "S3"}) {
        by_store = sums(run_json(db, a.report, place(s, std::nullopt, base)), a.keys, a.columns,
                        by_store);
      }
      Sums by_region;
      for (const char* r : {"North", "South"}) {
        by_region = sums(run_json(db, a.report, place(std::nullopt, r, base)), a.keys, a.columns,
                         by_region);
      }
      // Stores S1 and S3 are the North: store and region together narrow to one of them.
      const auto s3_north = sums(run_json(db, a.report, place("S3", "North", base)), a.keys,
                                 a.columns);
      const auto s3 = sums(run_json(db, a.report, place("S3", std::nullopt, base)), a.keys,
                           a.columns);
      CHECK(by_store == chain_sums);
      CHECK(by_region == chain_sums);
      CHECK(s3_north == s3);
      CHECK(run_json(db, a.report, place("S2", "North", base)).empty());
      // Not all zeros: a test that cannot fail is no test.
      std::int64_t total = 0;
      for (const auto& [key, values] : chain_sums) {
        for (const auto v : values) total += v < 0 ? -v : v;
      }
      CHECK(total > 0);
    }
  }
}

TEST_CASE("the rewards summary stays equal to the ledger, offers and reward costs through "
          "posts, reversals, expiry, moves, merges, tier changes and its own rebuild",
          "[reports][rewards]") {
  Chain chain(200);
  chain.refresh();
  auto db = chain.open();
  const auto agrees = [&](const char* after) {
    INFO("after " << after);
    const auto kept = table(db, kKeptRewardsByPlace);
    CHECK(kept == table(db, kOwnRewardsByPlace));
    CHECK(table(db, "SELECT * FROM rewards_by_place WHERE members = 0 AND (outstanding <> 0 OR "
                    "issued <> 0 OR redeemed <> 0 OR expired <> 0 OR gestures <> 0 OR shown <> 0 "
                    "OR held_out <> 0 OR accepted <> 0 OR cost_cents <> 0)")
              .empty());
    // The report from the summary (no period) equals the report from the raw tables (a
    // period that holds everything), for the chain, each store and a region.
    reports::Filter always;
    always.from = "1900-01-01";
    always.to = "2999-12-31";
    for (const auto& f : {place(std::nullopt, std::nullopt), place("S1", std::nullopt),
                          place("S2", std::nullopt), place("S3", std::nullopt),
                          place(std::nullopt, "South")}) {
      INFO("store " << f.store.value_or("-") << " region " << f.region.value_or("-"));
      CHECK(boost::json::serialize(run_json(db, "rewards", f)) ==
            boost::json::serialize(run_json(db, "rewards", place(f.store, f.region, always))));
    }
  };
  agrees("seeding and a refresh");

  std::int64_t id = 1;
  for (std::int64_t m = 1; m <= 50; ++m) {
    post(db, id++, m % 5 ? "earn" : "bonus", "earn:s" + std::to_string(m), m, 100 + m,
         "chain:issued", "2026-05-01T10:00:00.000Z");
  }
  post(db, id++, "redemption", "redemption:s1", 3, -60, "chain:redeemed",
       "2026-06-01T10:00:00.000Z");
  post(db, id++, "reversal", "reversal:s1:p1", 4, -30, "chain:issued", "2026-06-02T10:00:00.000Z");
  post(db, id++, "expiry", "expiry:s1", 5, -105, "chain:expired", "2026-10-01T10:00:00.000Z");
  {
    auto store = server::open_sqlite_store(chain.target.database).value();
    const std::vector<server::PointsAdjustment> gestures{{6, 15, "long wait", "ana", "gesture:s1"}};
    REQUIRE(store->adjust_points(gestures));
    auto offers = server::OfferStore::open(chain.target.database).value();
    for (std::int64_t m = 1; m <= 30; ++m) {
      REQUIRE(offers->record({m, "o1", m <= 20 ? rewards::OfferOutcome::kShown
                                               : rewards::OfferOutcome::kHeldOut,
                              "2026-08-01T10:00:00.000Z", "S1"}));
      if (m <= 5) {
        REQUIRE(offers->record({m, "o1", rewards::OfferOutcome::kAccepted,
                                "2026-08-02T10:00:00.000Z", "S1"}));
      }
    }
  }
  REQUIRE(db.execute("INSERT INTO reward_costs(event_id, member_id, store_id, reward, "
                     "reward_kind, cost_cents, occurred_at) VALUES "
                     "('rc1', 3, 'S2', 'coffee', 'reward', 180, '2026-06-01T10:00:00.000Z'), "
                     "('rc2', 7, 'S1', 'smile', 'gesture', 40, '2026-06-03T10:00:00.000Z')"));
  agrees("ledger postings, offers and reward costs");

  {
    auto staff = server::StaffStore::open(chain.target.database).value();
    // Member 3 (points, a redemption, offers, a reward cost) moves home and is then merged
    // into member 7: their points move by a transfer, their offers and costs by the merge.
    const auto home = table(db, "SELECT home_store FROM members WHERE id = 3")[0][0];
    REQUIRE(staff->move_member(3, home == "S1" ? "S2" : "S1"));
    agrees("a member moved home");
    const server::StaffUser ana{0, "ana", server::StaffRole::kHeadOffice, {}};
    REQUIRE(staff->merge_members(7, 3, ana, "2026-11-26T10:00:00.000Z"));
    CHECK(scalar(db, "SELECT merged_into FROM members WHERE id = 3") == 7);
    agrees("a merge");
  }
  // A tier change as a refresh saves it, then a real refresh; and a new member.
  REQUIRE(db.execute("UPDATE members SET value_tier = CASE value_tier WHEN 'MVC' THEN 'BZ' "
                     "ELSE 'MVC' END WHERE id IN (1, 2, 10)"));
  agrees("tier changes");
  chain.refresh();
  REQUIRE(db.execute("INSERT INTO members(name, home_store, created_at) VALUES "
                     "('New Member', 'S2', '2026-11-26T10:00:00.000Z')"));
  agrees("a refresh and a new member");

  // Migration 22's backfill, from the raw tables, builds the same summary.
  const auto before = table(db, kKeptRewardsByPlace);
  REQUIRE(db.execute(
      "DROP TRIGGER member_rewards_new; DROP TRIGGER member_rewards_moved; "
      "DROP TRIGGER member_rewards_changed; DROP TRIGGER member_rewards_points; "
      "DROP TRIGGER member_rewards_offer; DROP TRIGGER member_rewards_offer_moved; "
      "DROP TRIGGER member_rewards_offer_gone; DROP TRIGGER member_rewards_cost; "
      "DROP TRIGGER member_rewards_cost_moved; DROP TRIGGER member_rewards_cost_gone; "
      "DROP TABLE rewards_by_place; DROP TABLE member_rewards; DROP INDEX purchases_day;"));
  // Found by what it creates, so a renumbering at merge leaves the test alone.
  const auto summary = std::find_if(
      server::kSqliteMigrations.begin(), server::kSqliteMigrations.end(), [](const auto& m) {
        return m.sql.find("CREATE TABLE rewards_by_place") != std::string_view::npos;
      });
  REQUIRE(summary != server::kSqliteMigrations.end());
  REQUIRE(db.execute(std::string(summary->sql)));
  CHECK(table(db, kKeptRewardsByPlace) == before);
  agrees("the migration's backfill");
}

namespace {

// Cohort retention by the test's own SQL over members and purchases (strftime months, the
// filter as plain ORs), with its own arithmetic: the rows the report must give for `f`.
// Each row: cohort, members, then month_1..month_12 ("NULL": no value).
std::vector<std::vector<std::string>> own_retention(storage::Database& db,
                                                    const reports::Filter& f) {
  const std::string member =
      "SELECT id, home_store, coalesce(enrolled_on, substr(created_at, 1, 10)) AS d FROM members "
      "WHERE (?1 IS NULL OR home_store = ?1) AND (?2 IS NULL OR home_store IN (SELECT id FROM "
      "stores WHERE region = ?2)) AND (?3 IS NULL OR d >= ?3) AND (?4 IS NULL OR d <= ?4)";
  const auto bound = [&](const std::string& sql) {
    auto stmt = db.prepare(sql).value();
    reports::bind_filter(stmt, f);
    std::vector<std::vector<std::string>> rows;
    while (stmt.step().value()) rows.push_back({stmt.column_text(0), stmt.column_text(1),
                                                stmt.column_count() > 2 ? stmt.column_text(2)
                                                                        : std::string()});
    return rows;
  };
  const auto sizes = bound("SELECT substr(d, 1, 7), count(*) FROM (" + member + ") GROUP BY 1 "
                           "ORDER BY 1");
  std::map<std::pair<std::string, int>, std::int64_t> active;
  for (const auto& r : bound("SELECT c, k, count(*) FROM (SELECT DISTINCT x.id, substr(x.d, 1, "
                             "7) AS c, (strftime('%Y', p.day) * 12 + strftime('%m', p.day)) - "
                             "(strftime('%Y', x.d) * 12 + strftime('%m', x.d)) AS k FROM (" +
                             member + ") x JOIN purchases p ON p.member_id = x.id) "
                             "WHERE k BETWEEN 1 AND 12 GROUP BY 1, 2")) {
    active[{r[0], std::stoi(r[1])}] = std::stoll(r[2]);
  }
  const auto month = [](const std::string& day) {
    return std::stoi(day.substr(0, 4)) * 12 + std::stoi(day.substr(5, 2));
  };
  std::string last = f.to.value_or("");
  if (last.empty()) {
    auto stmt = db.prepare("SELECT max(day) FROM purchases").value();
    REQUIRE(stmt.step().value());
    last = stmt.column_text(0);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : sizes) {
    std::vector<std::string> row{s[0], s[1]};
    const std::int64_t n = std::stoll(s[1]);
    for (int k = 1; k <= 12; ++k) {
      if (month(s[0] + "-01") + k >= month(last)) {
        row.emplace_back("NULL");
        continue;
      }
      const auto it = active.find({s[0], k});
      char cell[512];
      std::snprintf(cell, sizeof cell, "%.2f",
                    100.0 * static_cast<double>(it == active.end() ? 0 : it->second) /
                        static_cast<double>(n));
      row.emplace_back(cell);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::vector<std::string>> report_rows(const boost::json::array& rows) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : rows) {
    const auto& o = r.as_object();
    std::vector<std::string> row{text(o, "cohort"), std::to_string(number(o, "members"))};
    for (int k = 1; k <= 12; ++k) {
      const auto& v = o.at("month_" + std::to_string(k));
      row.push_back(v.is_null() ? "NULL" : std::string(v.as_string()));
    }
    out.push_back(std::move(row));
  }
  return out;
}

reports::Filter period(std::optional<std::string> from, std::optional<std::string> to) {
  reports::Filter f;
  f.from = std::move(from);
  f.to = std::move(to);
  return f;
}

}  // namespace

TEST_CASE("cohort retention from its summary equals the test's own SQL over members and "
          "purchases through purchases, refunds, voids, moves, merges, erasure and refreshes, "
          "for any store, region and period", "[reports][summaries]") {
  Chain chain(200);
  chain.refresh();
  // Periods of whole months, of cut months at either end or both, inside one month, open at
  // either end, and the whole history.
  const std::vector<reports::Filter> periods{
      period(std::nullopt, std::nullopt),
      period("2025-03-01", "2025-08-31"),
      period("2025-02-14", "2026-02-10"),
      period("2025-05-10", "2025-05-20"),
      period("2025-06-01", "2025-06-15"),
      period(std::nullopt, "2026-06-15"),
      period("2025-12-31", std::nullopt),
      period("2026-03-01", "2026-02-28"),
  };
  const auto agrees = [&](const char* after) {
    INFO("after " << after);
    auto db = chain.open();
    for (const auto& base : periods) {
      for (const auto& f :
           {place(std::nullopt, std::nullopt, base), place("S1", std::nullopt, base),
            place("S2", std::nullopt, base), place(std::nullopt, "South", base),
            place("S3", "East", base)}) {
        INFO("store " << f.store.value_or("-") << " region " << f.region.value_or("-")
                      << " from " << f.from.value_or("-") << " to " << f.to.value_or("-"));
        CHECK(report_rows(run_json(db, "cohort-retention", f)) == own_retention(db, f));
      }
    }
    CHECK(scalar(db, "SELECT count(*) FROM cohort_days WHERE members < 0") == 0);
  };
  {
    auto db = chain.open();
    // Not a test that cannot fail: the whole chain has cohorts with buyers in them.
    const auto rows = own_retention(db, {});
    REQUIRE(rows.size() > 6);
    CHECK(scalar(db, "SELECT sum(members) FROM cohort_days WHERE k > 0") > 100);
  }
  agrees("seeding and a refresh");

  auto db = chain.open();
  const auto first_member_of = [&](const std::string& store) {
    return scalar(db, "SELECT min(id) FROM members WHERE home_store = '" + store +
                          "' AND merged_into IS NULL AND erased_at IS NULL");
  };
  const std::int64_t a = first_member_of("S1");
  const std::int64_t b = first_member_of("S2");
  const std::int64_t c = first_member_of("S3");
  // Purchases: a member's first of a month counts them, a second that month does not; one
  // of a card not yet known to any member counts when it is attached.
  const auto buy = [&](const std::string& id, std::optional<std::int64_t> member,
                       const std::string& day) {
    auto stmt = db.prepare("INSERT INTO purchases(event_id, member_id, card_token, store_id, "
                           "day, amount_cents) VALUES (?1, ?2, 'tok-' || ?1, 'S1', ?3, 1000)")
                    .value();
    stmt.bind(1, id).bind_optional(2, member).bind(3, day);
    REQUIRE(stmt.run());
  };
  for (const auto m : {a, b, c}) {
    const std::string d = table(db, "SELECT coalesce(enrolled_on, substr(created_at, 1, 10)) "
                                    "FROM members WHERE id = " + std::to_string(m))[0][0];
    const std::string month2 =
        table(db, "SELECT date('" + d.substr(0, 7) + "-01', '+2 months')")[0][0];
    buy("x" + std::to_string(m) + "a", m, month2.substr(0, 7) + "-03");
    buy("x" + std::to_string(m) + "b", m, month2.substr(0, 7) + "-20");
  }
  buy("loose", std::nullopt, "2026-01-05");
  agrees("purchases");
  REQUIRE(db.execute("UPDATE purchases SET member_id = " + std::to_string(b) +
                     " WHERE event_id = 'loose'"));
  agrees("a purchase attached to its member");
  // Refunds and voids: the visit stays a visit.
  REQUIRE(db.execute("UPDATE purchases SET refunded_cents = amount_cents WHERE event_id IN "
                     "('x" + std::to_string(a) + "a', 'x" + std::to_string(b) + "b')"));
  REQUIRE(db.execute("UPDATE purchases SET refunded_cents = 100 WHERE rowid IN (SELECT rowid "
                     "FROM purchases WHERE member_id = " + std::to_string(c) + " LIMIT 2)"));
  agrees("a void and refunds");
  {
    auto staff = server::StaffStore::open(chain.target.database).value();
    REQUIRE(staff->move_member(a, "S3"));
    agrees("a member moved home");
    const server::StaffUser ana{0, "ana", server::StaffRole::kHeadOffice, {}};
    REQUIRE(staff->merge_members(c, b, ana, "2026-11-26T10:00:00.000Z"));
    agrees("a merge");
  }
  {
    auto rights = server::MemberRightsStore::open(chain.target.database).value();
    REQUIRE(rights->erase_member({a, "j.smith", "customer request", now_iso8601()}).value());
  }
  agrees("an erasure");
  REQUIRE(db.execute("UPDATE members SET enrolled_on = '2025-04-17' WHERE id = " +
                     std::to_string(c)));
  REQUIRE(db.execute("INSERT INTO members(name, home_store, created_at) VALUES "
                     "('New Member', 'S2', '2026-11-26T10:00:00.000Z')"));
  REQUIRE(db.execute("DELETE FROM purchases WHERE event_id = 'x" + std::to_string(a) + "b'"));
  agrees("an enrollment day corrected, a new member and a purchase deleted");
  chain.refresh();
  agrees("a second refresh");

  // Migration 23's backfill, from the raw tables, builds the same summary.
  const std::string kept = "SELECT * FROM cohort_days WHERE members <> 0 ORDER BY 1, 2, 3";
  const std::string kept_months = "SELECT * FROM cohort_months WHERE members <> 0 ORDER BY 1, 2, 3";
  const std::string kept_chain =
      "SELECT 'd', * FROM cohort_chain_days WHERE members <> 0 UNION ALL "
      "SELECT 'm', * FROM cohort_chain_months WHERE members <> 0 ORDER BY 1, 2, 3";
  const auto before = table(db, kept);
  const auto before_months = table(db, kept_months);
  const auto before_chain = table(db, kept_chain);
  // The chain's sums are the stores' sums.
  CHECK(table(db, "SELECT day, k, sum(members) FROM cohort_days GROUP BY 1, 2 "
                  "HAVING sum(members) <> 0 ORDER BY 1, 2") ==
        table(db, "SELECT * FROM cohort_chain_days WHERE members <> 0 ORDER BY 1, 2"));
  REQUIRE(db.execute(
      "DROP TRIGGER cohort_days_new; DROP TRIGGER cohort_days_changed; "
      "DROP TRIGGER cohort_member_new; DROP TRIGGER cohort_member_moved; "
      "DROP TRIGGER cohort_member_gone; DROP TRIGGER cohort_purchase_new; "
      "DROP TRIGGER cohort_purchase_moved; DROP TRIGGER cohort_purchase_gone; "
      "DROP TABLE cohort_days; DROP TABLE cohort_months; DROP TABLE cohort_chain_days; "
      "DROP TABLE cohort_chain_months;"));
  // Found by what it creates, so a renumbering at merge leaves the test alone.
  const auto summary = std::find_if(
      server::kSqliteMigrations.begin(), server::kSqliteMigrations.end(), [](const auto& m) {
        return m.sql.find("CREATE TABLE cohort_days") != std::string_view::npos;
      });
  REQUIRE(summary != server::kSqliteMigrations.end());
  REQUIRE(db.execute(std::string(summary->sql)));
  CHECK(table(db, kept) == before);
  CHECK(table(db, kept_months) == before_months);
  CHECK(table(db, kept_chain) == before_chain);
  agrees("the migration's backfill");
}

TEST_CASE("cohort retention reads its summary, never members or purchases, for a store, a "
          "region and a period", "[reports][summaries]") {
  Chain chain(60);
  auto db = chain.open();
  for (const auto& f : {place(std::nullopt, std::nullopt), place("S1", std::nullopt),
                        place(std::nullopt, "North"),
                        place("S1", std::nullopt, period("2025-02-14", "2026-02-10")),
                        place(std::nullopt, std::nullopt, period("2025-02-14", "2026-02-10"))}) {
    INFO("store " << f.store.value_or("-") << " region " << f.region.value_or("-"));
    const std::string lines = plan(db, reports::cohort_retention_sql(f));
    CHECK_THAT(lines, Catch::Contains(f.store || f.region ? "cohort_months"
                                                          : "cohort_chain_months"));
    CHECK_THAT(lines, !Catch::Contains("members"));
    CHECK_THAT(lines, !Catch::Contains("SCAN purchases"));
    // Purchases only for the last day on record: one step down purchases_day.
    CHECK_THAT(lines, Catch::Contains("SEARCH purchases USING COVERING INDEX purchases_day"));
    if (f.store || f.region) {
      CHECK_THAT(lines, Catch::Contains("SEARCH cohort_months USING PRIMARY KEY (store_id=?"));
    }
  }
  CHECK_THAT(plan(db, reports::cohort_retention_sql(place(
                          "S1", std::nullopt, period("2025-02-14", "2026-02-10")))),
             Catch::Contains("SEARCH cohort_days USING PRIMARY KEY"));
  CHECK_THAT(plan(db, reports::cohort_retention_sql(place(
                          std::nullopt, std::nullopt, period("2025-02-14", "2026-02-10")))),
             Catch::Contains("SEARCH cohort_chain_days USING PRIMARY KEY"));
}

// --- The members report: every member, one row each, streamed ---

namespace {

// A report's JSON rows as text cells in column order (null as "NULL"), as table() gives SQL's.
std::vector<std::vector<std::string>> json_table(const boost::json::array& rows,
                                                 const std::vector<std::string>& columns) {
  std::vector<std::vector<std::string>> out;
  for (const auto& row : rows) {
    const auto& o = row.as_object();
    auto& cells = out.emplace_back();
    for (const auto& column : columns) {
      const auto& v = o.at(column);
      if (v.is_null()) cells.emplace_back("NULL");
      else if (v.is_int64()) cells.push_back(std::to_string(v.as_int64()));
      else cells.emplace_back(v.as_string());
    }
  }
  return out;
}

// Stops wanting rows after `limit` of them, as a page showing the first rows does.
struct FirstRows final : reports::RowSink {
  std::size_t limit;
  std::size_t rows = 0;
  bool ended = false;
  explicit FirstRows(std::size_t n) : limit(n) {}
  void begin(std::span<const reports::Column>) override {}
  void row(std::span<const reports::Cell>) override { ++rows; }
  void end() override { ended = true; }
  bool wants_more() const override { return rows < limit; }
};

}  // namespace

TEST_CASE("the members report has one row per member with figures from the test's own SQL over "
          "events and purchases, and no personal data",
          "[reports][members]") {
  Chain chain(300);
  chain.refresh();
  auto db = chain.open();
  // An erased member stays (pseudonymous); a member merged into another is left out.
  const auto ids = table(db, "SELECT id FROM members ORDER BY id LIMIT 3");
  const std::int64_t erased = std::stoll(ids[0][0]);
  const std::int64_t keep = std::stoll(ids[1][0]);
  const std::int64_t merged = std::stoll(ids[2][0]);
  {
    auto staff = server::StaffStore::open(chain.target.database).value();
    const server::StaffUser ana{0, "ana", server::StaffRole::kHeadOffice, {}};
    REQUIRE(staff->merge_members(keep, merged, ana, "2026-11-26T10:00:00.000Z"));
    auto rights = server::MemberRightsStore::open(chain.target.database).value();
    REQUIRE(rights->erase_member({erased, "j.smith", "customer request", now_iso8601()}).value());
  }
  // Re-valued after the merge, so the survivor's figures and snapshot agree.
  chain.refresh();
  // A member enrolled since the refresh: no snapshot, so no value in any value column.
  REQUIRE(db.execute("INSERT INTO members(name, home_store, created_at, enrolled_on) VALUES "
                     "('New Member', 'S2', '2026-11-26T10:00:00.000Z', '2026-11-26')"));

  const std::vector<std::string> columns = {
      "member_id", "status", "home_store", "region", "enrolled_on", "channel", "referred_by",
      "visits", "last_visit", "purchase_days", "revenue_cents", "value_tier", "p_alive_percent",
      "historic_value_cents", "lifetime_value_cents", "referral_value_cents",
      "total_value_cents", "value_as_of"};
  const auto report = reports::find_report("members");
  REQUIRE(report);
  REQUIRE(report->columns().size() == columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    CHECK(report->columns()[i].name == columns[i]);
    // Head office compares members by worth; names and contacts stay out of this file.
    for (const char* personal : {"name", "phone", "email", "birth"}) {
      CHECK(columns[i].find(personal) == std::string::npos);
    }
  }

  // The test's own SQL: visits and last visit from the events, purchase days and revenue from
  // the purchases (net of refunds), place from stores, value from the snapshot.
  const auto expected = [&](const std::string& where, const std::string& order = "m.id") {
    return table(db,
        "SELECT m.id, CASE WHEN m.erased_at IS NULL THEN 'member' ELSE 'erased' END, "
        "  m.home_store, (SELECT region FROM stores WHERE id = m.home_store), m.enrolled_on, "
        "  coalesce(m.channel, 'unknown'), m.referred_by, "
        "  (SELECT count(*) FROM events e WHERE e.member_id = m.id AND e.kind = 'visit'), "
        "  (SELECT substr(max(occurred_at), 1, 10) FROM events e WHERE e.member_id = m.id "
        "     AND e.kind = 'visit'), "
        "  (SELECT count(DISTINCT day) FROM purchases p WHERE p.member_id = m.id "
        "     AND p.amount_cents > p.refunded_cents), "
        "  (SELECT coalesce(sum(amount_cents - refunded_cents), 0) FROM purchases p "
        "     WHERE p.member_id = m.id), "
        "  v.tier, CASE WHEN v.member_id IS NOT NULL THEN printf('%.2f', v.p_alive * 100) END, "
        "  v.historic_value_cents, v.lifetime_value_cents, v.referral_value_cents, "
        "  v.total_value_cents, v.as_of "
        "FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id "
        "WHERE m.merged_into IS NULL AND " + where + " ORDER BY " + order);
  };
  const auto all = expected("1");
  REQUIRE(all.size() == 300);
  CHECK(all.back()[12] == "NULL");  // the new member's P(alive): none, never "0.00"
  // Figures worth comparing: visits, revenue and values are there, not all zero or empty.
  const auto has = [&](std::size_t column) {
    return std::any_of(all.begin(), all.end(), [&](const auto& r) {
      return r[column] != "0" && r[column] != "NULL";
    });
  };
  for (const std::size_t column : {3u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 14u}) {
    INFO(columns[column]);
    CHECK(has(column));
  }
  CHECK(json_table(run_json(db, "members"), columns) == all);
  const auto erased_row = std::find_if(all.begin(), all.end(), [&](const auto& r) {
    return r[0] == std::to_string(erased);
  });
  REQUIRE(erased_row != all.end());
  CHECK((*erased_row)[1] == "erased");
  CHECK(std::none_of(all.begin(), all.end(),
                     [&](const auto& r) { return r[0] == std::to_string(merged); }));

  // Store, region and enrollment period narrow it, each as the test's SQL says.
  const auto enrolled = table(db, "SELECT min(enrolled_on), max(enrolled_on) FROM members")[0];
  reports::Filter period;
  period.from = "2026-03-01";
  period.to = "2026-08-31";
  REQUIRE(enrolled[0] < *period.from);
  REQUIRE(*period.to < enrolled[1]);
  const std::string in_period = "m.enrolled_on BETWEEN '2026-03-01' AND '2026-08-31'";
  const std::string in_north = "m.home_store IN (SELECT id FROM stores WHERE region = 'North')";
  const std::vector<std::pair<reports::Filter, std::string>> views = {
      {place("S2", std::nullopt), "m.home_store = 'S2'"},
      {place(std::nullopt, "North"), in_north},
      {place("S1", "North"), "m.home_store = 'S1'"},
      {place("S2", "North"), "0"},
      {period, in_period},
      {place(std::nullopt, "North", period), in_north + " AND " + in_period},
      {place("S3", std::nullopt, period), "m.home_store = 'S3' AND " + in_period},
  };
  for (const auto& [filter, where] : views) {
    INFO(where);
    // With a period, in order of enrollment.
    const auto want =
        expected(where, filter.from ? "m.enrolled_on, m.id" : "m.id");
    if (where != "0") CHECK_FALSE(want.empty());
    CHECK(json_table(run_json(db, "members", filter), columns) == want);
  }

  // The CSV carries no member's name, and one line per member after the header.
  std::ostringstream csv;
  REQUIRE(report->run(db, {}, *reports::csv_sink(csv)));
  const std::string text = csv.str();
  CHECK(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) == all.size() + 1);
  for (const auto& row : table(db, "SELECT name FROM members WHERE name <> '' LIMIT 20")) {
    CHECK(text.find(row[0]) == std::string::npos);
  }

  // Each view reads its rows in the order it gives them, never sorting the lot: the chain and
  // a region walk members by id, or with a period members_enrolled_on (migration 27).
  for (const auto& [filter, where] : views) {
    if (filter.store) continue;  // a store's few thousand members may be sorted
    INFO(where);
    auto explain = db.prepare("EXPLAIN QUERY PLAN " + reports::members_sql(filter)).value();
    reports::bind_filter(explain, filter);
    std::string lines;
    while (explain.step().value()) lines += explain.column_text(3) + "\n";
    CHECK_THAT(lines, !Catch::Contains("TEMP B-TREE"));
    if (filter.from) CHECK_THAT(lines, Catch::Contains("members_enrolled_on"));
  }

  // A sink with what it needs stops the read: a page showing the first rows never walks on.
  FirstRows first(5);
  REQUIRE(report->run(db, {}, first));
  CHECK(first.rows == 5);
  CHECK(first.ended);
}
