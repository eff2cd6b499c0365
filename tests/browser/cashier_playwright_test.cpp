// tests/browser/cashier_playwright_test.cpp
//
// Issue 9's acceptance tests in Debian's headless chromium driven by playwright-core
// (docs/cashier-screen.md, "Browser tests"). Each test case builds the real fixture here:
// rapport-server, rapport-terminal reading cards from an emulated USB scanner through its own
// libusb driver (umockdev: the testbed lives in this process, the terminal runs with
// umockdev's preload library, as under umockdev-run), then runs scenarios of a spec in
// tests/browser-pw/ (PlaywrightHarness) and checks the databases with its own SQL.
//
// When node, playwright-core (as the lockfile pins it) or chromium is missing, every test
// here FAILS saying what to run (scripts/install-deps.sh, npm ci): acceptance tests that
// quietly skip would let the acceptance lapse.

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "server/storage/sqlite_schema.h"
#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/storage/database.h"
#include "terminal/local_database.h"
#include "tests/browser/playwright_harness.h"
#include "tests/support/cashier_stack.h"
#include "tests/support/counter_rewards_rules.h"
#include "tests/support/temp_dir.h"
#include "tests/support/terminal_store_fill.h"
#include "tests/support/usb_testbed.h"

using namespace rapport;
using namespace rapport::testing;
using namespace std::chrono_literals;

namespace {

// rapport-terminal on this process's umockdev testbed: umockdev's preload library, and ASan
// told that it comes first (as the ctest of rapport-readers under umockdev-run does).
std::vector<std::string> emulated_usb_environment() {
  const char* asan = std::getenv("ASAN_OPTIONS");
  std::string options = asan != nullptr && *asan != '\0' ? std::string(asan) + ":" : "";
  return {"LD_PRELOAD=libumockdev-preload.so.0",
          "ASAN_OPTIONS=" + options + "verify_asan_link_order=0"};
}

constexpr const char* kIssuerPrefix = "627599";  // the chain's, as `rapportctl init` writes it

// The fixture of one test case: everything is stopped and removed at the end.
// `store_members`: synthetic members (and cards) filled into the terminal's store before it
// starts, ids from kFilledFirstId on (the server does not know them), so the greeting is
// timed against a store of issue 9's size.
struct Fixture {
  static constexpr std::int64_t kFilledFirstId = 10'000'000;

  explicit Fixture(CashierStackOptions options, std::size_t store_members = 0)
      : reader(testbed.plug(EmulatedReaderSpec{})),  // a Honeywell keyboard-mode scanner
        stack(dir.path(), with_usb(std::move(options))),
        harness(stack, reader, dir.path()) {
    if (store_members > 0) {
      const auto key = card::CardKey::load(stack.terminal_dir() / "card.key");
      if (!key) throw std::runtime_error("the terminal's card key: " + key.error().message());
      fill_terminal_store(stack.terminal_db(), *key, kIssuerPrefix, store_members, kFilledFirstId);
    }
    stack.start_server();
    stack.start_terminal();
    if (!wait_until([&] { return log_has(stack.terminal_log(), "card reader attached"); }, 20s) ||
        !reader.wait_until_reading(10s)) {
      throw std::runtime_error("rapport-terminal did not open the emulated reader:\n" +
                               read_text(stack.terminal_log()));
    }
  }

  static CashierStackOptions with_usb(CashierStackOptions options) {
    options.terminal_environment = emulated_usb_environment();
    return options;
  }

  TempDir dir;
  UsbTestbed testbed;
  EmulatedReader& reader;
  CashierStack stack;
  PlaywrightHarness harness;
};

void require_prerequisites() {
  if (auto missing = playwright_missing()) FAIL(*missing);
}

void require_passed(const ScenarioResult& result) {
  INFO("the script's log, " << result.log << ":\n" << read_text(result.log));
  for (const auto& failure : result.failures) UNSCOPED_INFO("harness: " << failure);
  CHECK(result.failures.empty());
  REQUIRE(result.exit_status == 0);
  REQUIRE(result.done);
}

std::int64_t server_count(const CashierStack& stack, const std::string& sql) {
  auto db = storage::Database::open(stack.server_db(), server::kSqliteMigrations).value();
  auto stmt = db.prepare(sql).value();
  REQUIRE(stmt.step().value());
  return stmt.column_int64(0);
}

std::int64_t terminal_count(const CashierStack& stack, const std::string& sql) {
  auto db = terminal::open_local_database(stack.terminal_db()).value();
  auto stmt = db.prepare(sql).value();
  REQUIRE(stmt.step().value());
  return stmt.column_int64(0);
}

void require_outbox_drained(const CashierStack& stack) {
  REQUIRE(wait_until([&] { return terminal_count(stack, "SELECT count(*) FROM outbox") == 0; },
                     20s));
}

const std::string kAdaEvents =
    "SELECT count(*) FROM events e JOIN members m ON m.id = e.member_id "
    "WHERE m.name = 'Ada Lovelace' AND e.kind = ";

}  // namespace

// One fixture and one browser for the four scenarios, in turn (each from a signed-out page):
// starting them is most of the time, and CI time counts. The log says which scenario failed.
TEST_CASE("Acceptance scenarios - greeting and visit count, enrollment, offline sales exactly "
          "once, greeting latency",
          "[browser][playwright]") {
  require_prerequisites();
  CashierStackOptions options;
  options.pos_api = true;
  // Issue 9: "p99 under 50 ms with 1,000,000 members in the terminal's store".
  constexpr std::size_t kStoreMembers = 1'000'000;
  Fixture f(options, kStoreMembers);
  const auto unknown = card::CardNumber::generate(kIssuerPrefix).digits();
  // 200 reads: with 50 the p99 is only the worst sample, one hiccup of the machine.
  constexpr std::size_t kLatencyScans = 200;
  const auto result = f.harness.run("cashier.spec.js", "greeting,enroll,offline,latency",
                                    {{"unknown_card", unknown},
                                     {"scans", std::to_string(kLatencyScans)}},
                                    240s);
  require_passed(result);
  require_outbox_drained(f.stack);

  // greeting: 2 reads of Ada; offline: 2 reads and 3 POS sales (one sent twice by the POS),
  // each once; latency: kLatencyScans reads.
  CHECK(server_count(f.stack, kAdaEvents + "'visit'") == 2 + 2 + kLatencyScans);
  CHECK(server_count(f.stack, kAdaEvents + "'purchase'") == 3);
  // enroll: the member with the contact typed, one enrollment, and her two reads (the unknown
  // card's, then the greeting).
  CHECK(server_count(f.stack, "SELECT count(*) FROM members WHERE name = 'Grace Hopper' AND "
                              "phone = '+44 20 7946 0000' AND email = 'grace@example.org'") == 1);
  CHECK(server_count(f.stack, "SELECT count(*) FROM events e JOIN members m ON "
                              "m.id = e.member_id WHERE m.name = 'Grace Hopper' AND "
                              "e.kind = 'enrollment'") == 1);
  CHECK(server_count(f.stack, "SELECT count(*) FROM events e JOIN members m ON "
                              "m.id = e.member_id WHERE m.name = 'Grace Hopper' AND "
                              "e.kind = 'visit'") == 2);
  // Every visit names the signed-in cashier in the terminal's audit.
  CHECK(terminal_count(f.stack, "SELECT count(*) FROM staff_actions a JOIN staff s "
                                "ON s.id = a.staff_id WHERE s.name = 'ana' AND "
                                "a.action = 'visit'") ==
        server_count(f.stack, "SELECT count(*) FROM events WHERE kind = 'visit'"));

  for (const char* label : {"dom", "frame"}) {
    const auto& samples = result.latencies_ms.at(label);
    CHECK(samples.size() == kLatencyScans);
    // Figures, not assertions (docs/performance.md, "Greeting in the browser").
    std::printf("greeting latency (%s), %zu card reads on the emulated reader, %zu filled "
                "members in the terminal's store too: p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms\n",
                label, samples.size(), kStoreMembers, percentile(samples, 0.5),
                percentile(samples, 0.95),
                percentile(samples, 0.99), percentile(samples, 1.0));
  }
}

// Keyboard alone (rewards.spec.js): every action reached with Tab and done with Enter or
// Space; the greeting's type and controls measured for arm's length and touch; then a
// goodwill gesture given by touch alone.
TEST_CASE("A sale, one-touch redeem and a refund on the screen with the keyboard alone, a "
          "gesture by touch",
          "[browser][playwright]") {
  require_prerequisites();
  CashierStackOptions options;
  options.pos_api = true;
  options.rewards_rules = rapport::testing::kCounterRewardsRules;
  options.members_refresh_s = 1;  // the points a sale earns reach the terminal within a second
  Fixture f(options);
  const auto result =
      f.harness.run("rewards.spec.js", "redeemAndRefund,touchGesture", {}, 240s);
  require_passed(result);
  CHECK(server_count(f.stack, kAdaEvents + "'purchase'") == 1);
  CHECK(server_count(f.stack, kAdaEvents + "'redemption'") == 1);
  CHECK(server_count(f.stack, kAdaEvents + "'refund'") == 1);
  CHECK(server_count(f.stack, kAdaEvents + "'gesture'") == 1);
}

// "Offline: everything above still works from the local store" (rewards.spec.js,
// offlineCounter): with the server stopped a read, a redemption, a sale and its refund, a
// goodwill gesture, a note and an enrollment, with the keyboard alone; the script checks each
// waiting event reaches the server once after the restart (EXACTLY-ONCE), this checks what
// they became there.
TEST_CASE("Offline the screen still redeems, sells, refunds, gives, notes and enrolls, each "
          "reaching the server once",
          "[browser][playwright]") {
  require_prerequisites();
  CashierStackOptions options;
  options.rewards_rules = rapport::testing::kCounterRewardsRulesWithPastry;
  options.members_refresh_s = 1;
  Fixture f(options);
  const auto unknown = card::CardNumber::generate(kIssuerPrefix).digits();
  const auto result =
      f.harness.run("rewards.spec.js", "offlineCounter", {{"unknown_card", unknown}}, 240s);
  require_passed(result);
  require_outbox_drained(f.stack);
  CHECK(server_count(f.stack, kAdaEvents + "'purchase'") == 2);  // one online, one offline
  CHECK(server_count(f.stack, kAdaEvents + "'redemption'") == 1);
  CHECK(server_count(f.stack, kAdaEvents + "'refund'") == 1);
  CHECK(server_count(f.stack, kAdaEvents + "'gesture'") == 1);
  CHECK(server_count(f.stack, "SELECT count(*) FROM notes n JOIN members m ON "
                              "m.id = n.member_id WHERE m.name = 'Ada Lovelace' AND "
                              "n.text = 'asked for oat milk'") == 1);
  CHECK(server_count(f.stack, "SELECT count(*) FROM events e JOIN members m ON "
                              "m.id = e.member_id WHERE m.name = 'Grace Hopper' AND "
                              "e.kind = 'enrollment'") == 1);
  // Each action names the cashier in the terminal's audit.
  CHECK(terminal_count(f.stack, "SELECT count(*) FROM staff_actions a JOIN staff s "
                                "ON s.id = a.staff_id WHERE s.name = 'ana' AND a.action IN "
                                "('purchase', 'redeem', 'refund', 'gesture', 'note', 'enroll')") ==
        2 + 1 + 1 + 1 + 1 + 1);
}

// Refund at any till (rewards.spec.js, refundElsewhere): a purchase rung up through the POS
// API of T2, another till of the store, is sent with Ada to T1 and refunded on T1's screen;
// T2's POS refunds it in full too. The server holds T1's refund once and took back the
// purchase exactly once in full.
TEST_CASE("A purchase rung up at another till is refunded on this screen, taken back once",
          "[browser][playwright]") {
  require_prerequisites();
  CashierStackOptions options;
  options.pos_api = true;  // the key T2's POS uses is the same text (lib/pos.js reads it here)
  options.second_terminal = true;
  options.members_refresh_s = 1;  // T1 pulls Ada with the purchase within a second
  Fixture f(options);
  f.stack.start_second_terminal();
  const auto result = f.harness.run("rewards.spec.js", "refundElsewhere", {}, 240s);
  require_passed(result);
  require_outbox_drained(f.stack);
  CHECK(server_count(f.stack, kAdaEvents + "'purchase' AND e.terminal_id = 'T2'") == 1);
  CHECK(server_count(f.stack, kAdaEvents + "'refund' AND e.terminal_id = 'T1' AND "
                              "json_extract(e.payload, '$.amount_cents') = 900 AND "
                              "json_extract(e.payload, '$.purchase_id') = (SELECT event_id "
                              "FROM purchases)") == 1);
  CHECK(server_count(f.stack, kAdaEvents + "'refund' AND e.terminal_id = 'T2'") == 1);
  CHECK(server_count(f.stack, "SELECT count(*) FROM purchases WHERE amount_cents = 900 AND "
                              "refunded_cents = 900") == 1);
  CHECK(terminal_count(f.stack, "SELECT count(*) FROM staff_actions a JOIN staff s "
                                "ON s.id = a.staff_id WHERE s.name = 'ana' AND "
                                "a.action = 'refund'") == 1);
}
