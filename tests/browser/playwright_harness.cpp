// tests/browser/playwright_harness.cpp
#include "tests/browser/playwright_harness.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"
#include "terminal/local_database.h"
#include "tests/support/headless_chromium.h"
#include "tests/support/hid_reports.h"
#include "tests/support/process.h"

namespace rapport::testing {

using namespace std::chrono_literals;

namespace {

const std::filesystem::path kScripts = RAPPORT_PLAYWRIGHT_DIR;

const char* kHowToInstall =
    "run scripts/install-deps.sh as root (Debian packages nodejs, npm and chromium), then "
    "`npm ci` in tests/browser-pw (scripts/test.sh does both)";

// `name` found on $PATH, or nullopt.
std::optional<std::filesystem::path> on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string digits_only(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != ' ') out += c;
  }
  return out;
}

std::string fixed3(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

storage::Database server_database(const CashierStack& stack) {
  auto db = storage::Database::open(stack.server_db(), server::kSqliteMigrations);
  if (!db) throw std::runtime_error("cannot open the server's database: " + db.error().message());
  return std::move(*db);
}

std::int64_t count_of(storage::Database& db, const std::string& sql,
                      const std::vector<std::string>& params = {}) {
  auto stmt = db.prepare(sql);
  if (!stmt) throw std::runtime_error("bad SQL " + sql + ": " + stmt.error().message());
  for (std::size_t i = 0; i < params.size(); ++i) stmt->bind(static_cast<int>(i + 1), params[i]);
  auto row = stmt->step();
  if (!row || !*row) throw std::runtime_error("no row from " + sql);
  return stmt->column_int64(0);
}

}  // namespace

std::optional<std::string> playwright_missing() {
  const auto node = on_path("node");
  if (!node) return std::string("node is not installed: ") + kHowToInstall;
  // The lockfile's versions against node_modules (tests/browser-pw/check-install.js).
  std::string out;
  if (run({node->string(), (kScripts / "check-install.js").string()}, &out) != 0) {
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return "playwright-core is not installed as tests/browser-pw/package-lock.json pins it (" +
           out + "): " + kHowToInstall;
  }
  if (!HeadlessChromium::find()) return std::string("chromium is not installed: ") + kHowToInstall;
  return std::nullopt;
}

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

PlaywrightHarness::PlaywrightHarness(CashierStack& stack, EmulatedReader& reader,
                                     std::filesystem::path folder)
    : stack_(stack), reader_(reader), folder_(std::move(folder)) {}

ScenarioResult PlaywrightHarness::run(const std::string& spec, const std::string& scenario,
                                      const std::map<std::string, std::string>& extra_config,
                                      std::chrono::seconds timeout) {
  if (auto missing = playwright_missing()) throw std::runtime_error(*missing);
  const auto node = on_path("node");
  ScenarioResult result;
  std::string name = scenario;
  std::replace(name.begin(), name.end(), ',', '+');
  result.log = folder_ / ("playwright-" + name + ".log");

  boost::json::object config{
      {"origin", stack_.screen_origin()},
      {"spki", stack_.terminal_key_pin()},
      {"chromium", HeadlessChromium::find()->string()},
      {"profile", (folder_ / ("profile-" + name)).string()},
      {"artifacts", RAPPORT_TEST_ARTIFACTS_DIR},
      {"cashier", CashierStack::kCashier},
      {"pin", CashierStack::kPin},
      {"member", CashierStack::kMember},
      {"card", digits_only(stack_.card())},
  };
  if (stack_.has_pos_api()) {
    config["pos_origin"] = stack_.pos_origin();
    config["pos_key"] = stack_.pos_api_key();
  }
  if (stack_.has_second_terminal()) {  // another till's POS API (lib/pos.js, `other`)
    config["other_pos_origin"] = stack_.second_pos_origin();
    config["other_spki"] = stack_.second_terminal_key_pin();
  }
  for (const auto& [key, value] : extra_config) config[key] = value;

  ChildOptions options;
  options.stdout_pipe = true;
  options.environment = {"RAPPORT_PW_CONFIG=" + boost::json::serialize(config)};
  ChildProcess script({node->string(), (kScripts / "run.js").string(), spec, scenario},
                      result.log, options);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto line = script.read_line(500ms)) {
      if (line->empty()) continue;
      const auto reply = answer(*line, result);
      if (reply.rfind("FAIL", 0) == 0) result.failures.push_back(*line + " -> " + reply);
      try {
        script.write_stdin(reply + "\n");
      } catch (const std::runtime_error&) {
        // the script has gone; its exit status says the rest
      }
    } else if (!script.running()) {
      break;
    }
  }
  result.exit_status = script.wait(5s);
  if (result.exit_status == -1) {
    result.failures.push_back("killed after " + std::to_string(timeout.count()) + " s");
    script.send_signal(SIGKILL);
    script.wait(10s);
  }
  return result;
}

std::string PlaywrightHarness::answer(const std::string& request, ScenarioResult& result) {
  const auto w = words(request);
  const std::string verb = w.empty() ? "" : w[0];
  const auto rest = [&] {
    const auto space = request.find(' ');
    return space == std::string::npos ? std::string() : request.substr(space + 1);
  };
  try {
    if (verb == "SCAN" && w.size() >= 2) return scan(rest());
    if (request == "SERVER STOP") {
      stack_.stop_server(SIGTERM);
      auto db = server_database(stack_);
      server_seq_at_stop_ = count_of(db, "SELECT coalesce(max(seq), 0) FROM events");
      return "OK";
    }
    if (request == "SERVER START") {
      stack_.start_server();
      return "OK";
    }
    if (request == "OUTBOX") {
      auto db = terminal::open_local_database(stack_.terminal_db()).value();
      auto stmt = db.prepare("SELECT id FROM outbox").value();
      kept_outbox_.clear();
      while (stmt.step().value()) kept_outbox_.insert(stmt.column_text(0));
      return "OK " + std::to_string(kept_outbox_.size());
    }
    if (verb == "EXACTLY-ONCE") return exactly_once({w.begin() + 1, w.end()});
    if (verb == "SERVER-EVENTS" && w.size() >= 2) {
      auto db = server_database(stack_);
      const auto space = rest().find(' ');
      const std::string member =
          space == std::string::npos ? CashierStack::kMember : rest().substr(space + 1);
      return "OK " + std::to_string(count_of(db,
                                             "SELECT count(*) FROM events e JOIN members m ON "
                                             "m.id = e.member_id WHERE e.kind = ? AND m.name = ?",
                                             {w[1], member}));
    }
    if (verb == "LATENCY" && w.size() == 3) {
      auto& samples = result.latencies_ms[w[1]];
      std::istringstream in(w[2]);
      for (std::string value; std::getline(in, value, ',');) samples.push_back(std::stod(value));
      return "OK " + std::to_string(samples.size());
    }
    if (verb == "SKIP") {
      result.skipped = rest();
      return "OK";
    }
    if (request == "DONE") {
      result.done = true;
      return "OK";
    }
    return "FAIL unknown request (see tests/browser/playwright_harness.h)";
  } catch (const std::exception& e) {
    return std::string("FAIL ") + e.what();
  }
}

std::string PlaywrightHarness::scan(const std::string& text) {
  if (!reader_.wait_until_reading(10s)) return "FAIL the terminal is not reading the USB reader";
  // The read is complete at the Enter key's press (the decoder does not wait for its
  // release), so the delivery is stamped when the driver takes that report; the release
  // follows.
  auto reports = type_text(text, drivers::KeyboardLayout::kUs);
  const auto release = reports.back();
  reports.pop_back();
  reader_.send_reports(reports);
  if (!reader_.wait_until_delivered(10s)) return "FAIL the driver did not take the card read";
  const auto at = reader_.last_delivered().time_since_epoch();
  reader_.send_reports({release});
  if (!reader_.wait_until_delivered(10s)) return "FAIL the driver did not take the key release";
  return "OK " + fixed3(std::chrono::duration<double, std::milli>(at).count());
}

std::string PlaywrightHarness::exactly_once(const std::vector<std::string>& ids) {
  if (server_seq_at_stop_ < 0) return "FAIL EXACTLY-ONCE needs SERVER STOP first";
  if (kept_outbox_.empty()) return "FAIL EXACTLY-ONCE needs OUTBOX first (and events in it)";
  std::set<std::string> expected = kept_outbox_;
  for (const auto& id : ids) {
    if (!kept_outbox_.contains(id)) return "FAIL " + id + " was not in the outbox kept offline";
  }
  auto db = server_database(stack_);
  for (const auto& id : expected) {
    const auto n = count_of(db, "SELECT count(*) FROM events WHERE id = ?", {id});
    if (n != 1) return "FAIL event " + id + " is on the server " + std::to_string(n) + " times";
  }
  const auto arrived = count_of(
      db, "SELECT count(*) FROM events WHERE seq > " + std::to_string(server_seq_at_stop_));
  if (arrived != static_cast<std::int64_t>(expected.size())) {
    return "FAIL the server received " + std::to_string(arrived) + " events since it stopped, " +
           std::to_string(expected.size()) + " were waiting";
  }
  return "OK " + std::to_string(expected.size());
}

}  // namespace rapport::testing
