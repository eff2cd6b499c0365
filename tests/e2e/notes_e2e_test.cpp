// tests/e2e/notes_e2e_test.cpp
//
// Notes and the usual order at every counter end to end (docs/offers.md): the real
// rapport-server and two rapport-terminals of two stores over mutual TLS 1.3, real SQLite
// files. A note and two purchases recorded at terminal T1 (store S1) reach the server; at its
// next pull terminal T2 (store S2) holds the member's note and usual order, and its counter
// greets the member with both.

#include <signal.h>

#include <regex>

#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "terminal/outbox.h"
#include "tests/support/catch_result.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ChildProcess;
using rapport::testing::read_text;
using rapport::testing::wait_until;

namespace {

bool log_has(const std::filesystem::path& log, const std::string& text) {
  return read_text(log).find(text) != std::string::npos;
}

std::int64_t terminal_count(const std::filesystem::path& db_file, const std::string& sql) {
  auto db = terminal::open_local_database(db_file).value();
  auto stmt = db.prepare(sql).value();
  REQUIRE(stmt.step().value());
  return stmt.column_int64(0);
}

domain::Event at_t1(domain::EventKind kind, const std::string& token, std::string payload,
                    std::chrono::seconds ago) {
  domain::Event e;
  e.id = domain::new_event_id();
  e.kind = kind;
  e.terminal_id = "T1";
  e.store_id = "S1";
  e.card_token = token;
  e.occurred_at = to_iso8601(std::chrono::system_clock::now() - ago);
  e.payload = std::move(payload);
  return e;
}

std::string flat_white() {
  protocol::PurchasePayload p;
  p.lines.push_back({"Flat white", "coffee", 1, 380, std::nullopt});
  p.total_cents = 380;
  return protocol::encode_payload(p);
}

// Issues terminal `id` of `store`; it pushes every 100 ms and pulls members every second.
std::filesystem::path issue_terminal(const std::filesystem::path& data, const std::string& id,
                                     const std::string& store) {
  std::string out;
  REQUIRE(testing::run({testing::kRapportctl, "terminal", "issue", "--data", data.string(), "--id",
                        id, "--store", store},
                       &out) == 0);
  const auto toml = data / "terminals" / id / "terminal.toml";
  std::string text =
      std::regex_replace(read_text(toml), std::regex("interval_ms = \\d+"), "interval_ms = 100");
  text = std::regex_replace(text, std::regex("members_refresh_s = \\d+"), "members_refresh_s = 1");
  write_file_atomically(toml, text, false);
  return toml;
}

}  // namespace

TEST_CASE("a note and the usual order recorded at one store's terminal greet the member at "
          "another store's",
          "[e2e][notes]") {
  testing::TempDir dir;
  const auto data = dir / "data";
  const auto port = testing::free_port();
  std::string out;
  REQUIRE(testing::run({testing::kRapportctl, "init", "--data", data.string(), "--store", "S1",
                        "--store", "S2", "--listen", "127.0.0.1:" + std::to_string(port)},
                       &out) == 0);
  REQUIRE(testing::run({testing::kRapportctl, "member", "add", "--data", data.string(), "--name",
                        "Ada Lovelace", "--store", "S1"},
                       &out) == 0);
  std::smatch match;
  REQUIRE(std::regex_search(out, match, std::regex("card ([0-9 ]{19})")));
  const std::string card = match[1];
  const auto t1_toml = issue_terminal(data, "T1", "S1");
  const auto t2_toml = issue_terminal(data, "T2", "S2");
  const auto t1_db = data / "terminals/T1/terminal.db";
  const auto t2_db = data / "terminals/T2/terminal.db";

  // At T1: a visit, two flat whites and a note, waiting in its outbox.
  const auto key = card::CardKey::load(data / "card.key").value();
  const auto number =
      card::CardNumber::parse(card, card.substr(0, 4) + card.substr(5, 2)).value();
  const std::string token = key.token_for(number);
  {
    auto db = terminal::open_local_database(t1_db).value();
    terminal::Outbox outbox(db);
    REQUIRE(outbox.append(at_t1(domain::EventKind::kVisit, token, "{}", 300s)));
    REQUIRE(outbox.append(at_t1(domain::EventKind::kPurchase, token, flat_white(), 240s)));
    REQUIRE(outbox.append(at_t1(domain::EventKind::kPurchase, token, flat_white(), 180s)));
    REQUIRE(outbox.append(at_t1(domain::EventKind::kNote, token,
                                protocol::encode_payload(protocol::NotePayload{
                                    protocol::NoteTopic::kPreference, "prefers oat milk"}),
                                120s)));
  }

  ChildProcess server({testing::kRapportServer, "--config", (data / "server.toml").string()},
                      dir / "server.log");
  REQUIRE(wait_until([&] { return log_has(dir / "server.log", "listening"); }, 10s));
  ChildProcess t1({testing::kRapportTerminal, "--config", t1_toml.string()}, dir / "t1.log");
  ChildProcess t2({testing::kRapportTerminal, "--config", t2_toml.string()}, dir / "t2.log");
  REQUIRE(wait_until([&] { return log_has(dir / "t1.log", "ready"); }, 20s));
  REQUIRE(wait_until([&] { return log_has(dir / "t2.log", "ready"); }, 20s));

  // T1 delivers; T2 of the other store pulls Ada (seen in the chain) with the note and the
  // usual order the server derived.
  INFO(read_text(dir / "server.log"));
  REQUIRE(wait_until(
      [&] {
        return terminal_count(t2_db, "SELECT count(*) FROM member_notes WHERE text = "
                                     "'prefers oat milk' AND store_id = 'S1'") == 1 &&
               terminal_count(t2_db, "SELECT count(*) FROM members WHERE usual_order = "
                                     "'Flat white'") == 1;
      },
      20s));
  CHECK(terminal_count(t1_db, "SELECT count(*) FROM outbox") == 0);

  t2.write_stdin(card + "\n");
  REQUIRE(wait_until([&] { return log_has(dir / "t2.log", "usual: Flat white"); }, 10s));
  INFO(read_text(dir / "t2.log"));
  CHECK(log_has(dir / "t2.log", "last time: prefers oat milk (preference, "));
  CHECK(log_has(dir / "t2.log", " at S1) - ask how it was"));

  t1.close_stdin();
  t2.close_stdin();
  CHECK(t1.wait(15s) == 0);
  CHECK(t2.wait(15s) == 0);
  server.send_signal(SIGTERM);
  CHECK(server.wait(15s) == 0);
}
