// tests/support/cashier_stack.cpp
#include "tests/support/cashier_stack.h"

#include <regex>
#include <stdexcept>

#include "shared/util/files.h"
#include "tests/support/headless_chromium.h"

namespace rapport::testing {

using namespace std::chrono_literals;

namespace {

constexpr const char* kSpkiFlag = "--ignore-certificate-errors-spki-list=";

std::string port_text(unsigned short port) { return "127.0.0.1:" + std::to_string(port); }

void wait_for_log(const std::filesystem::path& log, const std::string& text, const char* what) {
  if (!wait_until([&] { return log_has(log, text); }, 30s)) {
    throw std::runtime_error(std::string(what) + " did not log \"" + text + "\" within 30 s:\n" +
                             read_text(log));
  }
}

}  // namespace

std::string run_ok(const std::vector<std::string>& argv) {
  std::string out;
  if (const int status = run(argv, &out); status != 0) {
    throw std::runtime_error(argv.at(0) + " " + (argv.size() > 1 ? argv[1] : "") +
                             " exited with " + std::to_string(status) + ":\n" + out);
  }
  return out;
}

bool log_has(const std::filesystem::path& log, const std::string& text) {
  return read_text(log).find(text) != std::string::npos;
}

CashierStack::CashierStack(const std::filesystem::path& folder, CashierStackOptions options)
    : folder_(folder), options_(std::move(options)) {
  screen_port_ = free_port();
  run_ok({kRapportctl, "init", "--data", data().string(), "--store", "S1", "--listen",
          port_text(free_port()), "--enroll-listen", port_text(free_port())});
  if (!options_.rewards_rules.empty()) {
    write_file_atomically(data() / "rewards.toml", options_.rewards_rules, false);
    write_file_atomically(data() / "server.toml",
                          read_text(data() / "server.toml") +
                              "\n[rewards]\nrules = \"rewards.toml\"\n",
                          false);
  }
  std::vector<std::string> add = {kRapportctl, "member", "add", "--data", data().string(),
                                  "--name", kMember, "--store", "S1"};
  if (!options_.member_birth_date.empty()) {
    add.insert(add.end(), {"--birth-date", options_.member_birth_date});
  }
  const auto added = run_ok(add);
  std::smatch match;
  if (!std::regex_search(added, match, std::regex("card ([0-9 ]{19})"))) {
    throw std::runtime_error("rapportctl member add printed no card:\n" + added);
  }
  card_ = match[1];
  run_ok({kRapportctl, "terminal", "issue", "--data", data().string(), "--id", "T1", "--store",
          "S1"});
  const auto toml_file = terminal_dir() / "terminal.toml";
  auto toml = read_text(toml_file);
  toml = std::regex_replace(toml, std::regex("interval_ms = \\d+"), "interval_ms = 100");
  if (options_.members_refresh_s > 0) {
    toml = std::regex_replace(toml, std::regex("members_refresh_s = \\d+"),
                              "members_refresh_s = " + std::to_string(options_.members_refresh_s));
  }
  toml += "\n[screen]\nlisten = \"" + port_text(screen_port_) + "\"\n";
  if (options_.pos_api) {
    pos_port_ = free_port();
    write_file_atomically(terminal_dir() / "pos_api.key",
                          "rapport-browser-test-pos-key-0123456789abcdef\n", true);
    toml += "\n[pos_api]\nlisten = \"" + port_text(pos_port_) +
            "\"\napi_key_file = \"pos_api.key\"\n";
  }
  write_file_atomically(toml_file, toml, false);

  if (options_.second_terminal) {
    run_ok({kRapportctl, "terminal", "issue", "--data", data().string(), "--id", "T2", "--store",
            "S1"});
    const auto second_toml = second_terminal_dir() / "terminal.toml";
    auto text = std::regex_replace(read_text(second_toml), std::regex("interval_ms = \\d+"),
                                   "interval_ms = 100");
    second_pos_port_ = free_port();
    write_file_atomically(second_terminal_dir() / "pos_api.key",
                          "rapport-browser-test-pos-key-0123456789abcdef\n", true);
    text += "\n[pos_api]\nlisten = \"" + port_text(second_pos_port_) +
            "\"\napi_key_file = \"pos_api.key\"\n";
    write_file_atomically(second_toml, text, false);
  }

  ChildProcess staff({kRapportTerminal, "staff", "add", "--config", toml_file.string(), "--name",
                      kCashier},
                     folder_ / "staff-add.log");
  staff.write_stdin(std::string(kPin) + "\n");
  staff.close_stdin();
  if (staff.wait(60s) != 0) {
    throw std::runtime_error("rapport-terminal staff add failed:\n" +
                             read_text(folder_ / "staff-add.log"));
  }
}

CashierStack::~CashierStack() = default;

void CashierStack::start_server() {
  const auto mark = read_text(server_log()).size();
  server_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kRapportServer, "--config", (data() / "server.toml").string()},
      server_log());
  // A restarted server appends to the same log: wait for a new "listening".
  if (!wait_until([&] { return read_text(server_log()).find("listening", mark) != std::string::npos; },
                  30s)) {
    throw std::runtime_error("rapport-server did not start within 30 s:\n" +
                             read_text(server_log()));
  }
}

int CashierStack::stop_server(int signal) {
  server().send_signal(signal);
  const int status = server().wait(15s);
  if (status == -1) throw std::runtime_error("rapport-server did not stop within 15 s");
  return status;
}

void CashierStack::start_terminal() {
  terminal_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kRapportTerminal, "--config",
                               (terminal_dir() / "terminal.toml").string()},
      terminal_log(), ChildOptions{options_.terminal_environment, false});
  wait_for_log(terminal_log(), "ready", "rapport-terminal");
  wait_for_log(terminal_log(), "cashier screen listening", "rapport-terminal");
  if (options_.pos_api) wait_for_log(terminal_log(), "POS API listening", "rapport-terminal");
}

void CashierStack::start_second_terminal() {
  if (!options_.second_terminal) throw std::logic_error("CashierStack: no T2 was asked for");
  second_terminal_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kRapportTerminal, "--config",
                               (second_terminal_dir() / "terminal.toml").string()},
      second_terminal_log(), ChildOptions{{}, false});
  wait_for_log(second_terminal_log(), "ready", "rapport-terminal T2");
  wait_for_log(second_terminal_log(), "POS API listening", "rapport-terminal T2");
}

ChildProcess& CashierStack::server() {
  if (!server_) throw std::logic_error("CashierStack::server before start_server");
  return *server_;
}

ChildProcess& CashierStack::terminal() {
  if (!terminal_) throw std::logic_error("CashierStack::terminal before start_terminal");
  return *terminal_;
}

std::string CashierStack::screen_origin() const {
  return "https://" + port_text(screen_port_);
}

std::string CashierStack::pos_origin() const {
  if (!options_.pos_api) throw std::logic_error("CashierStack: no POS API was asked for");
  return "https://" + port_text(pos_port_);
}

std::string CashierStack::second_pos_origin() const {
  if (!options_.second_terminal) throw std::logic_error("CashierStack: no T2 was asked for");
  return "https://" + port_text(second_pos_port_);
}

std::string CashierStack::second_terminal_key_pin() const {
  if (!options_.second_terminal) throw std::logic_error("CashierStack: no T2 was asked for");
  const auto flag =
      rapport::testing::accept_certificate_flag(second_terminal_dir() / "terminal.crt");
  if (flag.rfind(kSpkiFlag, 0) != 0) throw std::logic_error("unexpected flag: " + flag);
  return flag.substr(std::string(kSpkiFlag).size());
}

std::string CashierStack::pos_api_key() const {
  if (!options_.pos_api) throw std::logic_error("CashierStack: no POS API was asked for");
  auto key = read_text(terminal_dir() / "pos_api.key");
  while (!key.empty() && key.back() == '\n') key.pop_back();
  return key;
}

std::string CashierStack::accept_certificate_flag() const {
  return rapport::testing::accept_certificate_flag(terminal_dir() / "terminal.crt");
}

std::string CashierStack::terminal_key_pin() const {
  const auto flag = accept_certificate_flag();
  if (flag.rfind(kSpkiFlag, 0) != 0) throw std::logic_error("unexpected flag: " + flag);
  return flag.substr(std::string(kSpkiFlag).size());
}

}  // namespace rapport::testing
