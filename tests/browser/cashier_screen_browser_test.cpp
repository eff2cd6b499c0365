// tests/browser/cashier_screen_browser_test.cpp
//
// The cashier's screen (docs/cashier-screen.md) in a real headless Chromium against the real
// rapport-server and rapport-terminal: a cashier added with `rapport-terminal staff add`
// signs in with their PIN (a wrong PIN is refused first), a card typed at the terminal's
// console makes the greeting appear with the member's name and visit number, pushed to the
// page without a reload, with a birthday hint; the next scan counts one more visit; an unknown
// card is enrolled with the keyboard alone (the server gets the member, contact, consents,
// referrer and the answers as notes), greeted on its next scan with its last note as a prompt,
// whose answer and a new note are recorded; a bad read and a blocked card show what to do;
// with the server gone the page says offline and counts the waiting events. The audit names
// the cashier for every visit, enrollment and note. A second case, with the rewards rules on
// the server: a sale with two lines typed at the screen reaches both databases and earns its
// points, shown without a reload; a second sale is refunded whole (points reversed; again:
// refused); an offer is redeemed in one touch (recorded once, `shown` once per visit however
// often the panel refreshes); with the server gone a sale and a redemption go on, and after
// its restart each event is in its database exactly once. Screenshots go to tests/artifacts/.
// Skips (ctest reports it skipped) when Chromium is not installed.

#include <signal.h>

#include <memory>
#include <regex>

#include "server/storage/sqlite_schema.h"
#include "shared/card/card_number.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "tests/support/catch_result.h"
#include "tests/support/counter_rewards_rules.h"
#include "tests/support/headless_chromium.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ChildProcess;

namespace {

const std::string kPin = "482913";

std::string run_ok(const std::vector<std::string>& argv) {
  std::string out;
  const int status = testing::run(argv, &out);
  INFO(out);
  REQUIRE(status == 0);
  return out;
}

bool log_has(const std::filesystem::path& log, const std::string& text) {
  return testing::read_text(log).find(text) != std::string::npos;
}

std::string js_text(const std::string& id) {
  return "(document.getElementById('" + id + "').textContent || '')";
}

std::string js_hidden(const std::string& id) {
  return "document.getElementById('" + id + "').hidden";
}

// Real key presses through the browser's input pipeline (CDP Input), as a cashier types.
void press(testing::HeadlessChromium& browser, const std::string& tab, const std::string& key) {
  boost::json::object down{{"type", "keyDown"}, {"key", key}};
  if (key == "Tab") {
    down["code"] = "Tab";
    down["windowsVirtualKeyCode"] = 9;
  } else if (key == "Enter") {
    down["code"] = "Enter";
    down["windowsVirtualKeyCode"] = 13;
    down["text"] = "\r";
  } else if (key == " ") {
    down["code"] = "Space";
    down["windowsVirtualKeyCode"] = 32;
    down["text"] = " ";
  }
  boost::json::object up = down;
  up["type"] = "keyUp";
  up.erase("text");
  browser.call("Input.dispatchKeyEvent", down, tab);
  browser.call("Input.dispatchKeyEvent", up, tab);
}

void type(testing::HeadlessChromium& browser, const std::string& tab, const std::string& text) {
  browser.call("Input.insertText", {{"text", text}}, tab);
}

std::string focused(testing::HeadlessChromium& browser, const std::string& tab) {
  return std::string(
      browser.evaluate(tab, "document.activeElement ? document.activeElement.id : ''")
          .as_string());
}

// Today's month and day in 1990 (UTC): a birthday today.
std::string birthday_today() {
  return "1990" + to_iso8601(std::chrono::system_clock::now()).substr(4, 6);
}

// A chain (store S1) with Ada Lovelace as its member (`member_flags` added to `rapportctl
// member add`), terminal T1 syncing every 100 ms with the screen on `screen_port`, and the
// cashier ana with kPin. With `rules`, the server uses them as its rewards rules and the
// terminal pulls changed members every second (points and offers follow quickly).
struct ScreenChain {
  std::filesystem::path data;
  std::filesystem::path terminal_dir;
  std::filesystem::path toml_file;
  std::string card;  // Ada's, as printed ("6275 9900 ...")
};

ScreenChain set_up_chain(const testing::TempDir& dir, unsigned short screen_port,
                         const std::vector<std::string>& member_flags,
                         const std::string& rules = {}) {
  ScreenChain chain;
  chain.data = dir / "data";
  const auto data = chain.data.string();
  run_ok({testing::kRapportctl, "init", "--data", data, "--store", "S1", "--listen",
          "127.0.0.1:" + std::to_string(testing::free_port()), "--enroll-listen",
          "127.0.0.1:" + std::to_string(testing::free_port())});
  if (!rules.empty()) {
    write_file_atomically(chain.data / "rewards.toml", rules, false);
    write_file_atomically(chain.data / "server.toml",
                          testing::read_text(chain.data / "server.toml") +
                              "\n[rewards]\nrules = \"rewards.toml\"\n",
                          false);
  }
  std::vector<std::string> add{testing::kRapportctl, "member", "add", "--data", data,
                               "--name", "Ada Lovelace", "--store", "S1"};
  add.insert(add.end(), member_flags.begin(), member_flags.end());
  const auto added = run_ok(add);
  std::smatch match;
  REQUIRE(std::regex_search(added, match, std::regex("card ([0-9 ]{19})")));
  chain.card = match[1];
  run_ok({testing::kRapportctl, "terminal", "issue", "--data", data, "--id", "T1", "--store",
          "S1"});
  chain.terminal_dir = chain.data / "terminals" / "T1";
  chain.toml_file = chain.terminal_dir / "terminal.toml";
  auto toml = testing::read_text(chain.toml_file);
  toml = std::regex_replace(toml, std::regex("interval_ms = \\d+"), "interval_ms = 100");
  if (!rules.empty()) {
    toml = std::regex_replace(toml, std::regex("members_refresh_s = \\d+"),
                              "members_refresh_s = 1");
  }
  toml += "\n[screen]\nlisten = \"127.0.0.1:" + std::to_string(screen_port) + "\"\n";
  write_file_atomically(chain.toml_file, toml, false);

  ChildProcess staff({testing::kRapportTerminal, "staff", "add", "--config",
                      chain.toml_file.string(), "--name", "ana"},
                     dir / "staff-add.log");
  staff.write_stdin(kPin + "\n");
  staff.close_stdin();
  INFO(testing::read_text(dir / "staff-add.log"));
  REQUIRE(staff.wait(60s) == 0);
  return chain;
}

}  // namespace

TEST_CASE("A cashier signs in with a PIN and a scanned card is greeted on the screen",
          "[browser]") {
  const auto chromium = testing::HeadlessChromium::find();
  if (!chromium) {
    WARN("SKIPPED: chromium is not installed (Debian package chromium, scripts/install-deps.sh)");
    return;
  }
  testing::TempDir dir;
  const auto screen_port = testing::free_port();
  const auto chain = set_up_chain(dir, screen_port, {"--birth-date", birthday_today()});
  const auto& data = chain.data;
  const auto& card = chain.card;
  const auto& terminal_dir = chain.terminal_dir;
  const auto& toml_file = chain.toml_file;

  const auto server_log = dir / "server.log";
  ChildProcess server({testing::kRapportServer, "--config", (data / "server.toml").string()},
                      server_log);
  REQUIRE(testing::wait_until([&] { return log_has(server_log, "listening"); }, 30s));
  const auto terminal_log = dir / "terminal.log";
  ChildProcess terminal({testing::kRapportTerminal, "--config", toml_file.string()}, terminal_log);
  REQUIRE(testing::wait_until([&] { return log_has(terminal_log, "ready"); }, 30s));
  REQUIRE(log_has(terminal_log, "cashier screen listening"));

  // Accept exactly this terminal's key (its SPKI hash), as the store's kiosk browser would.
  const auto accept_key = testing::accept_certificate_flag(terminal_dir / "terminal.crt");
  testing::HeadlessChromium browser(*chromium, dir / "profile", dir / "chromium.log", {accept_key});
  const std::string origin = "https://127.0.0.1:" + std::to_string(screen_port);
  const std::string tab = browser.open_tab();
  browser.navigate(tab, origin + "/");
  REQUIRE(browser.wait_for(tab, "!document.getElementById('signin').hidden"));

  const auto sign_in = [&](const std::string& pin) {
    browser.evaluate(tab, "document.getElementById('name').value = 'ana';"
                          "document.getElementById('pin').value = '" + pin + "';"
                          "document.getElementById('signin-form').requestSubmit(); true");
  };
  // A wrong PIN is refused, and the page says so.
  sign_in("000000");
  REQUIRE(browser.wait_for(tab, "!document.getElementById('signin-error').hidden"));
  CHECK(browser.evaluate(tab, js_text("signin-error") + ".includes('wrong name or PIN')")
            .as_bool());
  CHECK(browser.evaluate(tab, "document.getElementById('screen').hidden").as_bool());

  sign_in(kPin);
  const bool signed_in = browser.wait_for(tab, "document.body.dataset.signedIn === 'ana'");
  if (!signed_in) browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-signin-failed.png");
  REQUIRE(signed_in);
  CHECK(browser.evaluate(tab, js_text("offers-empty") + ".includes('No offers yet')").as_bool());
  // A mark that a reload would wipe: the greeting must arrive without one.
  browser.evaluate(tab, "window.noReload = 'still here'; true");
  // Let the page's event stream connect before the first card (a page sees the scans made
  // after it connected).
  REQUIRE(browser.wait_for(tab, "document.body.dataset.live === 'yes'"));
  CHECK(browser.evaluate(tab, js_text("pending") + " === '0'").as_bool());

  terminal.write_stdin(card + "\n");
  const bool greeted = browser.wait_for(
      tab, js_text("member-name") + " === 'Ada Lovelace' && " + js_text("visits") + " === '1'",
      10s);
  if (!greeted) browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-greeting-failed.png");
  REQUIRE(greeted);
  CHECK(browser.evaluate(tab, js_text("last-visit") + " === 'first visit'").as_bool());
  CHECK(browser.evaluate(tab, "window.noReload === 'still here'").as_bool());
  CHECK_FALSE(browser.evaluate(tab, "document.getElementById('notes-empty').hidden").as_bool());
  CHECK(browser.evaluate(tab, js_text("birthday") + " === 'Birthday today' && !" +
                                  js_hidden("birthday"))
            .as_bool());
  CHECK(browser.evaluate(tab, js_hidden("prompt-form")).as_bool());  // no notes: no prompt
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-greeting.png");

  // The next scan counts one more visit, and tells when the last one was.
  terminal.write_stdin(card + "\n");
  REQUIRE(browser.wait_for(tab, js_text("visits") + " === '2'", 10s));
  CHECK(browser.evaluate(tab, js_text("last-visit") + " === 'just now'").as_bool());

  // A valid card this chain does not know: the message says what to do.
  terminal.write_stdin("6275997654321902\n");
  REQUIRE(browser.wait_for(tab, js_text("problem-title") + " === 'Unknown card'", 10s));
  CHECK(browser.evaluate(tab, js_text("problem-message") + ".includes('offer to enroll')")
            .as_bool());
  CHECK(browser.evaluate(tab, "document.getElementById('greeting').hidden").as_bool());
  CHECK(browser.evaluate(tab, js_text("problem-todo") + ".includes('Offer to enroll')").as_bool());

  // Enroll it with the keyboard alone: Enter on the offered button, then type and Tab.
  REQUIRE(browser.wait_for(tab, "document.activeElement.id === 'enroll-open'", 5s));
  CHECK(browser.evaluate(tab, js_text("enroll-last4") + " === '1902'").as_bool());
  const auto form_started = std::chrono::steady_clock::now();
  press(browser, tab, "Enter");
  REQUIRE(browser.wait_for(tab, "document.activeElement.id === 'enroll-name'", 5s));
  type(browser, tab, "Grace Hopper");
  press(browser, tab, "Tab");
  type(browser, tab, "+44 20 7946 0000");
  press(browser, tab, "Tab");
  type(browser, tab, "grace@example.org");
  press(browser, tab, "Tab");
  type(browser, tab, "1906-12-09");
  press(browser, tab, "Tab");
  CHECK(focused(browser, tab) == "enroll-marketing");
  press(browser, tab, " ");  // yes to marketing
  press(browser, tab, "Tab");
  CHECK(focused(browser, tab) == "enroll-personalisation");
  press(browser, tab, " ");  // no to tailored offers (it starts ticked)
  press(browser, tab, "Tab");
  CHECK(focused(browser, tab) == "enroll-channel");
  press(browser, tab, "Tab");
  CHECK(focused(browser, tab) == "enroll-referrer");
  type(browser, tab, card);  // referred by Ada
  press(browser, tab, "Tab");
  type(browser, tab, "flat white");
  press(browser, tab, "Tab");
  type(browser, tab, "oat milk, less sweet");
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-enroll-form.png");
  press(browser, tab, "Enter");  // submits the form
  const bool enrolled = browser.wait_for(tab, "!" + js_hidden("enrolled"), 10s);
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-enrolled.png");
  if (!enrolled) UNSCOPED_INFO(browser.evaluate(tab, js_text("enroll-error")).as_string().c_str());
  REQUIRE(enrolled);
  CHECK(browser.evaluate(tab, js_text("enrolled-message") + ".includes('Grace Hopper')")
            .as_bool());
  // 21 key presses and fields; the browser itself takes well under a second.
  CHECK(std::chrono::steady_clock::now() - form_started < 30s);

  // The server gets the member with contact, consents and referrer, and the answers as
  // preference notes (personal data in the members and notes tables only).
  REQUIRE(browser.wait_for(tab, js_text("pending") + " === '0'", 15s));
  {
    auto server_db =
        storage::Database::open(data / "rapport.db", server::kSqliteMigrations).value();
    auto member = server_db
                      .prepare("SELECT m.phone, m.email, m.marketing_consent, "
                               "m.personalisation_consent, m.birth_date, r.name, "
                               "(SELECT count(*) FROM notes n WHERE n.member_id = m.id "
                               " AND n.topic = 'preference') "
                               "FROM members m LEFT JOIN members r ON r.id = m.referred_by "
                               "WHERE m.name = 'Grace Hopper'")
                      .value();
    REQUIRE(member.step().value());
    CHECK(member.column_text(0) == "+44 20 7946 0000");
    CHECK(member.column_text(1) == "grace@example.org");
    CHECK(member.column_int64(2) == 1);
    CHECK(member.column_int64(3) == 0);
    CHECK(member.column_text(4) == "1906-12-09");
    CHECK(member.column_text(5) == "Ada Lovelace");
    CHECK(member.column_int64(6) == 2);
    auto events = server_db
                      .prepare("SELECT payload FROM events WHERE kind = 'enrollment'")
                      .value();
    REQUIRE(events.step().value());
    CHECK(events.column_text(0).find("grace") == std::string::npos);
    CHECK(events.column_text(0).find("7946") == std::string::npos);
  }

  // Her next scan greets her by name, with her last answer turned into a prompt.
  terminal.write_stdin("6275997654321902\n");
  REQUIRE(browser.wait_for(tab, js_text("member-name") + " === 'Grace Hopper'", 10s));
  CHECK(browser.evaluate(tab, js_text("visits") + " === '2'").as_bool());
  REQUIRE(browser.wait_for(tab, "!" + js_hidden("prompt-form"), 5s));
  CHECK(browser.evaluate(tab, js_text("prompt") +
                                  " === 'Last time: Could do better: oat milk, less sweet - ask "
                                  "how it was'")
            .as_bool());
  CHECK(browser.evaluate(tab, "document.getElementById('notes').children.length === 2")
            .as_bool());
  CHECK(focused(browser, tab) == "prompt-answer");
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-prompt.png");
  type(browser, tab, "much better now");
  press(browser, tab, "Enter");
  REQUIRE(browser.wait_for(tab, "document.body.dataset.notes === '1'", 10s));
  CHECK(browser.evaluate(tab, js_hidden("prompt-form")).as_bool());
  // A complaint, noted from the note form.
  browser.evaluate(tab, "document.getElementById('note-topic').value = 'complaint';"
                        "document.getElementById('note-text').focus(); true");
  type(browser, tab, "queue too long at noon");
  press(browser, tab, "Enter");
  REQUIRE(browser.wait_for(tab, "document.body.dataset.notes === '2'", 10s));
  CHECK(browser.evaluate(tab, "document.getElementById('notes').children.length === 4")
            .as_bool());
  // The next scan prompts with the newest note.
  terminal.write_stdin("6275997654321902\n");
  REQUIRE(browser.wait_for(tab, js_text("visits") + " === '3'", 10s));
  CHECK(browser.evaluate(tab, js_text("prompt") +
                                  " === 'Last time: queue too long at noon - ask how it was'")
            .as_bool());
  REQUIRE(browser.wait_for(tab, js_text("pending") + " === '0'", 15s));
  {
    auto server_db =
        storage::Database::open(data / "rapport.db", server::kSqliteMigrations).value();
    auto notes = server_db
                     .prepare("SELECT n.topic, n.text FROM notes n JOIN members m "
                              "ON m.id = n.member_id WHERE m.name = 'Grace Hopper' "
                              "ORDER BY n.noted_at, n.rowid")
                     .value();
    std::vector<std::string> seen;
    while (notes.step().value()) seen.push_back(notes.column_text(0) + "|" + notes.column_text(1));
    REQUIRE(seen.size() == 4);
    CHECK(seen[2] == "feedback|Asked about \"Could do better: oat milk, less sweet\": much "
                     "better now");
    CHECK(seen[3] == "complaint|queue too long at noon");
  }

  // A bad read: nothing recorded, scan again.
  terminal.write_stdin("1234\n");
  REQUIRE(browser.wait_for(tab, js_text("problem-title") + " === 'Card not read'", 10s));
  CHECK(browser.evaluate(tab, js_text("problem-message") + ".includes('scan again')").as_bool());
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-bad-read.png");
  CHECK(browser.evaluate(tab, js_text("problem-todo") + ".includes('Scan again')").as_bool());
  // A forged member token (not signed by the chain): refused, with what to do.
  terminal.write_stdin("RPT:" + std::string(40, 'A') + "\n");
  REQUIRE(browser.wait_for(tab, js_text("problem-title") + " === 'Card refused'", 10s));
  CHECK(browser.evaluate(tab, js_text("problem-todo") + ".includes('forged')").as_bool());

  // The server goes away: the page says offline and counts what waits in the outbox.
  REQUIRE(browser.wait_for(tab, js_text("pending") + " === '0'", 15s));
  server.send_signal(SIGKILL);
  CHECK(server.wait(10s) == 128 + SIGKILL);
  terminal.write_stdin(card + "\n");
  REQUIRE(browser.wait_for(tab, js_text("member-name") + " === 'Ada Lovelace' && " +
                                    js_text("visits") + " === '3'", 10s));
  const bool offline = browser.wait_for(
      tab, "!document.getElementById('offline').hidden && " + js_text("pending") + " === '1'",
      15s);
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-offline.png");
  CHECK(offline);

  // Ada lost her card: found by name and given a new one, offline, from the local store.
  const auto new_card = card::CardNumber::generate("627599");
  browser.evaluate(tab, "document.getElementById('find-query').focus(); true");
  type(browser, tab, "lovel");
  press(browser, tab, "Enter");
  REQUIRE(browser.wait_for(tab, "document.activeElement.dataset.member !== undefined", 10s));
  CHECK(browser.evaluate(tab, js_text("found") + ".includes('Ada Lovelace')").as_bool());
  press(browser, tab, "Enter");  // "Card NNNN lost: replace"
  REQUIRE(browser.wait_for(tab, "document.activeElement.id === 'replace-card'", 5s));
  type(browser, tab, new_card.digits());
  press(browser, tab, "Enter");
  const bool replaced = browser.wait_for(tab, "document.body.dataset.replaced !== undefined", 10s);
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-replaced.png");
  if (!replaced) UNSCOPED_INFO(browser.evaluate(tab, js_text("find-result")).as_string().c_str());
  REQUIRE(replaced);

  // The lost card is now blocked: refused with what to do, nothing recorded.
  terminal.write_stdin(card + "\n");
  REQUIRE(browser.wait_for(tab, js_text("problem-title") + " === 'Blocked card'", 10s));
  CHECK(browser.evaluate(tab, js_text("problem-message") + ".includes('BLOCKED')").as_bool());
  CHECK(browser.evaluate(tab, js_text("problem-todo") + ".includes('Do not accept this card')")
            .as_bool());
  CHECK(browser.evaluate(tab, js_hidden("enroll-open")).as_bool());
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-blocked.png");
  // The new card greets her with her history: visit 4.
  terminal.write_stdin(new_card.digits() + "\n");
  REQUIRE(browser.wait_for(tab, js_text("member-name") + " === 'Ada Lovelace' && " +
                                    js_text("visits") + " === '4'", 10s));
  REQUIRE(browser.wait_for(tab, js_text("pending") + " === '3'", 10s));  // visit, link, visit

  terminal.close_stdin();
  CHECK(terminal.wait(30s) == 0);

  // Every visit recorded while ana was signed in names her in the audit.
  auto db = terminal::open_local_database(terminal_dir / "terminal.db").value();
  auto select = db.prepare("SELECT count(*), count(DISTINCT a.event_id) FROM staff_actions a "
                           "JOIN staff s ON s.id = a.staff_id "
                           "WHERE s.name = 'ana' AND a.action = 'visit'")
                    .value();
  REQUIRE(select.step().value());
  // Four of Ada's visits, the unknown card's and two of Grace's (the blocked card: none).
  CHECK(select.column_int64(0) == 7);
  CHECK(select.column_int64(1) == 7);
  auto others = db.prepare("SELECT a.action, count(*) FROM staff_actions a "
                           "JOIN staff s ON s.id = a.staff_id WHERE s.name = 'ana' "
                           "AND a.action <> 'visit' GROUP BY a.action ORDER BY a.action")
                    .value();
  REQUIRE(others.step().value());
  CHECK(others.column_text(0) == "enroll");
  CHECK(others.column_int64(1) == 1);
  REQUIRE(others.step().value());
  CHECK(others.column_text(0) == "note");
  CHECK(others.column_int64(1) == 4);  // two answers at enrollment, the prompt's, the complaint
  REQUIRE(others.step().value());
  CHECK(others.column_text(0) == "replace-card");
  CHECK(others.column_int64(1) == 1);
  auto linked = db.prepare("SELECT payload FROM outbox WHERE kind = 'card_linked'").value();
  REQUIRE(linked.step().value());
  CHECK(linked.column_text(0).find("\"replaces_card\":true") != std::string::npos);
  auto hashes = db.prepare("SELECT pin_hash FROM staff WHERE name = 'ana'").value();
  REQUIRE(hashes.step().value());
  CHECK(hashes.column_text(0).rfind("scrypt$", 0) == 0);
  CHECK(hashes.column_text(0).find(kPin) == std::string::npos);
}

namespace {

// The first column of the first row of `sql` on the server's (or the terminal's) database.
std::int64_t sql_count(const std::filesystem::path& file, const std::string& sql,
                       bool server_file) {
  auto db = server_file ? storage::Database::open(file, server::kSqliteMigrations).value()
                        : terminal::open_local_database(file).value();
  auto stmt = db.prepare(sql).value();
  REQUIRE(stmt.step().value());
  return stmt.column_int64(0);
}

std::string js_string(const std::string& expression, testing::HeadlessChromium& browser,
                      const std::string& tab) {
  const auto value = browser.evaluate(tab, expression);
  return value.is_string() ? std::string(value.as_string()) : std::string();
}

}  // namespace

TEST_CASE("From the screen a cashier records a sale, refunds it, redeems an offer in one touch "
          "and goes on offline",
          "[browser]") {
  const auto chromium = testing::HeadlessChromium::find();
  if (!chromium) {
    WARN("SKIPPED: chromium is not installed (Debian package chromium, scripts/install-deps.sh)");
    return;
  }
  testing::TempDir dir;
  const auto screen_port = testing::free_port();
  const auto chain = set_up_chain(dir, screen_port, {}, testing::kCounterRewardsRulesWithPastry);
  const auto& data = chain.data;
  const auto& card = chain.card;
  const auto& terminal_dir = chain.terminal_dir;
  const auto& toml_file = chain.toml_file;
  const auto server_db = data / "rapport.db";
  const auto terminal_db = terminal_dir / "terminal.db";
  const auto on_server = [&](const std::string& sql) { return sql_count(server_db, sql, true); };
  const auto on_terminal = [&](const std::string& sql) {
    return sql_count(terminal_db, sql, false);
  };

  auto server = std::make_unique<ChildProcess>(
      std::vector<std::string>{testing::kRapportServer, "--config",
                               (data / "server.toml").string()},
      dir / "server.log");
  REQUIRE(testing::wait_until([&] { return log_has(dir / "server.log", "listening"); }, 30s));
  const auto terminal_log = dir / "terminal.log";
  ChildProcess terminal({testing::kRapportTerminal, "--config", toml_file.string()}, terminal_log);
  REQUIRE(testing::wait_until([&] { return log_has(terminal_log, "ready"); }, 30s));
  // Ada and her two offers have reached the terminal's store.
  REQUIRE(testing::wait_until(
      [&] { return on_terminal("SELECT count(*) FROM member_offers") == 2; }, 20s));

  const auto accept_key = testing::accept_certificate_flag(terminal_dir / "terminal.crt");
  testing::HeadlessChromium browser(*chromium, dir / "profile", dir / "chromium.log", {accept_key});
  const std::string tab = browser.open_tab();
  browser.navigate(tab, "https://127.0.0.1:" + std::to_string(screen_port) + "/");
  REQUIRE(browser.wait_for(tab, "!document.getElementById('signin').hidden"));
  browser.evaluate(tab, "document.getElementById('name').value = 'ana';"
                        "document.getElementById('pin').value = '" + kPin + "';"
                        "document.getElementById('signin-form').requestSubmit(); true");
  REQUIRE(browser.wait_for(tab, "document.body.dataset.live === 'yes'"));
  browser.evaluate(tab, "window.noReload = 'still here'; true");

  // Ada is greeted with today's offers, both beyond her 0 points: "N points to go", disabled.
  terminal.write_stdin(card + "\n");
  REQUIRE(browser.wait_for(tab, js_text("member-name") + " === 'Ada Lovelace'", 10s));
  REQUIRE(browser.wait_for(tab, "!!document.getElementById('offer-redeem-free-coffee')", 5s));
  CHECK(browser.evaluate(tab, js_hidden("offers-empty")).as_bool());
  CHECK(browser.evaluate(tab, "document.getElementById('offer-redeem-free-coffee').disabled")
            .as_bool());
  CHECK(js_string(js_text("offer-redeem-free-coffee"), browser, tab) == "150 points to go");
  CHECK(js_string(js_text("offer-redeem-free-pastry"), browser, tab) == "50 points to go");
  CHECK(browser.evaluate(tab, js_hidden("refund-form")).as_bool());  // no sales here yet
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-offers-to-go.png");

  // A sale with two lines, typed with the keyboard alone: 100.00 of coffee beans (x2 points)
  // and a 50.00 mug: 250 points once the server has it.
  browser.evaluate(tab, "document.getElementById('sale-product-1').focus(); true");
  type(browser, tab, "Coffee beans");
  press(browser, tab, "Tab");
  type(browser, tab, "coffee");
  press(browser, tab, "Tab");  // quantity 1, as filled in
  press(browser, tab, "Tab");
  type(browser, tab, "100.00");
  press(browser, tab, "Tab");
  CHECK(focused(browser, tab) == "sale-add-line");
  press(browser, tab, "Enter");
  REQUIRE(browser.wait_for(tab, "document.activeElement.id === 'sale-product-2'", 5s));
  type(browser, tab, "Mug");
  press(browser, tab, "Tab");
  type(browser, tab, "merchandise");
  press(browser, tab, "Tab");
  press(browser, tab, "Tab");
  type(browser, tab, "50");
  CHECK(js_string(js_text("sale-total"), browser, tab) == "150.00");
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-sale-form.png");
  press(browser, tab, "Enter");
  const bool sold = browser.wait_for(tab, "document.body.dataset.sale !== undefined", 10s);
  if (!sold) UNSCOPED_INFO(js_string(js_text("sale-result"), browser, tab));
  REQUIRE(sold);
  const auto sale_id = js_string("document.body.dataset.sale", browser, tab);
  CHECK(js_string(js_text("sale-result"), browser, tab) ==
        "Sale of 150.00 recorded for Ada Lovelace.");
  CHECK(on_terminal("SELECT count(*) FROM staff_actions a JOIN staff s ON s.id = a.staff_id "
                    "WHERE s.name = 'ana' AND a.action = 'purchase' AND a.event_id = '" +
                    sale_id + "'") == 1);
  CHECK(on_terminal("SELECT total_cents FROM local_sales WHERE event_id = '" + sale_id + "'") ==
        15000);
  // Synced: the server has it with both lines, and Ada's 250 points reach the page, which
  // unlocks the coffee, without a reload.
  const bool earned = browser.wait_for(tab, js_text("points") + " === '250'", 20s);
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-sale-recorded.png");
  REQUIRE(earned);
  CHECK(browser.evaluate(tab, "window.noReload === 'still here'").as_bool());
  CHECK(on_server("SELECT count(*) FROM events WHERE id = '" + sale_id +
                  "' AND kind = 'purchase' AND json_array_length(payload, '$.lines') = 2") == 1);
  CHECK(on_server("SELECT amount_cents FROM purchases WHERE event_id = '" + sale_id + "'") ==
        15000);
  REQUIRE(browser.wait_for(
      tab, "!document.getElementById('offer-redeem-free-coffee').disabled", 10s));
  CHECK(js_string(js_text("offer-redeem-free-coffee"), browser, tab) == "Redeem");

  // A second sale (20.00 of food: 20 points), refunded whole: the points are reversed.
  browser.evaluate(tab, "document.getElementById('sale-product-1').focus(); true");
  type(browser, tab, "Sandwich");
  press(browser, tab, "Tab");
  type(browser, tab, "food");
  press(browser, tab, "Tab");
  press(browser, tab, "Tab");
  type(browser, tab, "20");
  press(browser, tab, "Enter");
  REQUIRE(browser.wait_for(tab, "document.body.dataset.sale !== '" + sale_id + "'", 10s));
  const auto second_id = js_string("document.body.dataset.sale", browser, tab);
  REQUIRE(browser.wait_for(tab, js_text("points") + " === '270'", 20s));
  REQUIRE(browser.wait_for(tab, "!!document.getElementById('refund-sale-" + second_id + "')", 5s));
  browser.evaluate(tab, "document.getElementById('refund-sale-" + second_id + "').focus(); true");
  press(browser, tab, " ");
  browser.evaluate(tab, "document.getElementById('refund-submit').focus(); true");
  press(browser, tab, "Enter");
  const bool refunded = browser.wait_for(tab, "document.body.dataset.refund !== undefined", 10s);
  if (!refunded) UNSCOPED_INFO(js_string(js_text("refund-result"), browser, tab));
  REQUIRE(refunded);
  CHECK(js_string(js_text("refund-result"), browser, tab) ==
        "Refunded 20.00 of that sale to Ada Lovelace.");
  REQUIRE(browser.wait_for(tab, js_text("points") + " === '250'", 20s));
  REQUIRE(browser.wait_for(
      tab, "document.getElementById('refund-sale-" + second_id + "').disabled", 5s));
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-refunded.png");
  CHECK(on_server("SELECT refunded_cents FROM purchases WHERE event_id = '" + second_id + "'") ==
        2000);
  CHECK(on_server("SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_id = 1") ==
        250);
  // Refunding it again, or a sale that is not hers here, is refused with what to do.
  const auto refuse = [&](const std::string& sale) {
    return js_string("post('/api/refund', {scan: currentScan, sale: '" + sale +
                         "'}).then(r => r.json()).then(a => a.error || 'ok')",
                     browser, tab);
  };
  CHECK(refuse(second_id).find("refunded already") != std::string::npos);
  CHECK(refuse("not-a-sale").find("not one of this member's recent sales") != std::string::npos);

  // One touch redeems the coffee; the server has the redemption once and Ada 100 points.
  browser.evaluate(tab, "document.getElementById('offer-redeem-free-coffee').focus(); true");
  press(browser, tab, "Enter");
  const bool redeemed = browser.wait_for(tab, "document.body.dataset.redeemed !== undefined", 10s);
  if (!redeemed) UNSCOPED_INFO(js_string(js_text("offer-result"), browser, tab));
  REQUIRE(redeemed);
  const auto redemption_id = js_string("document.body.dataset.redeemed", browser, tab);
  CHECK(js_string(js_text("offer-result"), browser, tab).find("redeemed for Ada Lovelace") !=
        std::string::npos);
  REQUIRE(browser.wait_for(tab, js_text("points") + " === '100'", 10s));
  // A goodwill gesture within ana's limit.
  browser.evaluate(tab, "document.getElementById('gesture-points').focus(); true");
  type(browser, tab, "20");
  press(browser, tab, "Tab");
  type(browser, tab, "long wait");
  press(browser, tab, "Enter");
  REQUIRE(browser.wait_for(tab, "document.body.dataset.gesture !== undefined", 10s));
  REQUIRE(browser.wait_for(tab, js_text("points") + " === '120'", 10s));
  REQUIRE(browser.wait_for(tab, js_text("pending") + " === '0'", 15s));
  CHECK(on_server("SELECT count(*) FROM events WHERE id = '" + redemption_id +
                  "' AND kind = 'redemption'") == 1);
  CHECK(on_server("SELECT count(*) FROM offer_events WHERE offer_id = 'free-coffee' AND "
                  "outcome = 'accepted'") == 1);
  // The offers were put in front of Ada once, at her scan: two `shown`, however many times
  // the page has refreshed its panel since (and a reload adds none).
  browser.navigate(tab, "https://127.0.0.1:" + std::to_string(screen_port) + "/");
  REQUIRE(browser.wait_for(tab, "document.body.dataset.live === 'yes'"));
  CHECK(on_terminal("SELECT count(*) FROM outbox WHERE kind = 'offer_response'") == 0);
  CHECK(on_server("SELECT count(*) FROM events WHERE kind = 'offer_response' AND "
                  "json_extract(payload, '$.outcome') = 'shown'") == 2);

  // Offline: the server goes away; a sale and a redemption go on from the local store.
  terminal.write_stdin(card + "\n");
  REQUIRE(browser.wait_for(tab, js_text("member-name") + " === 'Ada Lovelace'", 10s));
  REQUIRE(browser.wait_for(tab, js_text("pending") + " === '0'", 15s));
  server->send_signal(SIGKILL);
  CHECK(server->wait(10s) == 128 + SIGKILL);
  REQUIRE(browser.wait_for(tab, "!!document.getElementById('offer-redeem-free-pastry') && "
                                "!document.getElementById('offer-redeem-free-pastry').disabled",
                           10s));
  browser.evaluate(tab, "document.getElementById('sale-product-1').focus(); true");
  type(browser, tab, "Tea");
  press(browser, tab, "Tab");
  type(browser, tab, "tea");
  press(browser, tab, "Tab");
  press(browser, tab, "Tab");
  type(browser, tab, "4.00");
  press(browser, tab, "Enter");
  // (The reload above cleared the page's marks.)
  REQUIRE(browser.wait_for(tab, "document.body.dataset.sale !== undefined", 10s));
  const auto offline_sale = js_string("document.body.dataset.sale", browser, tab);
  browser.evaluate(tab, "document.getElementById('offer-redeem-free-pastry').focus(); true");
  press(browser, tab, "Enter");
  REQUIRE(browser.wait_for(tab, "document.body.dataset.redeemed !== undefined", 10s));
  const auto offline_redemption = js_string("document.body.dataset.redeemed", browser, tab);
  CHECK(js_string(js_text("offer-result"), browser, tab).find("offline") != std::string::npos);
  REQUIRE(browser.wait_for(tab, "!document.getElementById('offline').hidden", 15s));
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-offline-sale-redeem.png");
  CHECK(on_terminal("SELECT count(*) FROM outbox WHERE id IN ('" + offline_sale + "', '" +
                    offline_redemption + "')") == 2);

  // The server is back: each event is in its database exactly once.
  server = std::make_unique<ChildProcess>(
      std::vector<std::string>{testing::kRapportServer, "--config",
                               (data / "server.toml").string()},
      dir / "server-again.log");
  REQUIRE(testing::wait_until([&] { return log_has(dir / "server-again.log", "listening"); },
                              30s));
  REQUIRE(browser.wait_for(tab, js_text("pending") + " === '0'", 30s));
  for (const auto& id : {sale_id, second_id, offline_sale, offline_redemption, redemption_id}) {
    INFO(id);
    CHECK(on_server("SELECT count(*) FROM events WHERE id = '" + id + "'") == 1);
  }
  CHECK(on_server("SELECT count(*) FROM events WHERE kind = 'purchase'") == 3);
  CHECK(on_server("SELECT count(*) FROM events WHERE kind = 'redemption'") == 2);
  CHECK(on_server("SELECT count(*) FROM events WHERE kind = 'refund'") == 1);

  terminal.close_stdin();
  CHECK(terminal.wait(30s) == 0);
  // Every action names ana in the audit.
  CHECK(on_terminal("SELECT count(*) FROM staff_actions a JOIN staff s ON s.id = a.staff_id "
                    "WHERE s.name = 'ana' AND a.action IN ('purchase', 'refund', 'redeem', "
                    "'gesture')") == 7);  // 3 sales, 1 refund, 2 redemptions, 1 gesture
}
