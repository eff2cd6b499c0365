// tests/e2e/log_scrub_e2e_test.cpp
//
// Logs never name a member (docs/members-rights.md, "Logs"): the real rapport-server and
// rapport-terminal at log level trace, an enrollment with name, phone and email and a note
// in the customer's words sent through the terminal's outbox, the terminal pulling the
// member, then `rapportctl member erase`. Nothing either program wrote (their logs, on
// stderr) holds the name, the phone, the email or the note's text; and staff lists show
// the erased member as such, never as a blank.

#include <signal.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "server/storage/sqlite_schema.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "tests/support/catch_result.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ChildProcess;
using rapport::testing::read_text;
using rapport::testing::wait_until;

namespace {

const std::string kName = "Philippa Quellington";
const std::string kPhone = "07700 900456";
const std::string kEmail = "pq@example.org";
const std::string kNote = "allergic to hazelnuts, ring before delivery";
const std::string kToken(64, 'e');

std::int64_t server_count(const std::filesystem::path& db, const std::string& sql) {
  auto conn = storage::Database::open(db, server::kSqliteMigrations).value();
  auto stmt = conn.prepare(sql).value();
  return stmt.step().value() ? stmt.column_int64(0) : -1;
}

// The lines spdlog wrote ("2026-11-26 14:02:03.123 info [server] ..."); the rest of a
// captured file is the program's own standard output (the counter's screen).
std::vector<std::string> log_lines(const std::string& captured) {
  static const std::regex kLogLine(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+ \[\w+\] )");
  std::vector<std::string> lines;
  std::istringstream in(captured);
  for (std::string line; std::getline(in, line);) {
    // Colour codes around the level when stderr is a terminal: none here, a file.
    if (std::regex_search(line, kLogLine)) lines.push_back(line);
  }
  return lines;
}

}  // namespace

TEST_CASE("server and terminal logs never hold a member's name, phone, email or note, even at "
          "trace level", "[e2e][rights][logs]") {
  testing::TempDir dir;
  const auto data = dir / "data";
  const auto port = testing::free_port();
  std::string out;
  REQUIRE(testing::run({testing::kRapportctl, "init", "--data", data.string(), "--store", "S1",
                        "--listen", "127.0.0.1:" + std::to_string(port)},
                       &out) == 0);
  REQUIRE(testing::run({testing::kRapportctl, "terminal", "issue", "--data", data.string(), "--id",
                        "T1", "--store", "S1"},
                       &out) == 0);
  const auto terminal_toml = data / "terminals/T1/terminal.toml";
  auto toml = read_text(terminal_toml);
  toml = std::regex_replace(toml, std::regex("interval_ms = \\d+"), "interval_ms = 100");
  toml = std::regex_replace(toml, std::regex("members_refresh_s = \\d+"), "members_refresh_s = 1");
  write_file_atomically(terminal_toml, toml, false);
  const auto server_db = data / "rapport.db";
  const auto terminal_db = data / "terminals/T1/terminal.db";

  ChildProcess server({testing::kRapportServer, "--config", (data / "server.toml").string(),
                       "--log-level", "trace"},
                      dir / "server.log");
  REQUIRE(wait_until([&] { return read_text(dir / "server.log").find("listening") !=
                                  std::string::npos; }, 10s));
  ChildProcess terminal({testing::kRapportTerminal, "--config", terminal_toml.string(),
                         "--log-level", "trace"},
                        dir / "terminal.log");
  REQUIRE(wait_until([&] { return read_text(dir / "terminal.log").find("ready") !=
                                  std::string::npos; }, 20s));

  // An enrollment as the cashier's screen writes it, then a note in the customer's words.
  {
    auto db = terminal::open_local_database(terminal_db).value();
    protocol::EnrollmentPayload enrollment{kName, "1990-04-01", "4242", "flyer", {}};
    enrollment.phone = kPhone;
    enrollment.email = kEmail;
    enrollment.marketing_consent = true;
    auto insert = db.prepare("INSERT INTO outbox(id, kind, card_token, member_id, occurred_at, "
                             "payload) VALUES (?1, ?2, ?3, NULL, ?4, ?5)")
                      .value();
    insert.bind(1, domain::new_event_id())
        .bind(2, "enrollment")
        .bind(3, kToken)
        .bind(4, now_iso8601())
        .bind(5, protocol::encode_payload(enrollment));
    REQUIRE(wait_until([&] { return static_cast<bool>(insert.run()); }, 10s));
    insert.bind(1, domain::new_event_id())
        .bind(2, "note")
        .bind(4, now_iso8601())
        .bind(5, R"({"topic":"other","text":")" + kNote + " " + kPhone + R"("})");
    REQUIRE(wait_until([&] { return static_cast<bool>(insert.run()); }, 10s));
  }
  REQUIRE(wait_until([&] { return server_count(server_db, "SELECT count(*) FROM notes") == 1 &&
                                  server_count(server_db, "SELECT count(*) FROM members WHERE "
                                                          "name = '" + kName + "'") == 1; },
                     15s));
  // The terminal pulls her (name and all) into its own file.
  REQUIRE(wait_until([&] {
    auto db = terminal::open_local_database(terminal_db).value();
    auto members = db.prepare("SELECT count(*) FROM members").value();
    return members.step().value() && members.column_int64(0) == 1;
  }, 15s));
  REQUIRE(testing::run({testing::kRapportctl, "member", "list", "--data", data.string()}, &out) ==
          0);
  CHECK(out.find(kName) != std::string::npos);

  REQUIRE(testing::run({testing::kRapportctl, "member", "erase", "--data", data.string(),
                        "--member", "1", "--reason", "customer request", "--staff", "j.smith"},
                       &out) == 0);
  CHECK(out.find(kName) == std::string::npos);
  REQUIRE(wait_until([&] {
    auto db = terminal::open_local_database(terminal_db).value();
    auto members = db.prepare("SELECT count(*) FROM members").value();
    return members.step().value() && members.column_int64(0) == 0;
  }, 15s));

  // Staff lists show her as erased, under her (now pseudonymous) member id.
  REQUIRE(testing::run({testing::kRapportctl, "member", "list", "--data", data.string()}, &out) ==
          0);
  INFO(out);
  CHECK(out.find("erased on " + now_iso8601().substr(0, 10)) != std::string::npos);
  CHECK(out.find(kName) == std::string::npos);

  terminal.close_stdin();
  CHECK(terminal.wait(15s) == 0);
  server.send_signal(SIGTERM);
  CHECK(server.wait(15s) == 0);

  // The logs were captured, at trace level, and saw the work go through: a check of empty
  // logs would prove nothing.
  const auto server_lines = log_lines(read_text(dir / "server.log"));
  const auto terminal_lines = log_lines(read_text(dir / "terminal.log"));
  const auto mentions = [](const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const auto& line) { return line.find(text) != std::string::npos; });
  };
  CHECK(mentions(server_lines, "listening"));
  CHECK(mentions(terminal_lines, "acknowledged"));
  CHECK(mentions(terminal_lines, "pulled"));
  // Nothing in this run greets her at the counter (the one place her name is shown, on the
  // terminal's standard output), so nothing either program wrote may hold her.
  for (const char* file : {"server.log", "terminal.log"}) {
    const auto captured = read_text(dir / file);
    INFO(file << ":\n" << captured);
    CHECK(captured.find("Philippa") == std::string::npos);
    CHECK(captured.find("Quellington") == std::string::npos);
    CHECK(captured.find("900456") == std::string::npos);
    CHECK(captured.find(kEmail) == std::string::npos);
    CHECK(captured.find("hazelnuts") == std::string::npos);
  }
}
