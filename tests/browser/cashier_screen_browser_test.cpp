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
// the cashier for every visit, enrollment and note. Screenshots go to tests/artifacts/.
// Skips (ctest reports it skipped) when Chromium is not installed.

#include <signal.h>

#include "server/storage/sqlite_schema.h"
#include "shared/card/card_number.h"
#include "shared/util/clock.h"
#include "terminal/local_database.h"
#include "tests/support/cashier_stack.h"
#include "tests/support/catch_result.h"
#include "tests/support/headless_chromium.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;

namespace {

const std::string kPin = testing::CashierStack::kPin;

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

}  // namespace

TEST_CASE("A cashier signs in with a PIN and a scanned card is greeted on the screen",
          "[browser]") {
  const auto chromium = testing::HeadlessChromium::find();
  if (!chromium) {
    WARN("SKIPPED: chromium is not installed (Debian package chromium, scripts/install-deps.sh)");
    return;
  }
  testing::TempDir dir;
  testing::CashierStackOptions options;
  options.member_birth_date = birthday_today();
  testing::CashierStack stack(dir.path(), options);
  const auto data = stack.data();
  const auto terminal_dir = stack.terminal_dir();
  const std::string card = stack.card();
  stack.start_server();
  stack.start_terminal();
  auto& terminal = stack.terminal();

  // Accept exactly this terminal's key (its SPKI hash), as the store's kiosk browser would.
  testing::HeadlessChromium browser(*chromium, dir / "profile", dir / "chromium.log",
                                    {stack.accept_certificate_flag()});
  const std::string origin = stack.screen_origin();
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
  CHECK(stack.stop_server(SIGKILL) == 128 + SIGKILL);
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
