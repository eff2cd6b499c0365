// tests/browser/reports_browser_test.cpp
//
// The head-office report pages in a real headless Chromium against the real rapport-server
// (issue 11's acceptance): a seeded chain, values refreshed, head office and a store manager
// created with rapportctl. Head office logs in through the login page and opens every report
// of all_reports(): the page's rows are as many as the test's own SQL counts, its figures
// are the report's own run, customer equity's figures equal the test's SQL, each chart has
// one value per row in every dataset, and the CSV has a header and one line per row. Head
// office then exports a member's data from their page (the same JSON as `rapportctl member
// export`, checked against the database) and erases them through the typed confirmation. The
// store manager gets 403 on the pages and the CSV URLs, no rights buttons on a member's page
// and 403 on export and erase. Screenshots go to tests/artifacts/.
// Skips (ctest reports it skipped) when Chromium is not installed.

#include <algorithm>
#include <boost/json/parse.hpp>
#include <map>

#include "server/reports/report.h"
#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"
#include "tests/support/catch_result.h"
#include "tests/support/headless_chromium.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ChildProcess;

namespace {

const std::string kPassword = "head office password 1";

std::string run_ok(const std::vector<std::string>& argv) {
  std::string out;
  const int status = testing::run(argv, &out);
  INFO(out);
  REQUIRE(status == 0);
  return out;
}

void add_user(const std::filesystem::path& data, const std::filesystem::path& log,
              const std::string& name, const std::string& role, const std::string& stores) {
  std::vector<std::string> argv{testing::kRapportctl, "user", "add", "--data", data.string(),
                                "--name", name, "--role", role};
  if (!stores.empty()) {
    argv.push_back("--stores");
    argv.push_back(stores);
  }
  ChildProcess add(argv, log);
  add.write_stdin(kPassword + "\n");
  add.close_stdin();
  INFO(testing::read_text(log));
  REQUIRE(add.wait(60s) == 0);
}

// The rows each report must show, by the test's own SQL (not the reports' queries).
const std::map<std::string, std::string> kRowCounts = {
    {"customer-equity",
     "SELECT count(DISTINCT m.home_store) FROM members m, value_snapshots v WHERE v.member_id = m.id"},
    {"customer-equity-change", "SELECT count(DISTINCT store_id) FROM store_equity"},
    {"reward-cost",
     "SELECT count(*) FROM (SELECT 1 FROM reward_costs r LEFT JOIN members m ON m.id = "
     "r.member_id GROUP BY substr(r.occurred_at, 1, 7), r.store_id, "
     "coalesce(m.value_tier, 'none'))"},
    {"value-distribution", "SELECT CASE WHEN count(*) > 0 THEN 5 ELSE 0 END FROM value_snapshots"},
    {"tier-migrations", "SELECT CASE WHEN count(*) > 0 THEN 1 ELSE 0 END FROM tier_history"},
    {"cohort-retention",
     "SELECT count(DISTINCT substr(coalesce((SELECT min(occurred_at) FROM events e WHERE "
     "e.member_id = m.id AND e.kind = 'enrollment'), m.created_at), 1, 7)) FROM members m"},
    {"members", "SELECT count(*) FROM members WHERE merged_into IS NULL"},
    // No campaigns in this chain: a row per channel, a row per tier members have now.
    {"acquisition",
     "SELECT count(DISTINCT coalesce(channel, 'unknown')) FROM members WHERE merged_into IS NULL"},
    {"acquisition-cost",
     "SELECT count(DISTINCT coalesce(channel, 'unknown')) FROM members WHERE merged_into IS NULL"},
    {"rewards",
     "SELECT count(DISTINCT coalesce(value_tier, 'none')) FROM members WHERE merged_into IS NULL"},
    {"category-mix",
     "SELECT count(DISTINCT c.category) FROM member_categories c, value_snapshots v "
     "WHERE v.member_id = c.member_id"},
};

struct CollectText final : server::reports::RowSink {
  std::vector<std::vector<std::string>> rows;
  void begin(std::span<const server::reports::Column>) override {}
  void row(std::span<const server::reports::Cell> cells) override {
    auto& row = rows.emplace_back();
    for (const auto& cell : cells) {
      if (const auto* n = std::get_if<std::int64_t>(&cell)) row.push_back(std::to_string(*n));
      else if (const auto* s = std::get_if<std::string>(&cell)) row.push_back(*s);
      else row.emplace_back();
    }
  }
  void end() override {}
};

}  // namespace

TEST_CASE("Head office opens every report: figures, charts and CSVs match, managers are refused",
          "[browser]") {
  const auto chromium = testing::HeadlessChromium::find();
  if (!chromium) {
    WARN("SKIPPED: chromium is not installed (Debian package chromium, scripts/install-deps.sh)");
    return;
  }
  testing::TempDir dir;
  const auto data = dir / "data";
  const auto dashboard_port = testing::free_port();
  run_ok({testing::kRapportctl, "init", "--data", data.string(), "--store", "S1", "--store", "S2",
          "--listen", "127.0.0.1:" + std::to_string(testing::free_port()), "--enroll-listen",
          "127.0.0.1:" + std::to_string(testing::free_port()), "--dashboard-listen",
          "127.0.0.1:" + std::to_string(dashboard_port)});
  run_ok({testing::kRapportctl, "seed", "--data", data.string(), "--members", "160", "--stores",
          "3", "--months", "14", "--seed", "11"});
  run_ok({testing::kRapportctl, "value", "refresh", "--data", data.string()});
  add_user(data, dir / "hq.log", "hq", "head-office", "");
  add_user(data, dir / "maria.log", "maria", "store-manager", "S1");
  const auto server_log = dir / "server.log";
  ChildProcess server({testing::kRapportServer, "--config", (data / "server.toml").string()},
                      server_log);
  REQUIRE(testing::wait_until(
      [&] { return testing::read_text(server_log).find("dashboard listening") != std::string::npos; },
      30s));

  auto db = storage::Database::open(data / "rapport.db", server::kSqliteMigrations).value();
  const auto sql_count = [&](const std::string& sql) {
    auto stmt = db.prepare(sql).value();
    REQUIRE(stmt.step().value());
    return stmt.column_int64(0);
  };

  const auto accept_key = testing::accept_certificate_flag(data / "tls" / "server.crt");
  testing::HeadlessChromium browser(*chromium, dir / "profile", dir / "chromium.log", {accept_key});
  const std::string origin = "https://127.0.0.1:" + std::to_string(dashboard_port);
  const std::string tab = browser.open_tab();
  const auto log_in = [&](const std::string& name) {
    browser.navigate(tab, origin + "/login");
    REQUIRE(browser.wait_for(tab, "document.getElementById('login-form')"));
    browser.evaluate(tab, "document.getElementById('name').value = '" + name + "';"
                          "document.getElementById('password').value = '" + kPassword + "';"
                          "document.getElementById('login-form').requestSubmit(); true");
    REQUIRE(browser.wait_for(tab, "location.pathname === '/'"));
  };
  const auto evaluate_json = [&](const std::string& expression) {
    return boost::json::parse(std::string(browser.evaluate(tab, expression).as_string()));
  };

  log_in("hq");
  browser.navigate(tab, origin + "/reports");
  const auto reports = server::reports::all_reports();
  CHECK(browser.evaluate(tab, "document.querySelectorAll('#reports li a').length")
            .to_number<std::size_t>() == reports.size());
  for (const auto& report : reports) {
    const std::string name(report->name());
    INFO(name);
    browser.navigate(tab, origin + "/reports/" + name);
    REQUIRE(browser.wait_for(tab, "document.getElementById('report-name')"));
    const auto shown = evaluate_json(
        "JSON.stringify([...document.querySelectorAll('#report tbody tr')].map(r => "
        "[...r.querySelectorAll('td')].map(c => c.textContent)))").as_array();
    const auto want_rows = kRowCounts.count(name) ? sql_count(kRowCounts.at(name)) : -1;
    if (want_rows >= 0) CHECK(static_cast<std::int64_t>(shown.size()) == want_rows);
    // The page shows exactly the report's own run on the same file.
    CollectText direct;
    REQUIRE(report->run(db, {}, direct));
    REQUIRE(direct.rows.size() == shown.size());
    // A report with nothing to show here (no offers were shown, no reward handed over, no
    // forecast has been checked yet in this chain) says so in words, never as a table of zeros.
    CHECK(browser.evaluate(tab, "document.getElementById('no-rows') !== null").as_bool() ==
          shown.empty());
    if (shown.empty()) {
      // No such data here (the seeded chain hands over no rewards).
      CHECK((name == "offer-uplift" || name == "forecast-accuracy" || name == "reward-cost"));
      continue;
    }
    for (std::size_t r = 0; r < shown.size(); ++r) {
      const auto& cells = shown[r].as_array();
      REQUIRE(cells.size() == direct.rows[r].size());
      for (std::size_t c = 0; c < cells.size(); ++c) {
        CHECK(std::string(cells[c].as_string()) == direct.rows[r][c]);
      }
    }
    if (report->chart()) {
      REQUIRE(browser.wait_for(tab, "typeof Chart !== 'undefined' && "
                                    "Chart.getChart('report-chart') !== undefined"));
      const auto lengths = evaluate_json(
          "JSON.stringify(Chart.getChart('report-chart').data.datasets.map(d => d.data.length))")
                               .as_array();
      CHECK(lengths.size() == report->chart()->value_columns.size());
      for (const auto& length : lengths) CHECK(length.to_number<std::size_t>() == shown.size());
    }
    const auto csv = std::string(
        browser.evaluate(tab, "fetch(document.getElementById('csv-link').href).then(r => r.text())")
            .as_string());
    CHECK(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) == shown.size() + 1);
    browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/report-" + name + ".png");
  }

  // Customer equity's figures, by the test's own SQL.
  browser.navigate(tab, origin + "/reports/customer-equity");
  const auto equity = evaluate_json(
      "JSON.stringify([...document.querySelectorAll('#report tbody tr')].map(r => "
      "[...r.querySelectorAll('td')].map(c => c.textContent)))").as_array();
  {
    auto stmt = db.prepare("SELECT m.home_store, count(*), sum(v.lifetime_value_cents) FROM "
                           "members m, value_snapshots v WHERE v.member_id = m.id GROUP BY 1 "
                           "ORDER BY 1").value();
    std::size_t i = 0;
    while (stmt.step().value()) {
      REQUIRE(i < equity.size());
      CHECK(std::string(equity[i].as_array()[0].as_string()) == stmt.column_text(0));
      CHECK(std::string(equity[i].as_array()[1].as_string()) == std::to_string(stmt.column_int64(1)));
      CHECK(std::string(equity[i].as_array()[2].as_string()) == std::to_string(stmt.column_int64(2)));
      ++i;
    }
    CHECK(i == equity.size());
  }

  // The members report: each member's id, revenue and lifetime value, by the test's own SQL
  // over purchases and snapshots.
  browser.navigate(tab, origin + "/reports/members");
  const auto members = evaluate_json(
      "JSON.stringify([...document.querySelectorAll('#report tbody tr')].map(r => "
      "[...r.querySelectorAll('td')].map(c => c.textContent)))").as_array();
  {
    auto stmt = db.prepare("SELECT m.id, (SELECT coalesce(sum(amount_cents - refunded_cents), 0) "
                           "FROM purchases p WHERE p.member_id = m.id), v.lifetime_value_cents "
                           "FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id "
                           "WHERE m.merged_into IS NULL ORDER BY m.id").value();
    std::size_t i = 0;
    while (stmt.step().value()) {
      REQUIRE(i < members.size());
      const auto& row = members[i].as_array();
      CHECK(std::string(row[0].as_string()) == std::to_string(stmt.column_int64(0)));
      CHECK(std::string(row[10].as_string()) == std::to_string(stmt.column_int64(1)));
      CHECK(std::string(row[14].as_string()) ==
            (stmt.column_is_null(2) ? std::string() : std::to_string(stmt.column_int64(2))));
      ++i;
    }
    CHECK(i == members.size());
  }

  // Members' rights from a member's page (docs/members-rights.md, "From the dashboard"):
  // head office downloads the same JSON as `rapportctl member export`, then erases the
  // member through the typed confirmation.
  const std::string erased_sql =
      "SELECT m.id FROM members m WHERE m.home_store = 'S1' AND m.merged_into IS NULL AND "
      "EXISTS (SELECT 1 FROM cards c WHERE c.member_id = m.id) ORDER BY m.id";
  const std::int64_t gone = sql_count(erased_sql + " LIMIT 1");
  const std::int64_t kept = sql_count(erased_sql + " LIMIT 1 OFFSET 1");
  const std::string gone_id = std::to_string(gone);
  browser.navigate(tab, origin + "/members/" + gone_id);
  REQUIRE(browser.wait_for(tab, "document.getElementById('export-link') !== null && "
                                "document.getElementById('erase-button') !== null"));
  const std::string exported = std::string(
      browser.evaluate(tab, "fetch(document.getElementById('export-link').href).then(r => r.text())")
          .as_string());
  // The CLI's standard output alone (its log goes to standard error).
  CHECK(exported == run_ok({"/bin/sh", "-c",
                            std::string(testing::kRapportctl) + " member export --data '" +
                                data.string() + "' --member " + gone_id + " 2>/dev/null"}));
  {
    const auto json = boost::json::parse(exported).as_object();
    const auto& member = json.at("member").as_object();
    CHECK(member.at("id").as_int64() == gone);
    auto name = db.prepare("SELECT name FROM members WHERE id = ?1").value();
    name.bind(1, gone);
    REQUIRE(name.step().value());
    CHECK(std::string(member.at("name").as_string()) == name.column_text(0));
    CHECK(static_cast<std::int64_t>(json.at("cards").as_array().size()) ==
          sql_count("SELECT count(*) FROM cards WHERE member_id = " + gone_id));
    CHECK(static_cast<std::int64_t>(json.at("events").as_array().size()) ==
          sql_count("SELECT count(*) FROM events WHERE member_id = " + gone_id));
    CHECK(static_cast<std::int64_t>(json.at("purchases").as_array().size()) ==
          sql_count("SELECT count(*) FROM purchases WHERE member_id = " + gone_id));
  }
  browser.evaluate(tab, "document.getElementById('erase-button').click(); true");
  REQUIRE(browser.wait_for(tab, "!document.getElementById('erase-confirm').hidden"));
  browser.evaluate(tab, "document.getElementById('erase-reason').value = 'customer request';"
                        "document.getElementById('erase-id').value = '" + gone_id + "';"
                        "document.getElementById('erase-form').requestSubmit(); true");
  REQUIRE(browser.wait_for(tab, "document.getElementById('erase-result').dataset.erased === 'yes'"));
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/member-erased.png");
  CHECK(sql_count("SELECT count(*) FROM members WHERE name = '' AND erased_at IS NOT NULL AND "
                  "id = " + gone_id) == 1);
  CHECK(sql_count("SELECT count(*) FROM cards WHERE member_id = " + gone_id) == 0);
  CHECK(sql_count("SELECT count(*) FROM erasures WHERE staff = 'hq' AND member_id = " + gone_id) ==
        1);
  CHECK(sql_count("SELECT count(*) FROM audit_log WHERE action = 'erase-member' AND outcome = "
                  "'ok' AND object = 'member:" + gone_id + "'") == 1);

  // A store manager: the pages and the CSV URLs are refused by the server.
  CHECK(browser.evaluate(tab, "fetch('/api/session').then(r => r.json()).then(s => "
                              "fetch('/api/logout', {method: 'POST', headers: "
                              "{'X-CSRF-Token': s.csrf_token}})).then(r => r.status)")
            .to_number<int>() == 200);
  log_in("maria");
  for (const std::string url : {"/reports", "/reports/customer-equity",
                                "/api/reports/customer-equity.csv",
                                "/api/reports/value-distribution.csv?store=S1"}) {
    INFO(url);
    CHECK(browser.evaluate(tab, "fetch('" + url + "').then(r => r.status)").to_number<int>() ==
          403);
  }
  browser.navigate(tab, origin + "/reports/customer-equity");
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/report-refused.png");

  // ... and so are members' rights: no buttons on their own member's page, 403 on both.
  const std::string kept_id = std::to_string(kept);
  browser.navigate(tab, origin + "/members/" + kept_id);
  REQUIRE(browser.wait_for(tab, "document.getElementById('member-name') !== null"));
  CHECK(browser.evaluate(tab, "document.getElementById('export-link') === null && "
                              "document.getElementById('erase-form') === null")
            .as_bool());
  CHECK(browser.evaluate(tab, "fetch('/api/members/" + kept_id + "/export.json').then(r => r.status)")
            .to_number<int>() == 403);
  CHECK(browser.evaluate(tab, "fetch('/api/session').then(r => r.json()).then(s => "
                              "fetch('/api/members/" + kept_id + "/erase?confirm=" + kept_id +
                              "&reason=x', {method: 'POST', headers: "
                              "{'X-CSRF-Token': s.csrf_token}})).then(r => r.status)")
            .to_number<int>() == 403);
  CHECK(sql_count("SELECT count(*) FROM members WHERE erased_at IS NULL AND id = " + kept_id) == 1);
}
