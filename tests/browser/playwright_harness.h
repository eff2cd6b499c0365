// tests/browser/playwright_harness.h
//
// The C++ side of the playwright acceptance tests (docs/cashier-screen.md, "Browser tests").
// The fixture stays here: the real server and terminal (CashierStack) and an emulated USB
// card reader (UsbTestbed) that the terminal reads through its own libusb driver. One
// list of scenarios of a spec in tests/browser-pw/ runs as `node run.js SPEC A,B,...`, which drives
// Debian's chromium with playwright-core and asks this harness, one line at a time on its
// standard output, for what only the fixture can do; each request gets one answer line on
// its standard input, "OK ..." or "FAIL why":
//
//   SCAN <card text>      the reader types it (a keyboard-mode scanner, then Enter); answers
//                         "OK <ms>" once the driver has taken every report, <ms> the wall
//                         clock (Unix epoch, milliseconds, 3 decimals) at which it took the
//                         Enter key's press, which completes the read
//   SERVER STOP|START     SIGTERM rapport-server and wait / start it and wait until it listens
//   OUTBOX                the terminal's outbox as it is now (kept): "OK <count>"
//   EXACTLY-ONCE [ids]    after the restart: every event of the kept outbox, and each id
//                         given, is in the server's database once, and the server received no
//                         other event since SERVER STOP: "OK <count>"
//   SERVER-EVENTS <kind>  "OK <n>": events of that kind on the server for the seeded member
//   LATENCY <label> <ms,ms,...>   samples to report (p50/p99 printed by the test)
//   SKIP <reason>         the scenario cannot run in this tree (the test reports it skipped)
//   DONE                  the scenario ran to its end (a script that exits without it fails)
//
// Anything the script prints on standard error goes to the run's log file. The config the
// script needs (addresses, key pin, card numbers, artifact folder) is JSON in the
// environment variable RAPPORT_PW_CONFIG.
//
// Threading: one test thread.

#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/support/cashier_stack.h"
#include "tests/support/usb_testbed.h"

namespace rapport::testing {

struct ScenarioResult {
  int exit_status = -1;  // the node process's; -1: killed at the timeout
  bool done = false;     // it sent DONE
  std::string skipped;   // its SKIP reason, if any
  std::vector<std::string> failures;  // requests this harness answered FAIL
  std::map<std::string, std::vector<double>> latencies_ms;  // LATENCY samples by label
  std::filesystem::path log;  // the script's standard error
};

// What is missing to run the playwright tests, as a message saying what to run; nullopt when
// node, playwright-core (as the lockfile pins it) and chromium are all there.
[[nodiscard]] std::optional<std::string> playwright_missing();

class PlaywrightHarness {
 public:
  // `folder`: the test's own (profile, logs). The stack's server and terminal must be running.
  PlaywrightHarness(CashierStack& stack, EmulatedReader& reader, std::filesystem::path folder);

  // Runs `scenarios` (names separated by commas, in turn, in one browser) of
  // tests/browser-pw/SPEC until the script exits (killed after `timeout`).
  // `extra_config` entries are added to RAPPORT_PW_CONFIG (strings).
  ScenarioResult run(const std::string& spec, const std::string& scenarios,
                     const std::map<std::string, std::string>& extra_config = {},
                     std::chrono::seconds timeout = std::chrono::seconds(90));

 private:
  std::string answer(const std::string& request, ScenarioResult& result);
  std::string scan(const std::string& text);
  std::string exactly_once(const std::vector<std::string>& ids);

  CashierStack& stack_;
  EmulatedReader& reader_;
  std::filesystem::path folder_;
  std::set<std::string> kept_outbox_;
  std::int64_t server_seq_at_stop_ = -1;
};

// Nearest-rank percentile (0 < p <= 1) of `samples`; 0 for none.
[[nodiscard]] double percentile(std::vector<double> samples, double p);

}  // namespace rapport::testing
