// tests/browser/dashboard_browser_test.cpp
//
// The store manager's dashboard in a real headless Chromium against the real rapport-server:
// a seeded chain, values refreshed, a manager created with rapportctl; the browser logs in
// through the login page and must show the manager's regulars ranked as the test's own SQL
// ranks them, the true empty states, a CSV with one line per row, and a refusal for another
// store's member, and a merge of two members from a member's page. A screenshot is kept in the build folder (tests/artifacts/).
// Skips (ctest reports it skipped) when Chromium is not installed.

#include <signal.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <numeric>

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

const std::string kPassword = "manager password 1";

bool log_has(const std::filesystem::path& log, const std::string& text) {
  return testing::read_text(log).find(text) != std::string::npos;
}

std::string run_ok(const std::vector<std::string>& argv) {
  std::string out;
  INFO(out);
  const int status = testing::run(argv, &out);
  INFO(out);
  REQUIRE(status == 0);
  return out;
}

struct Ranked {
  std::int64_t id = 0;
  std::int64_t cents = 0;
  std::string tier;
};

std::string money(std::int64_t cents) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(cents) / 100.0);
  return text;
}

}  // namespace

TEST_CASE("A store manager logs in and sees their regulars ranked by value", "[browser]") {
  const auto chromium = testing::HeadlessChromium::find();
  if (!chromium) {
    WARN("SKIPPED: chromium is not installed (Debian package chromium, scripts/install-deps.sh)");
    return;
  }
  testing::TempDir dir;
  const auto data = dir / "data";
  const auto sync_port = testing::free_port();
  const auto dashboard_port = testing::free_port();
  run_ok({testing::kRapportctl, "init", "--data", data.string(), "--store", "S1", "--store", "S2",
          "--listen", "127.0.0.1:" + std::to_string(sync_port), "--enroll-listen",
          "127.0.0.1:" + std::to_string(testing::free_port()), "--dashboard-listen",
          "127.0.0.1:" + std::to_string(dashboard_port)});
  run_ok({testing::kRapportctl, "seed", "--data", data.string(), "--members", "160", "--stores",
          "2", "--months", "6", "--seed", "11"});
  run_ok({testing::kRapportctl, "value", "refresh", "--data", data.string()});
  {
    ChildProcess add({testing::kRapportctl, "user", "add", "--data", data.string(), "--name",
                      "maria", "--role", "store-manager", "--stores", "S1"},
                     dir / "user-add.log");
    add.write_stdin(kPassword + "\n");
    add.close_stdin();
    INFO(testing::read_text(dir / "user-add.log"));
    REQUIRE(add.wait(60s) == 0);
  }
  const auto server_log = dir / "server.log";
  ChildProcess server({testing::kRapportServer, "--config", (data / "server.toml").string()},
                      server_log);
  REQUIRE(testing::wait_until([&] { return log_has(server_log, "dashboard listening"); }, 30s));

  // The test's own reading of the database: S1's members by value, and an S2 member who
  // never came to S1.
  auto db = storage::Database::open(data / "rapport.db", server::kSqliteMigrations).value();
  std::vector<Ranked> expected;
  {
    auto stmt = db.prepare("SELECT m.id, v.total_value_cents, v.tier FROM members m "
                           "JOIN value_snapshots v ON v.member_id = m.id "
                           "WHERE m.home_store = 'S1' ORDER BY v.total_value_cents DESC, m.id")
                    .value();
    while (stmt.step().value()) {
      expected.push_back({stmt.column_int64(0), stmt.column_int64(1), stmt.column_text(2)});
    }
  }
  REQUIRE(expected.size() > 10);
  std::int64_t stranger = 0;
  {
    auto stmt = db.prepare("SELECT id FROM members WHERE home_store = 'S2' AND id NOT IN "
                           "(SELECT member_id FROM events WHERE store_id = 'S1' AND "
                           "member_id IS NOT NULL) ORDER BY id LIMIT 1")
                    .value();
    REQUIRE(stmt.step().value());
    stranger = stmt.column_int64(0);
  }

  // Owners and follow-ups, as other parts of Rapport would leave them: olga, a second S1
  // manager, owned the second most valuable member and has left (her account is disabled);
  // then the follow-up job runs, as the operator's timer would.
  REQUIRE(expected[0].tier == "MVC");
  const std::int64_t top = expected[0].id;
  const std::int64_t orphan = expected[1].id;
  REQUIRE(db.execute("INSERT INTO staff_users(name, role, password_hash, created_at, disabled_at) "
                     "VALUES ('olga', 'store-manager', 'never used', '2026-11-01T00:00:00.000Z', "
                     "'2026-11-20T00:00:00.000Z')"));
  const std::int64_t olga = db.last_insert_rowid();
  REQUIRE(db.execute("INSERT INTO staff_user_stores VALUES (" + std::to_string(olga) + ", 'S1')"));
  REQUIRE(db.execute("INSERT INTO relationship_owners VALUES (" + std::to_string(orphan) + ", " +
                     std::to_string(olga) + ", " + std::to_string(olga) +
                     ", '2026-11-02T00:00:00.000Z')"));
  run_ok({testing::kRapportctl, "follow-ups", "raise", "--data", data.string(), "--now",
          "2026-11-26T08:00:00Z"});
  const auto sql_count = [&](const std::string& sql) {
    auto stmt = db.prepare(sql).value();
    REQUIRE(stmt.step().value());
    return stmt.column_int64(0);
  };
  const std::string open_follow_ups =
      "SELECT count(*) FROM follow_ups f JOIN members m ON m.id = f.member_id "
      "WHERE m.home_store = 'S1' AND f.closed_at IS NULL";
  const auto follow_ups_before = sql_count(open_follow_ups);
  REQUIRE(sql_count("SELECT count(*) FROM follow_ups WHERE reason = 'owner-lapsed' AND "
                    "member_id = " + std::to_string(orphan)) == 1);
  const auto maria_id = sql_count("SELECT id FROM staff_users WHERE name = 'maria'");
  const auto unowned_mvc = sql_count(
      "SELECT count(*) FROM members m JOIN value_snapshots v ON v.member_id = m.id "
      "LEFT JOIN relationship_owners o ON o.member_id = m.id "
      "LEFT JOIN staff_users u ON u.id = o.owner_id "
      "WHERE m.home_store = 'S1' AND v.tier = 'MVC' AND (u.id IS NULL OR u.disabled_at IS NOT NULL)");

  // Accept exactly this server's key (its SPKI hash), as a pinned certificate would be.
  const auto accept_key = testing::accept_certificate_flag(data / "tls" / "server.crt");
  testing::HeadlessChromium browser(*chromium, dir / "profile", dir / "chromium.log", {accept_key});
  const std::string origin = "https://127.0.0.1:" + std::to_string(dashboard_port);
  const std::string tab = browser.open_tab();

  browser.navigate(tab, origin + "/");  // not logged in: the server sends the login page
  REQUIRE(browser.wait_for(tab, "document.getElementById('login-form')"));
  CHECK(browser.evaluate(tab, "location.pathname").as_string() == "/login");
  browser.evaluate(tab, "document.getElementById('name').value = 'maria';"
                        "document.getElementById('password').value = '" + kPassword + "';"
                        "document.getElementById('login-form').requestSubmit(); true");
  const bool loaded = browser.wait_for(
      tab, "location.pathname === '/' && document.body && document.body.dataset.loaded === 'S1'");
  if (!loaded) browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/dashboard-login-failed.png");
  REQUIRE(loaded);

  const auto rows = boost::json::parse(std::string(
      browser
          .evaluate(tab,
                    "JSON.stringify([...document.querySelectorAll('#regulars tbody tr')].map("
                    "r => ({id: Number(r.dataset.memberId), "
                    "value: r.querySelector('td.value').textContent, "
                    "tier: r.querySelector('td.tier').textContent})))")
          .as_string()));
  const auto& shown = rows.as_array();
  // Every S1 member with a snapshot comes first, in the SQL's order, with its figures.
  REQUIRE(shown.size() >= expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("rank " << i + 1);
    CHECK(shown[i].at("id").as_int64() == expected[i].id);
    CHECK(shown[i].at("value").as_string() == money(expected[i].cents));
    CHECK(shown[i].at("tier").as_string() == expected[i].tier);
  }
  // Values are there (no "not computed" notice).
  CHECK(browser.evaluate(tab, "document.getElementById('values-missing').hidden").as_bool());
  // The charts (Chart.js built into the server): each dataset as long as expected and equal
  // to the test's own SQL.
  REQUIRE(browser.wait_for(tab, "typeof Chart !== 'undefined' && Chart.getChart('chart-values')"));
  const auto dataset = [&](const std::string& canvas) {
    std::vector<std::int64_t> out;
    const auto parsed = boost::json::parse(std::string(
        browser.evaluate(tab, "JSON.stringify(Chart.getChart('" + canvas +
                                  "').data.datasets[0].data)").as_string()));
    for (const auto& v : parsed.as_array()) out.push_back(v.to_number<std::int64_t>());
    return out;
  };
  {
    std::vector<std::int64_t> tiers;
    for (const char* tier : {"MVC", "MGC", "LMC", "BZ"}) {
      auto stmt = db.prepare("SELECT count(*) FROM members m JOIN value_snapshots v ON "
                             "v.member_id = m.id WHERE m.home_store = 'S1' AND v.tier = ?").value();
      stmt.bind(1, std::string(tier));
      REQUIRE(stmt.step().value());
      tiers.push_back(stmt.column_int64(0));
    }
    CHECK(dataset("chart-tiers") == tiers);
    std::string last_day;
    {
      auto stmt = db.prepare("SELECT max(substr(occurred_at, 1, 10)) FROM events "
                             "WHERE store_id = 'S1' AND kind = 'visit'").value();
      REQUIRE(stmt.step().value());
      last_day = stmt.column_text(0);
    }
    std::vector<std::int64_t> weeks;
    for (int ago = 11; ago >= 0; --ago) {
      auto stmt = db.prepare("SELECT count(*) FROM events WHERE store_id = 'S1' AND kind = "
                             "'visit' AND substr(occurred_at, 1, 10) > date(?1, ?2) AND "
                             "substr(occurred_at, 1, 10) <= date(?1, ?3)").value();
      stmt.bind(1, last_day)
          .bind(2, "-" + std::to_string(7 * (ago + 1)) + " days")
          .bind(3, "-" + std::to_string(7 * ago) + " days");
      REQUIRE(stmt.step().value());
      weeks.push_back(stmt.column_int64(0));
    }
    CHECK(weeks.size() == 12);
    CHECK(dataset("chart-visits") == weeks);
    CHECK(std::accumulate(weeks.begin(), weeks.end(), std::int64_t{0}) > 0);
    const auto values = dataset("chart-values");
    CHECK(values.size() == 10);
    CHECK(std::accumulate(values.begin(), values.end(), std::int64_t{0}) ==
          static_cast<std::int64_t>(expected.size()));
    browser.evaluate(tab, "document.getElementById('chart-tiers').scrollIntoView(); true");
    browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/dashboard-charts.png");
    browser.evaluate(tab, "window.scrollTo(0, 0); true");
  }
  // This week: as many rows as the test's own SQL finds (today is the server's clock, UTC).
  {
    const auto rows_in = [&](const std::string& table) {
      return browser.evaluate(tab, "document.querySelectorAll('#" + table + " tbody tr').length")
          .to_number<std::int64_t>();
    };
    const auto count_sql = [&](const std::string& sql) {
      auto stmt = db.prepare(sql).value();
      REQUIRE(stmt.step().value());
      return stmt.column_int64(0);
    };
    CHECK(rows_in("new-members") ==
          count_sql("SELECT count(*) FROM members WHERE home_store = 'S1' AND "
                    "substr(created_at, 1, 10) > date('now', '-7 days') AND "
                    "substr(created_at, 1, 10) <= date('now')"));
    CHECK(rows_in("birthdays") ==
          count_sql("SELECT count(*) FROM members WHERE home_store = 'S1' AND birth_date IS NOT "
                    "NULL AND (SELECT min(d) FROM (SELECT date(strftime('%Y', 'now') || "
                    "substr(birth_date, 5, 6)) AS d UNION ALL SELECT date((strftime('%Y', "
                    "'now') + 1) || substr(birth_date, 5, 6))) WHERE d >= date('now')) < "
                    "date('now', '+14 days')"));
    const auto offers = count_sql("SELECT count(DISTINCT offer_id) FROM offer_events WHERE "
                                  "store_id = 'S1' AND substr(at, 1, 10) > date('now', '-30 days')");
    CHECK(rows_in("offers") == offers);
    CHECK(browser.evaluate(tab, "document.getElementById('offers-empty').hidden").as_bool() ==
          (offers != 0));
  }
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/dashboard-regulars.png");

  // The CSV export, fetched as the page's link would: a header and one line per row.
  const auto csv = std::string(
      browser
          .evaluate(tab, "fetch(document.getElementById('csv-link').href).then(r => r.text())")
          .as_string());
  CHECK(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) == shown.size() + 1);

  // Every other table's CSV export, fetched by its own link: a header and one line per row
  // of the test's own query.
  const auto csv_lines = [&](const std::string& table) {
    const auto text = std::string(
        browser.evaluate(tab, "fetch(document.querySelector('a.csv[data-table=\"" + table +
                                  "\"]').href).then(r => r.text())").as_string());
    return static_cast<std::int64_t>(std::count(text.begin(), text.end(), '\n'));
  };
  CHECK(csv_lines("follow-ups") == 1 + sql_count(open_follow_ups));
  CHECK(csv_lines("visitors") ==
        1 + sql_count("SELECT min(500, count(DISTINCT e.member_id)) FROM events e JOIN members m "
                      "ON m.id = e.member_id WHERE e.store_id = 'S1' AND e.kind = 'visit' AND "
                      "m.home_store <> 'S1'"));
  for (const std::string table : {"new-members", "birthdays", "offers"}) {
    CHECK(csv_lines(table) ==
          1 + browser.evaluate(tab, "document.querySelectorAll('#" + table + " tbody tr').length")
                  .to_number<std::int64_t>());
  }

  // Most valuable customers without a (working) owner are flagged, as many as the SQL finds;
  // the open follow-ups are listed, as many as the SQL finds.
  const auto count_on_page = [&](const std::string& selector) {
    return browser.evaluate(tab, "document.querySelectorAll('" + selector + "').length")
        .to_number<std::int64_t>();
  };
  CHECK(count_on_page("#regulars tbody tr.needs-owner") == unowned_mvc);
  CHECK(count_on_page("#follow-ups tbody tr") == follow_ups_before);

  // Assign maria as the top member's owner with the row's own controls.
  const std::string top_row = "#regulars tbody tr[data-member-id=\"" + std::to_string(top) + "\"]";
  browser.evaluate(tab, "const row = document.querySelector('" + top_row + "');"
                        "row.querySelector('select.owner-choice').value = '" +
                            std::to_string(maria_id) + "';"
                        "row.querySelector('button.assign-owner').click(); true");
  const bool assigned = browser.wait_for(
      tab, "document.body.dataset.loaded === 'S1' && document.querySelector('" + top_row +
               " .owner-name').textContent === 'maria'");
  if (!assigned) browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/dashboard-assign-failed.png");
  REQUIRE(assigned);
  CHECK(sql_count("SELECT owner_id FROM relationship_owners WHERE member_id = " +
                  std::to_string(top)) == maria_id);
  CHECK(count_on_page("#regulars tbody tr.needs-owner") == unowned_mvc - 1);

  // Close the lapsed owner's follow-up with its "Done" button.
  const auto lapsed_id = sql_count("SELECT id FROM follow_ups WHERE reason = 'owner-lapsed' AND "
                                   "member_id = " + std::to_string(orphan));
  const std::string lapsed_row =
      "#follow-ups tbody tr[data-follow-up-id=\"" + std::to_string(lapsed_id) + "\"]";
  browser.evaluate(tab, "document.querySelector('" + lapsed_row +
                            " button.close-follow-up').click(); true");
  const bool closed = browser.wait_for(
      tab, "document.body.dataset.loaded === 'S1' && !document.querySelector('" + lapsed_row +
               "')");
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/dashboard-follow-ups.png");
  REQUIRE(closed);
  CHECK(sql_count("SELECT closed_by FROM follow_ups WHERE id = " + std::to_string(lapsed_id) +
                  " AND closed_at IS NOT NULL") == maria_id);
  CHECK(count_on_page("#follow-ups tbody tr") == sql_count(open_follow_ups));
  CHECK(sql_count(open_follow_ups) == follow_ups_before - 1);

  // Owners' results: one row per owner of S1's members, as the SQL counts them.
  CHECK(count_on_page("#owners tbody tr") ==
        sql_count("SELECT count(DISTINCT o.owner_id) FROM relationship_owners o JOIN members m "
                  "ON m.id = o.member_id WHERE m.home_store = 'S1'"));

  // The top member's page: owner, and value figures equal to the snapshot's.
  browser.navigate(tab, origin + "/members/" + std::to_string(top));
  REQUIRE(browser.wait_for(tab, "document.getElementById('member-owner')"));
  CHECK(browser.evaluate(tab, "document.getElementById('member-owner').textContent")
            .as_string() == "maria");
  CHECK(browser.evaluate(tab, "document.getElementById('member-total').textContent")
            .as_string() == money(expected[0].cents));
  CHECK(browser.evaluate(tab, "document.querySelectorAll('#member-history tbody tr').length")
            .to_number<std::int64_t>() ==
        std::min<std::int64_t>(200, sql_count("SELECT count(*) FROM events WHERE member_id = " +
                                              std::to_string(top))));
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/dashboard-member.png");

  // Merge two memberships of the same person from the survivor's page, then read it back by
  // SQL: history and cards moved, points added through the ledger, the other marked merged.
  {
    const std::int64_t keep = expected[2].id;
    const std::int64_t gone = expected[3].id;
    const auto of = [](const char* sql, std::int64_t id) {
      return std::string(sql) + std::to_string(id);
    };
    const auto events_before = sql_count(of("SELECT count(*) FROM events WHERE member_id = ", keep)) +
                               sql_count(of("SELECT count(*) FROM events WHERE member_id = ", gone));
    const auto cards_before = sql_count(of("SELECT count(*) FROM cards WHERE member_id = ", keep)) +
                              sql_count(of("SELECT count(*) FROM cards WHERE member_id = ", gone));
    const std::string balance = "SELECT coalesce(sum(points), 0) FROM points_entries WHERE "
                                "account = 'member' AND member_id = ";
    const auto points_before = sql_count(of(balance.c_str(), keep)) +
                               sql_count(of(balance.c_str(), gone));
    browser.navigate(tab, origin + "/members/" + std::to_string(keep));
    REQUIRE(browser.wait_for(tab, "document.getElementById('merge-form')"));
    browser.evaluate(tab, "document.getElementById('merge-from').value = '" +
                              std::to_string(gone) + "';"
                              "document.getElementById('merge-same').checked = true;"
                              "document.getElementById('merge-form').requestSubmit(); true");
    const bool merged = browser.wait_for(
        tab, "document.getElementById('merge-result').dataset.merged === 'yes'");
    browser.evaluate(tab, "document.getElementById('merge-form').scrollIntoView(); true");
    browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/dashboard-merge.png");
    REQUIRE(merged);
    CHECK(sql_count(of("SELECT merged_into FROM members WHERE id = ", gone)) == keep);
    CHECK(sql_count(of("SELECT count(*) FROM events WHERE member_id = ", keep)) == events_before);
    CHECK(sql_count(of("SELECT count(*) FROM cards WHERE member_id = ", keep)) == cards_before);
    CHECK(sql_count(of(balance.c_str(), keep)) == points_before);
    CHECK(sql_count(of(balance.c_str(), gone)) == 0);
    CHECK(sql_count("SELECT count(*) FROM audit_log WHERE action = 'merge-members' AND "
                    "outcome = 'ok' AND object = 'member:" + std::to_string(keep) + " merged:" +
                    std::to_string(gone) + "'") == 1);
    // The merged member's page says where they went.
    browser.navigate(tab, origin + "/members/" + std::to_string(gone));
    CHECK(browser.wait_for(tab, "document.getElementById('merged-into')"));
  }

  // The same from the command line, for two other members.
  {
    const std::int64_t keep = expected[4].id;
    const std::int64_t gone = expected[5].id;
    run_ok({testing::kRapportctl, "member", "merge", "--data", data.string(), "--keep",
            std::to_string(keep), "--merge", std::to_string(gone), "--by", "operator"});
    CHECK(sql_count("SELECT merged_into FROM members WHERE id = " + std::to_string(gone)) == keep);
    CHECK(sql_count("SELECT count(*) FROM points_postings WHERE kind = 'transfer' AND "
                    "staff_user = 'operator'") <= 1);
    CHECK(sql_count("SELECT count(*) FROM cards WHERE member_id = " + std::to_string(gone)) == 0);
  }

  // Another store's member who never came here: refused by the server, page and API.
  browser.navigate(tab, origin + "/members/" + std::to_string(stranger));
  CHECK(browser.evaluate(tab, "document.body.textContent.includes('Not one of your members')")
            .as_bool());
  CHECK(browser
            .evaluate(tab, "fetch('/api/members/" + std::to_string(stranger) +
                               "').then(r => r.status)")
            .to_number<int>() == 403);

  server.send_signal(SIGTERM);
  CHECK(server.wait(15s) == 0);
}
