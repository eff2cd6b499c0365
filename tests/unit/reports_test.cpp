// tests/unit/reports_test.cpp
//
// Head-office reports on a seeded chain in a real SQLite file (docs/reports.md): each
// report's figures against the test's own SQL, its CSV and JSON forms, and the true empty
// output before any value refresh.

#include <boost/json/parse.hpp>
#include <algorithm>
#include <map>
#include <sstream>

#include "server/reports/report.h"
#include "server/reports/sinks.h"
#include "server/seed_chain.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/store.h"
#include "server/value_refresh.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;

namespace {

const auto kEnd = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);

std::string run_report(storage::Database& db, const server::reports::Filter& filter,
                       bool json) {
  const auto report = server::reports::find_report("customer-equity");
  REQUIRE(report);
  std::ostringstream out;
  const auto sink = json ? server::reports::json_sink(out) : server::reports::csv_sink(out);
  REQUIRE(report->run(db, filter, *sink));
  return out.str();
}

// store -> (members, equity) by the test's own query.
std::map<std::string, std::pair<std::int64_t, std::int64_t>> expected(storage::Database& db,
                                                                       const std::string& where) {
  auto stmt = db.prepare("SELECT m.home_store, count(*), sum(v.lifetime_value_cents) FROM members m, "
                         "value_snapshots v WHERE v.member_id = m.id " + where +
                         " GROUP BY 1").value();
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> rows;
  while (stmt.step().value()) {
    rows[stmt.column_text(0)] = {stmt.column_int64(1), stmt.column_int64(2)};
  }
  return rows;
}

}  // namespace

TEST_CASE("customer equity by store equals the snapshots' lifetime values, and is empty before "
          "any refresh", "[reports]") {
  testing::TempDir dir;
  const server::SeedTarget target{dir / "rapport.db",
                                  card::CardKey::from_hex(std::string(64, 'b')).value(), "627599"};
  value::ChainSpec spec;
  spec.members = 300;
  spec.stores = 3;
  spec.seed = 5;
  REQUIRE(server::seed_chain(target, spec, kEnd, server::SeedPath::kBulk));
  auto db = storage::Database::open(target.database, server::kSqliteMigrations).value();

  // Before a value refresh: a header and no rows; an empty JSON array. No invented zeros.
  CHECK(run_report(db, {}, false) == "store,members,customer_equity_cents\r\n");
  CHECK(run_report(db, {}, true) == "[]\n");

  {
    auto store = server::open_sqlite_store(target.database).value();
    REQUIRE(server::refresh_values(*store, {}, kEnd));
  }
  const auto want = expected(db, "");
  REQUIRE(want.size() == 3);
  const auto rows = boost::json::parse(run_report(db, {}, true)).as_array();
  REQUIRE(rows.size() == want.size());
  std::int64_t total = 0;
  for (const auto& row : rows) {
    const auto& o = row.as_object();
    const auto& w = want.at(std::string(o.at("store").as_string()));
    CHECK(o.at("members").as_int64() == w.first);
    CHECK(o.at("customer_equity_cents").as_int64() == w.second);
    total += w.second;
  }
  CHECK(total > 0);

  // CSV: a header and one line per store, the same figures.
  const auto csv = run_report(db, {}, false);
  const auto s1 = want.at("S1");
  CHECK(csv.find("S1," + std::to_string(s1.first) + "," + std::to_string(s1.second) + "\r\n") !=
        std::string::npos);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);

  // One store; and a period that holds no snapshot gives nothing.
  server::reports::Filter only_s2;
  only_s2.store = "S2";
  const auto s2 = boost::json::parse(run_report(db, only_s2, true)).as_array();
  REQUIRE(s2.size() == 1);
  CHECK(s2.at(0).at("customer_equity_cents").as_int64() == want.at("S2").second);
  server::reports::Filter long_ago;
  long_ago.from = "2001-01-01";
  long_ago.to = "2001-12-31";
  CHECK(run_report(db, long_ago, true) == "[]\n");
  server::reports::Filter this_year;
  this_year.from = "2026-01-01";
  this_year.to = "2026-12-31";
  CHECK(boost::json::parse(run_report(db, this_year, true)).as_array().size() == 3);
}
