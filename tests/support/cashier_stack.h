// tests/support/cashier_stack.h
//
// The real programs behind the cashier's screen for the browser tests (docs/cashier-screen.md,
// "Browser tests"): a server data folder from `rapportctl init` with one member, Ada Lovelace,
// store S1; terminal T1 issued by `rapportctl terminal issue`, syncing every 100 ms, serving
// the screen on a loopback port (and the POS API when asked); the cashier `ana` added with
// `rapport-terminal staff add`. rapport-server and rapport-terminal run as child processes
// with their output in server.log and terminal.log in the test's folder.
//
// Used by the CDP-driven test (tests/browser/cashier_screen_browser_test.cpp) and the
// playwright one (tests/browser/cashier_playwright_test.cpp).
//
// Threading: one test thread. Every step throws std::runtime_error saying what failed, with
// the program's output (a broken fixture is a failed test).

#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace rapport::testing {

struct CashierStackOptions {
  std::string member_birth_date;  // Ada's, YYYY-MM-DD; empty: none
  bool pos_api = false;           // [pos_api] on a free port with a fresh key file
  std::string rewards_rules;      // not empty: the server's rewards.toml (docs/rewards.md)
  int members_refresh_s = 0;      // > 0: the terminal pulls members this often (default 60)
  // "NAME=value" entries for rapport-terminal only (e.g. to run it on emulated USB readers).
  std::vector<std::string> terminal_environment;
  // Another till of S1: terminal T2 with the POS API only (no screen, no USB reader), its
  // data in terminals/T2, started by start_second_terminal. A purchase rung up there is one
  // T1 did not record (docs/cashier-screen.md, "Refunds").
  bool second_terminal = false;
};

class CashierStack {
 public:
  static constexpr const char* kCashier = "ana";
  static constexpr const char* kPin = "482913";
  static constexpr const char* kMember = "Ada Lovelace";

  // Makes the data folder, the member, the terminal and the cashier under `folder` (which
  // the caller owns, e.g. a TempDir). Starts nothing.
  CashierStack(const std::filesystem::path& folder, CashierStackOptions options = {});
  ~CashierStack();
  CashierStack(const CashierStack&) = delete;
  CashierStack& operator=(const CashierStack&) = delete;

  // Starts rapport-server and waits until it listens.
  void start_server();
  // Sends `signal` to the server and waits for it to exit; returns its exit status.
  int stop_server(int signal);
  // Starts rapport-terminal (its console on the test's pipe) and waits until it is ready
  // with the screen listening (and the POS API, when asked for).
  void start_terminal();

  // Starts T2 (options.second_terminal) and waits until its POS API listens.
  void start_second_terminal();

  ChildProcess& server();    // Requires: start_server was called
  ChildProcess& terminal();  // Requires: start_terminal was called

  [[nodiscard]] const std::string& card() const { return card_; }  // Ada's, "6275 ...."
  [[nodiscard]] std::string screen_origin() const;                  // https://127.0.0.1:port
  [[nodiscard]] bool has_pos_api() const { return options_.pos_api; }
  [[nodiscard]] std::string pos_origin() const;  // Requires: options.pos_api
  [[nodiscard]] std::string pos_api_key() const;  // Requires: options.pos_api
  // Chromium's flag accepting exactly the terminal's key, and that key's SPKI SHA-256 (base64)
  // for other clients that pin it (docs/cashier-screen.md, "Transport").
  [[nodiscard]] std::string accept_certificate_flag() const;
  [[nodiscard]] std::string terminal_key_pin() const;
  // T2's POS API and key pin (its API key is T1's). Requires: options.second_terminal.
  [[nodiscard]] bool has_second_terminal() const { return options_.second_terminal; }
  [[nodiscard]] std::string second_pos_origin() const;
  [[nodiscard]] std::string second_terminal_key_pin() const;

  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }
  [[nodiscard]] std::filesystem::path data() const { return folder_ / "data"; }
  [[nodiscard]] std::filesystem::path terminal_dir() const { return data() / "terminals" / "T1"; }
  [[nodiscard]] std::filesystem::path server_db() const { return data() / "rapport.db"; }
  [[nodiscard]] std::filesystem::path terminal_db() const { return terminal_dir() / "terminal.db"; }
  [[nodiscard]] std::filesystem::path server_log() const { return folder_ / "server.log"; }
  [[nodiscard]] std::filesystem::path terminal_log() const { return folder_ / "terminal.log"; }
  [[nodiscard]] std::filesystem::path second_terminal_dir() const {
    return data() / "terminals" / "T2";
  }
  [[nodiscard]] std::filesystem::path second_terminal_log() const {
    return folder_ / "terminal-T2.log";
  }

 private:
  std::filesystem::path folder_;
  CashierStackOptions options_;
  unsigned short screen_port_ = 0;
  unsigned short pos_port_ = 0;
  unsigned short second_pos_port_ = 0;
  std::string card_;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<ChildProcess> terminal_;
  std::unique_ptr<ChildProcess> second_terminal_;
};

// Runs `argv` to completion; returns its output. Throws with the output when it fails.
std::string run_ok(const std::vector<std::string>& argv);

// True when `log` holds `text`.
[[nodiscard]] bool log_has(const std::filesystem::path& log, const std::string& text);

}  // namespace rapport::testing
