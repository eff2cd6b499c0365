// tests/unit/ingest_scan_test.cpp
//
// Recording events must stay a few index searches per event however large the chain grows.
// A statement that steps through a whole table costs nothing on a test-sized file and minutes
// on a chain with millions of events (a purchase once scanned every event to find voids), so
// timing cannot catch it here: instead every statement the server runs is watched (an SQLite
// auto-extension installs a profile hook on each connection the process opens) and one that
// took many full-scan steps is reported with its SQL.

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "server/storage/store.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"

namespace {

using rapport::domain::Event;
using rapport::domain::EventKind;
using namespace rapport::testing;

// Far fewer than the events in the file below, far more than any small table (stores,
// tiers, the schema) a statement may reasonably scan.
constexpr int kScanStepLimit = 1000;

struct ScanWatch {
  std::mutex mutex;
  bool watching = false;
  std::vector<std::string> scans;  // "<steps> full-scan steps: <sql>"
};
ScanWatch watch;

int on_statement_done(unsigned type, void* /*context*/, void* statement, void* /*elapsed*/) {
  if (type != SQLITE_TRACE_PROFILE) return 0;
  auto* stmt = static_cast<sqlite3_stmt*>(statement);
  // Reset the counter each time: the server keeps prepared statements and runs them again.
  const int steps = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
  const std::lock_guard lock(watch.mutex);
  if (watch.watching && steps > kScanStepLimit) {
    const char* sql = sqlite3_sql(stmt);
    watch.scans.push_back(std::to_string(steps) + " full-scan steps: " + (sql ? sql : "?"));
  }
  return 0;
}

int install_hook(sqlite3* db, char** /*error*/, const sqlite3_api_routines* /*api*/) {
  sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, on_statement_done, nullptr);
  return SQLITE_OK;
}

// SQLite's auto-extension entry point is declared as void(*)(void) and called with the
// (db, error, api) arguments: the documented way to register one.
using EntryPoint = void (*)();

struct HookEveryConnection {
  HookEveryConnection() {
    REQUIRE(sqlite3_auto_extension(reinterpret_cast<EntryPoint>(&install_hook)) == SQLITE_OK);
  }
  ~HookEveryConnection() {
    sqlite3_cancel_auto_extension(reinterpret_cast<EntryPoint>(&install_hook));
  }
  HookEveryConnection(const HookEveryConnection&) = delete;
  HookEveryConnection& operator=(const HookEveryConnection&) = delete;
};

}  // namespace

TEST_CASE("recording sales, refunds, voids and redemptions never scans a whole table",
          "[rewards][ingest]") {
  const HookEveryConnection hook;
  TempDir dir;
  auto store = rapport::server::open_sqlite_store(dir / "rapport.db").value();
  REQUIRE(store->add_store("S1", "High Street"));
  store->set_rewards_rules(rules_with("points_per_unit = 1\n"));
  std::vector<std::string> cards;
  for (int m = 0; m < 40; ++m) {
    const auto id = store->add_member({"Member " + std::to_string(m), "S1", std::nullopt}).value();
    std::string token(64, '0');
    const std::string digits = std::to_string(m);
    token.replace(64 - digits.size(), digits.size(), digits);
    REQUIRE(store->add_card(id, {token, "1234", rapport::domain::CardStatus::kActive}));
    cards.push_back(token);
  }

  // A chain with several thousand events: sales, visits and some refunds and voids.
  std::vector<Event> history;
  for (int i = 0; i < 3000; ++i) {
    const std::string& card = cards[static_cast<std::size_t>(i) % cards.size()];
    history.push_back(sale(card, 500 + i % 700));
    if (i % 10 == 0) history.push_back(refund(card, history.back().id, 100));
    if (i % 25 == 0) history.push_back(cancel(card, history.back().id));
    if (i % 3 == 0) history.push_back(make_event(EventKind::kVisit, card, "{}"));
  }
  for (std::size_t at = 0; at < history.size(); at += 500) {
    const std::vector<Event> batch(history.begin() + static_cast<std::ptrdiff_t>(at),
                                   history.begin() + static_cast<std::ptrdiff_t>(
                                       std::min(history.size(), at + 500)));
    REQUIRE(store->record_events(batch));
  }

  // Then one ordinary sync, watched: new sales, a refund and a void of them, a refund that
  // arrives before its sale, a redemption on a sale, a visit.
  std::vector<Event> sync;
  for (int i = 0; i < 20; ++i) {
    sync.push_back(sale(cards[static_cast<std::size_t>(i)], 900));
  }
  sync.push_back(refund(cards[0], sync[0].id, 300));
  sync.push_back(cancel(cards[1], sync[1].id));
  sync.push_back(redeem(cards[2], 50, sync[2].id));
  const Event late_sale = sale(cards[3], 1200);
  sync.push_back(refund(cards[3], late_sale.id, 200));
  sync.push_back(late_sale);
  sync.push_back(make_event(EventKind::kVisit, cards[4], "{}"));
  {
    const std::lock_guard lock(watch.mutex);
    watch.watching = true;
    watch.scans.clear();
  }
  REQUIRE(store->record_events(sync));
  std::vector<std::string> scans;
  {
    const std::lock_guard lock(watch.mutex);
    watch.watching = false;
    scans = watch.scans;
  }
  for (const auto& scan : scans) UNSCOPED_INFO(scan);
  CHECK(scans.empty());
}
