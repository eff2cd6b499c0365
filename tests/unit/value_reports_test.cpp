// tests/unit/value_reports_test.cpp
//
// The value-based head-office reports (docs/reports.md) on a seeded chain in a real SQLite
// file: each report's rows against the test's own computation from the raw tables (done here
// in C++, not with the report's query), and no rows before the first value refresh.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "server/reports/customer_equity.h"
#include "server/reports/report.h"
#include "server/reports/snapshot_period.h"
#include "server/reports/value_reports.h"
#include "server/seed_chain.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/store.h"
#include "server/value_refresh.h"
#include "shared/util/clock.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"

using namespace rapport;
namespace reports = rapport::server::reports;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);

struct Collected : reports::RowSink {
  std::vector<std::string> columns;
  std::vector<std::vector<reports::Cell>> rows;
  bool ended = false;
  void begin(std::span<const reports::Column> c) override {
    for (const auto& column : c) columns.emplace_back(column.name);
  }
  void row(std::span<const reports::Cell> cells) override { rows.emplace_back(cells.begin(), cells.end()); }
  void end() override { ended = true; }
};

Collected run(storage::Database& db, std::string_view name, const reports::Filter& filter = {}) {
  const auto report = reports::find_report(name);
  REQUIRE(report);
  Collected out;
  REQUIRE(report->run(db, filter, out));
  REQUIRE(out.ended);
  REQUIRE(out.columns.size() == report->columns().size());
  return out;
}

std::int64_t integer(const reports::Cell& cell) { return std::get<std::int64_t>(cell); }
double percent(const reports::Cell& cell) { return std::stod(std::get<std::string>(cell)); }
bool empty(const reports::Cell& cell) { return std::holds_alternative<std::monostate>(cell); }

storage::Database seeded(const server::SeedTarget& target) {
  value::ChainSpec spec;
  spec.members = 400;
  spec.stores = 3;
  spec.seed = 11;
  REQUIRE(server::seed_chain(target, spec, kEnd, server::SeedPath::kBulk));
  return storage::Database::open(target.database, server::kSqliteMigrations).value();
}

// A seeded chain of 400 members in 3 stores, purchases up to kEnd.
struct Chain {
  testing::TempDir dir;
  server::SeedTarget target{dir / "rapport.db", card::CardKey::from_hex(std::string(64, 'c')).value(),
                            "627599"};
  storage::Database db;
  Chain() : db(seeded(target)) {}

  void refresh(std::chrono::sys_days as_of) {
    auto store = server::open_sqlite_store(target.database).value();
    REQUIRE(server::refresh_values(*store, {}, as_of));
  }
};

template <typename Row>
std::vector<Row> rows_of(storage::Database& db, const std::string& sql,
                         Row (*read)(storage::Statement&)) {
  auto stmt = db.prepare(sql).value();
  std::vector<Row> rows;
  while (stmt.step().value()) rows.push_back(read(stmt));
  return rows;
}

}  // namespace

TEST_CASE("value reports give no rows before the first value refresh", "[reports]") {
  Chain chain;
  for (const auto name : {"value-distribution", "tier-migrations", "category-mix"}) {
    INFO(name);
    CHECK(run(chain.db, name).rows.empty());
  }
  // Retention needs no value refresh: the seeded members and purchases are enough.
  CHECK_FALSE(run(chain.db, "cohort-retention").rows.empty());
}

TEST_CASE("value distribution: the top shares of revenue and forecast value equal the "
          "snapshots sorted here", "[reports]") {
  Chain chain;
  chain.refresh(kEnd);
  using Pair = std::pair<std::int64_t, std::int64_t>;
  const auto values = rows_of<Pair>(
      chain.db, "SELECT historic_revenue_cents, lifetime_value_cents FROM value_snapshots",
      [](storage::Statement& s) { return Pair{s.column_int64(0), s.column_int64(1)}; });
  REQUIRE(values.size() == 400);
  std::vector<std::int64_t> revenue, forecast;
  for (const auto& [r, f] : values) {
    revenue.push_back(r);
    forecast.push_back(f);
  }
  const auto share = [](std::vector<std::int64_t> v, std::size_t k) {
    std::sort(v.rbegin(), v.rend());
    double top = 0, all = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      all += static_cast<double>(v[i]);
      if (i < k) top += static_cast<double>(v[i]);
    }
    return 100.0 * top / all;
  };
  const auto out = run(chain.db, "value-distribution");
  REQUIRE(out.rows.size() == 5);
  const std::vector<std::int64_t> tops{1, 5, 10, 20, 50};
  double last = 0;
  for (std::size_t i = 0; i < tops.size(); ++i) {
    const auto& row = out.rows[i];
    const auto k = static_cast<std::size_t>((400 * tops[i] + 99) / 100);
    CHECK(integer(row[0]) == tops[i]);
    CHECK(integer(row[1]) == static_cast<std::int64_t>(k));
    CHECK(std::abs(percent(row[2]) - share(revenue, k)) < 0.006);
    CHECK(std::abs(percent(row[3]) - share(forecast, k)) < 0.006);
    CHECK(percent(row[2]) >= last);  // a curve: more members hold more
    last = percent(row[2]);
  }

  // One store: only its home members count.
  reports::Filter s1;
  s1.store = "S1";
  const auto members_s1 = rows_of<std::int64_t>(
      chain.db, "SELECT count(*) FROM value_snapshots v, members m WHERE m.id = v.member_id AND m.home_store = 'S1'",
      [](storage::Statement& s) { return s.column_int64(0); });
  const auto one = run(chain.db, "value-distribution", s1);
  REQUIRE(one.rows.size() == 5);
  CHECK(integer(one.rows[4][1]) == (members_s1.at(0) * 50 + 99) / 100);
}

TEST_CASE("tier migrations: the flow table equals each member's tier history walked here",
          "[reports]") {
  Chain chain;
  chain.refresh(kEnd);
  // tier_history is stamped with the wall clock: date the first refresh's changes back to
  // when they would have been recorded.
  REQUIRE(chain.db.execute("UPDATE tier_history SET changed_at = '2026-08-01T06:00:00.000Z'"));
  chain.refresh(kEnd + std::chrono::days(120));  // 120 days without purchases: tiers move
  struct Change {
    std::int64_t member;
    std::string day;
    std::string tier;
  };
  const auto history = rows_of<Change>(
      chain.db, "SELECT member_id, substr(changed_at, 1, 10), tier FROM tier_history ORDER BY rowid",
      [](storage::Statement& s) { return Change{s.column_int64(0), s.column_text(1), s.column_text(2)}; });
  const std::string from = "2026-09-01";
  std::map<std::int64_t, std::string> start, end;
  for (const auto& c : history) {
    end[c.member] = c.tier;
    if (c.day < from) start[c.member] = c.tier;
  }
  // from tier -> to tier -> members
  std::map<std::string, std::map<std::string, std::int64_t>> want;
  for (const auto& [member, tier] : end) {
    const auto s = start.find(member);
    ++want[s == start.end() ? "(none)" : s->second][tier];
  }
  reports::Filter filter;
  filter.from = from;
  const auto out = run(chain.db, "tier-migrations", filter);
  REQUIRE(out.rows.size() == want.size());
  std::int64_t total = 0, moved = 0;
  for (const auto& row : out.rows) {
    const std::string from_tier = std::get<std::string>(row[0]);
    INFO(from_tier);
    const auto& w = want.at(from_tier);
    std::int64_t members = 0;
    const std::vector<std::string> tiers{"MVC", "MGC", "LMC", "BZ"};
    for (std::size_t t = 0; t < tiers.size(); ++t) {
      const auto found = w.find(tiers[t]);
      const std::int64_t n = found == w.end() ? 0 : found->second;
      CHECK(integer(row[2 + t]) == n);
      members += n;
      if (from_tier != tiers[t]) moved += n;
    }
    CHECK(integer(row[1]) == members);
    total += members;
  }
  CHECK(total == 400);
  CHECK(want.count("(none)") == 0);  // everyone had a tier at the first refresh
  CHECK(moved > 0);                  // 120 days on, some members changed tier

  // Without `from`, every member starts at "(none)": the row is the tier sizes at the end.
  const auto sizes = run(chain.db, "tier-migrations");
  REQUIRE(sizes.rows.size() == 1);
  CHECK(std::get<std::string>(sizes.rows[0][0]) == "(none)");
  CHECK(integer(sizes.rows[0][1]) == 400);
}

TEST_CASE("cohort retention: each cohort's monthly active share equals the purchases counted "
          "here", "[reports]") {
  Chain chain;
  struct Member {
    std::int64_t id;
    std::string joined;
  };
  // Enrollment days: the enrollment events' (the seeded members all have one).
  const auto members = rows_of<Member>(chain.db, "SELECT member_id, occurred_at FROM events "
                                                 "WHERE kind = 'enrollment'",
                                       [](storage::Statement& s) {
                                         return Member{s.column_int64(0), s.column_text(1)};
                                       });
  using Purchase = std::pair<std::int64_t, std::string>;
  const auto purchases = rows_of<Purchase>(
      chain.db, "SELECT member_id, day FROM purchases WHERE member_id IS NOT NULL",
      [](storage::Statement& s) { return Purchase{s.column_int64(0), s.column_text(1)}; });
  const auto month = [](const std::string& day) {
    return std::stoi(day.substr(0, 4)) * 12 + std::stoi(day.substr(5, 2));
  };
  std::string last_day;
  for (const auto& p : purchases) last_day = std::max(last_day, p.second);
  std::map<std::int64_t, int> start;
  std::map<std::string, std::int64_t> size;
  for (const auto& m : members) {
    start[m.id] = month(m.joined);
    ++size[m.joined.substr(0, 7)];
  }
  std::map<std::int64_t, std::string> cohort_of;
  for (const auto& m : members) cohort_of[m.id] = m.joined.substr(0, 7);
  std::map<std::string, std::map<int, std::set<std::int64_t>>> active;  // cohort -> k -> members
  for (const auto& [id, day] : purchases) {
    const int k = month(day) - start.at(id);
    if (k >= 1 && k <= 12) active[cohort_of.at(id)][k].insert(id);
  }
  const auto out = run(chain.db, "cohort-retention");
  REQUIRE(members.size() == 400);
  REQUIRE(out.rows.size() == size.size());
  REQUIRE(size.size() > 6);
  int checked = 0;
  for (const auto& row : out.rows) {
    const std::string cohort = std::get<std::string>(row[0]);
    INFO(cohort);
    CHECK(integer(row[1]) == size.at(cohort));
    for (int k = 1; k <= 12; ++k) {
      const auto& cell = row[static_cast<std::size_t>(1 + k)];
      const bool over = month(cohort + "-01") + k < month(last_day);
      REQUIRE(empty(cell) == !over);  // a month not over is no value, never 0 %
      if (!over) continue;
      const double want = 100.0 * static_cast<double>(active[cohort][k].size()) /
                          static_cast<double>(size.at(cohort));
      CHECK(std::abs(percent(cell) - want) < 0.006);
      ++checked;
    }
  }
  CHECK(checked > 12);
}

TEST_CASE("category mix: MVC and the rest's spend per category equal the test's sums",
          "[reports]") {
  Chain chain;
  chain.refresh(kEnd);
  struct Spend {
    std::string category;
    bool mvc;
    std::int64_t cents;
  };
  const auto spend = rows_of<Spend>(
      chain.db, "SELECT c.category, v.tier = 'MVC', c.spend_cents FROM member_categories c, value_snapshots v WHERE v.member_id = c.member_id",
      [](storage::Statement& s) { return Spend{s.column_text(0), s.column_int64(1) != 0, s.column_int64(2)}; });
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> want;
  std::int64_t mvc_total = 0, rest_total = 0;
  for (const auto& s : spend) {
    (s.mvc ? want[s.category].first : want[s.category].second) += s.cents;
    (s.mvc ? mvc_total : rest_total) += s.cents;
  }
  REQUIRE(mvc_total > 0);
  const auto out = run(chain.db, "category-mix");
  REQUIRE(out.rows.size() == want.size());
  double share_sum = 0;
  for (const auto& row : out.rows) {
    const auto& w = want.at(std::get<std::string>(row[0]));
    CHECK(integer(row[1]) == w.first);
    CHECK(integer(row[3]) == w.second);
    CHECK(std::abs(percent(row[2]) - 100.0 * static_cast<double>(w.first) / static_cast<double>(mvc_total)) < 0.006);
    share_sum += percent(row[4]);
  }
  CHECK(std::abs(share_sum - 100.0) < 0.1);
}

TEST_CASE("customer equity change: each store's start, end and parts equal the two refreshes' "
          "snapshots compared here", "[reports]") {
  Chain chain;
  CHECK(run(chain.db, "customer-equity-change").rows.empty());  // no refresh yet: no rows
  struct Value {
    std::int64_t member;
    std::string store;
    std::int64_t lifetime;
    double p_alive;
  };
  const auto read = [&] {
    return rows_of<Value>(chain.db,
                          "SELECT v.member_id, m.home_store, v.lifetime_value_cents, v.p_alive "
                          "FROM value_snapshots v JOIN members m ON m.id = v.member_id",
                          [](storage::Statement& s) {
                            return Value{s.column_int64(0), s.column_text(1), s.column_int64(2),
                                         s.column_double(3)};
                          });
  };
  chain.refresh(kEnd);
  const auto first = read();
  chain.refresh(kEnd + std::chrono::days(120));
  const auto second = read();
  REQUIRE(first.size() == 400);
  REQUIRE(second.size() == 400);

  struct Want {
    std::int64_t start = 0, end = 0, members = 0, growth = 0, decline = 0, lost_members = 0,
                 lost = 0;
  };
  std::map<std::int64_t, Value> before;
  std::map<std::string, Want> want;
  for (const auto& v : first) {
    before[v.member] = v;
    want[v.store].start += v.lifetime;
  }
  for (const auto& v : second) {
    Want& w = want[v.store];
    w.end += v.lifetime;
    ++w.members;
    const auto& b = before.at(v.member);
    const std::int64_t change = v.lifetime - b.lifetime;
    if (b.p_alive >= 0.5 && v.p_alive < 0.5) {
      ++w.lost_members;
      w.lost += change;
    } else if (change > 0) {
      w.growth += change;
    } else {
      w.decline += change;
    }
  }
  reports::Filter between;
  between.from = "2027-01-01";
  const auto out = run(chain.db, "customer-equity-change", between);
  REQUIRE(out.rows.size() == want.size());
  std::int64_t moved = 0;
  for (const auto& row : out.rows) {
    const auto& w = want.at(std::get<std::string>(row[0]));
    INFO(std::get<std::string>(row[0]));
    CHECK(integer(row[1]) == w.start);
    CHECK(integer(row[2]) == w.end);
    CHECK(integer(row[3]) == w.end - w.start);
    CHECK(std::abs(percent(row[4]) - 100.0 * static_cast<double>(w.end - w.start) /
                                         static_cast<double>(w.start)) < 0.006);
    CHECK(integer(row[5]) == w.members);
    CHECK(integer(row[6]) == 0);  // nobody joined between the refreshes
    CHECK(integer(row[7]) == 0);
    CHECK(integer(row[8]) == w.growth);
    CHECK(integer(row[9]) == w.decline);
    CHECK(integer(row[10]) == w.lost_members);
    CHECK(integer(row[11]) == w.lost);
    CHECK(integer(row[3]) == integer(row[7]) + integer(row[8]) + integer(row[9]) + integer(row[11]));
    moved += w.growth - w.decline;
  }
  CHECK(moved > 0);

  // Without `from` there is no start: every member is new at the first refresh.
  const auto all = run(chain.db, "customer-equity-change");
  REQUIRE(all.rows.size() == want.size());
  for (const auto& row : all.rows) {
    const auto& w = want.at(std::get<std::string>(row[0]));
    CHECK(empty(row[1]));
    CHECK(empty(row[4]));
    CHECK(integer(row[3]) == w.end);
    CHECK(integer(row[6]) == w.members);
    CHECK(integer(row[7]) == w.start);
  }
  // Only the end of the first period: the first refresh's equity.
  reports::Filter early;
  early.to = "2027-01-01";
  const auto first_only = run(chain.db, "customer-equity-change", early);
  REQUIRE(first_only.rows.size() == want.size());
  CHECK(integer(first_only.rows[0][2]) == want.at(std::get<std::string>(first_only.rows[0][0])).start);
}

TEST_CASE("a report's rows are kept until the next value refresh and replayed as they were",
          "[reports]") {
  Chain chain;
  chain.refresh(kEnd);
  const auto kept_rows = [&](const std::string& where) {
    return rows_of<std::int64_t>(chain.db, "SELECT count(*) FROM report_cache WHERE " + where,
                                 [](storage::Statement& s) { return s.column_int64(0); })
        .at(0);
  };
  const auto first = run(chain.db, "category-mix");
  REQUIRE_FALSE(first.rows.empty());
  // Its rows, and the mark of a finished run.
  CHECK(kept_rows("report = 'category-mix'") ==
        static_cast<std::int64_t>(first.rows.size()) + 1);
  // The data behind it changes between refreshes: the kept rows are replayed, cell for cell.
  REQUIRE(chain.db.execute("UPDATE member_categories SET spend_cents = spend_cents * 2"));
  const auto replayed = run(chain.db, "category-mix");
  CHECK((replayed.rows == first.rows));
  // Another filter is its own run.
  reports::Filter s1;
  s1.store = "S1";
  const auto one_store = run(chain.db, "category-mix", s1);
  CHECK((one_store.rows != first.rows));
  // A changed-members refresh (its row in value_refreshes, as refresh_changed_values leaves
  // one) keeps them: figures are as of the last full refresh.
  REQUIRE(chain.db.execute(
      "INSERT INTO value_refreshes(kind, fit_id, as_of, computed_at, events_seq, members) "
      "SELECT 'incremental', fit_id, as_of, computed_at, events_seq, 1 FROM value_refreshes "
      "ORDER BY id DESC LIMIT 1"));
  CHECK((run(chain.db, "category-mix").rows == first.rows));
  // A full value refresh: computed again from the data, and the older runs are dropped.
  chain.refresh(kEnd);
  const auto fresh = run(chain.db, "category-mix");
  REQUIRE(fresh.rows.size() == first.rows.size());
  CHECK(integer(fresh.rows[0][1]) == 2 * integer(first.rows[0][1]));
  CHECK(kept_rows("report = 'category-mix' AND refresh_id < (SELECT max(id) FROM value_refreshes)") == 0);
  // An empty result is kept too (no rows before a refresh is a finished run, not a miss).
  Chain empty_chain;
  CHECK(run(empty_chain.db, "value-distribution").rows.empty());
  CHECK(rows_of<std::int64_t>(empty_chain.db,
                              "SELECT count(*) FROM report_cache WHERE report = 'value-distribution' AND row = -1",
                              [](storage::Statement& s) { return s.column_int64(0); })
            .at(0) == 1);
}

TEST_CASE("a period on the snapshot reports is answered from the refresh days: all of them is "
          "the whole view, none is no rows, a cut scans, and each equals the report run with "
          "its period",
          "[reports][value]") {
  Chain chain;
  const auto day = [](std::chrono::sys_days d) { return to_iso8601(d).substr(0, 10); };
  const auto next = kEnd + std::chrono::days(1);
  // Before any refresh the days are not known: the report runs as asked.
  CHECK(reports::snapshot_days(chain.db).value().empty());
  chain.refresh(kEnd);
  CHECK((reports::snapshot_days(chain.db).value() == std::vector<std::string>{day(kEnd)}));
  // Three members buy the next day; the changed-members refresh values them as of that day,
  // so the snapshots carry two days.
  {
    auto store = server::open_sqlite_store(chain.target.database).value();
    std::vector<domain::Event> sync;
    for (const std::size_t index : {std::size_t{4}, std::size_t{40}, std::size_t{140}}) {
      sync.push_back(testing::sale(server::seeded_card_token(chain.target, index), 90'000,
                                   "retail", day(next) + "T10:00:00.000Z"));
    }
    REQUIRE(store->record_events(sync));
    const auto incremental = server::refresh_changed_values(*store, {}, next, 50).value();
    REQUIRE(incremental.kind == server::RefreshKind::kIncremental);
  }
  CHECK((reports::snapshot_days(chain.db).value() ==
         std::vector<std::string>{day(kEnd), day(next)}));
  // What the snapshots really carry (the invariant the shortcut rests on: a full refresh
  // rewrites every member's snapshot).
  CHECK((rows_of<std::string>(chain.db, "SELECT DISTINCT as_of FROM value_snapshots ORDER BY 1",
                              [](storage::Statement& s) { return s.column_text(0); }) ==
         std::vector<std::string>{day(kEnd), day(next)}));

  struct Case {
    std::optional<std::string> from, to;
    reports::PeriodCover cover;
  };
  const std::vector<Case> cases{
      {day(kEnd - std::chrono::days(30)), day(next), reports::PeriodCover::kAll},
      {std::nullopt, day(next + std::chrono::days(5)), reports::PeriodCover::kAll},
      {day(kEnd), std::nullopt, reports::PeriodCover::kAll},
      {day(kEnd - std::chrono::days(30)), day(kEnd - std::chrono::days(1)), reports::PeriodCover::kNone},
      {day(next + std::chrono::days(1)), std::nullopt, reports::PeriodCover::kNone},
      {day(kEnd), day(kEnd), reports::PeriodCover::kSome},
      {day(next), day(next), reports::PeriodCover::kSome},
  };
  const std::vector<std::unique_ptr<reports::Report>> plain = [] {
    std::vector<std::unique_ptr<reports::Report>> r;
    r.push_back(reports::customer_equity_report());
    r.push_back(reports::value_distribution_report());
    r.push_back(reports::category_mix_report());
    return r;
  }();
  for (const auto& c : cases) {
    for (const std::optional<std::string>& store : {std::optional<std::string>{},
                                                    std::optional<std::string>{"S2"}}) {
      reports::Filter filter;
      filter.store = store;
      filter.from = c.from;
      filter.to = c.to;
      CHECK(reports::period_cover(filter, reports::snapshot_days(chain.db).value()) == c.cover);
      for (const auto& report : plain) {
        INFO(report->name() << " from " << c.from.value_or("-") << " to " << c.to.value_or("-")
                            << " store " << store.value_or("-"));
        // Each period's first view (nothing kept), against the report's own query with the
        // period in it.
        REQUIRE(chain.db.execute("DELETE FROM report_cache"));
        const auto served = run(chain.db, report->name(), filter);
        Collected scanned;
        REQUIRE(report->run(chain.db, filter, scanned));
        CHECK((served.rows == scanned.rows));
        if (c.cover == reports::PeriodCover::kNone) CHECK(served.rows.empty());
        // (The three members who bought on the second day may all live outside S2.)
        if (c.cover != reports::PeriodCover::kNone && !store) CHECK_FALSE(served.rows.empty());
      }
    }
  }
}
