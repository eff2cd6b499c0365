// tests/browser/cashier_screen_browser_test.cpp
//
// The cashier's screen (docs/cashier-screen.md) in a real headless Chromium against the real
// rapport-server and rapport-terminal: a cashier added with `rapport-terminal staff add`
// signs in with their PIN (a wrong PIN is refused first), a card typed at the terminal's
// console makes the greeting appear with the member's name and visit number, pushed to the
// page without a reload; the next scan counts one more visit; an unknown card and a bad read
// show what to do; with the server gone the page says offline and counts the waiting events.
// The audit names the cashier for every visit. Screenshots go to tests/artifacts/.
// Skips (ctest reports it skipped) when Chromium is not installed.

#include <signal.h>

#include <regex>

#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "tests/support/catch_result.h"
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

}  // namespace

TEST_CASE("A cashier signs in with a PIN and a scanned card is greeted on the screen",
          "[browser]") {
  const auto chromium = testing::HeadlessChromium::find();
  if (!chromium) {
    WARN("SKIPPED: chromium is not installed (Debian package chromium, scripts/install-deps.sh)");
    return;
  }
  testing::TempDir dir;
  const auto data = dir / "data";
  const auto sync_port = testing::free_port();
  const auto screen_port = testing::free_port();
  run_ok({testing::kRapportctl, "init", "--data", data.string(), "--store", "S1", "--listen",
          "127.0.0.1:" + std::to_string(sync_port), "--enroll-listen",
          "127.0.0.1:" + std::to_string(testing::free_port())});
  const auto added = run_ok({testing::kRapportctl, "member", "add", "--data", data.string(),
                             "--name", "Ada Lovelace", "--store", "S1"});
  std::smatch match;
  REQUIRE(std::regex_search(added, match, std::regex("card ([0-9 ]{19})")));
  const std::string card = match[1];
  run_ok({testing::kRapportctl, "terminal", "issue", "--data", data.string(), "--id", "T1",
          "--store", "S1"});
  const auto terminal_dir = data / "terminals" / "T1";
  const auto toml_file = terminal_dir / "terminal.toml";
  auto toml = testing::read_text(toml_file);
  toml = std::regex_replace(toml, std::regex("interval_ms = \\d+"), "interval_ms = 100");
  toml += "\n[screen]\nlisten = \"127.0.0.1:" + std::to_string(screen_port) + "\"\n";
  write_file_atomically(toml_file, toml, false);

  {
    ChildProcess add({testing::kRapportTerminal, "staff", "add", "--config", toml_file.string(),
                      "--name", "ana"},
                     dir / "staff-add.log");
    add.write_stdin(kPin + "\n");
    add.close_stdin();
    INFO(testing::read_text(dir / "staff-add.log"));
    REQUIRE(add.wait(60s) == 0);
  }

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
  // A bad read: nothing recorded, scan again.
  terminal.write_stdin("1234\n");
  REQUIRE(browser.wait_for(tab, js_text("problem-title") + " === 'Card not read'", 10s));
  CHECK(browser.evaluate(tab, js_text("problem-message") + ".includes('scan again')").as_bool());
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-bad-read.png");

  // The server goes away: the page says offline and counts what waits in the outbox.
  REQUIRE(browser.wait_for(tab, js_text("pending") + " === '0'", 15s));
  server.send_signal(SIGKILL);
  CHECK(server.wait(10s) == 128 + SIGKILL);
  terminal.write_stdin(card + "\n");
  REQUIRE(browser.wait_for(tab, js_text("visits") + " === '3'", 10s));
  const bool offline = browser.wait_for(
      tab, "!document.getElementById('offline').hidden && " + js_text("pending") + " === '1'",
      15s);
  browser.screenshot(tab, RAPPORT_TEST_ARTIFACTS_DIR "/cashier-offline.png");
  CHECK(offline);

  terminal.close_stdin();
  CHECK(terminal.wait(30s) == 0);

  // Every visit recorded while ana was signed in names her in the audit.
  auto db = terminal::open_local_database(terminal_dir / "terminal.db").value();
  auto select = db.prepare("SELECT count(*), count(DISTINCT a.event_id) FROM staff_actions a "
                           "JOIN staff s ON s.id = a.staff_id "
                           "WHERE s.name = 'ana' AND a.action = 'visit'")
                    .value();
  REQUIRE(select.step().value());
  CHECK(select.column_int64(0) == 4);  // three of Ada's visits and the unknown card's
  CHECK(select.column_int64(1) == 4);
  auto hashes = db.prepare("SELECT pin_hash FROM staff WHERE name = 'ana'").value();
  REQUIRE(hashes.step().value());
  CHECK(hashes.column_text(0).rfind("scrypt$", 0) == 0);
  CHECK(hashes.column_text(0).find(kPin) == std::string::npos);
}
