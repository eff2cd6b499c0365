// tests/e2e/e2e_test.cpp
//
// The real programs, end to end on loopback: rapportctl makes a data folder with its CA,
// rapport-server listens with mutual TLS 1.3, rapport-terminal reads cards on stdin.

#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "server/storage/store.h"
#include "shared/domain/event_id.h"
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

const std::string& kCtl = testing::kRapportctl;
const std::string& kServer = testing::kRapportServer;
const std::string& kTerminal = testing::kRapportTerminal;

// A data folder with store S1, one member with a card, and terminal T1's bundle.
struct Chain {
  std::filesystem::path data;
  unsigned short port;
  std::string card;  // the member's card number, as printed

  Chain(const std::filesystem::path& folder, unsigned short listen_port)
      : data(folder), port(listen_port) {
    std::string out;
    REQUIRE(testing::run({kCtl, "init", "--data", data.string(), "--store", "S1", "--listen",
                          "127.0.0.1:" + std::to_string(port)},
                         &out) == 0);
    REQUIRE(testing::run({kCtl, "member", "add", "--data", data.string(), "--name", "Ada Lovelace",
                          "--store", "S1"},
                         &out) == 0);
    std::smatch match;
    REQUIRE(std::regex_search(out, match, std::regex("card ([0-9 ]{19})")));
    card = match[1];
    REQUIRE(testing::run(
                {kCtl, "terminal", "issue", "--data", data.string(), "--id", "T1", "--store", "S1"},
                &out) == 0);
    // Sync quickly so the test does not wait on the production interval.
    auto toml = read_text(terminal_config());
    toml = std::regex_replace(toml, std::regex("interval_ms = \\d+"), "interval_ms = 100");
    write_file_atomically(terminal_config(), toml, false);
  }

  [[nodiscard]] std::filesystem::path terminal_config() const {
    return data / "terminals/T1/terminal.toml";
  }
  [[nodiscard]] std::filesystem::path terminal_db() const {
    return data / "terminals/T1/terminal.db";
  }

  [[nodiscard]] std::size_t server_events() const {
    auto store = server::open_sqlite_store(data / "rapport.db");
    if (!store) return 0;
    auto events = (*store)->list_events(1000);
    return events ? events->size() : 0;
  }
  [[nodiscard]] std::int64_t ada_visits() const {
    auto store = server::open_sqlite_store(data / "rapport.db");
    if (!store) return -1;
    auto members = (*store)->list_members(std::nullopt);
    return members && !members->empty() ? members->front().visit_count : -1;
  }
  [[nodiscard]] std::int64_t outbox_size() const {
    auto db = terminal::open_local_database(terminal_db());
    if (!db) return -1;
    terminal::Outbox outbox(*db);
    const auto size = outbox.size();
    return size ? *size : -1;
  }

  std::unique_ptr<ChildProcess> start_server(const std::filesystem::path& log) const {
    auto server = std::make_unique<ChildProcess>(
        std::vector<std::string>{kServer, "--config", (data / "server.toml").string()}, log);
    REQUIRE(wait_until([&] { return read_text(log).find("listening") != std::string::npos; }, 10s));
    return server;
  }

  std::unique_ptr<ChildProcess> start_terminal(const std::filesystem::path& log,
                                               std::filesystem::path config = {}) const {
    if (config.empty()) config = terminal_config();
    auto terminal = std::make_unique<ChildProcess>(
        std::vector<std::string>{kTerminal, "--config", config.string()}, log);
    REQUIRE(wait_until([&] { return read_text(log).find("ready") != std::string::npos; }, 20s));
    return terminal;
  }
};

bool log_has(const std::filesystem::path& log, const std::string& text) {
  return read_text(log).find(text) != std::string::npos;
}

// Writes a visit straight into a terminal's outbox, as a buggy or older terminal might have
// stored it; returns its id.
std::string put_in_outbox(storage::Database& db, const std::string& card_token) {
  const std::string id = domain::new_event_id();
  auto insert = db.prepare(
                      "INSERT INTO outbox(id, kind, card_token, member_id, occurred_at) "
                      "VALUES (?1, 'visit', ?2, NULL, ?3)")
                    .value();
  REQUIRE(insert.bind(1, id).bind(2, card_token).bind(3, now_iso8601()).run());
  return id;
}

struct RejectedEvent {
  std::string id;
  std::int64_t http_status;
  std::string reason;
};

std::vector<RejectedEvent> rejected_events(const std::filesystem::path& terminal_db) {
  auto db = terminal::open_local_database(terminal_db).value();
  auto select = db.prepare(
                      "SELECT id, http_status, reason, rejected_at, card_token, occurred_at "
                      "FROM rejected_events ORDER BY rowid")
                    .value();
  std::vector<RejectedEvent> rows;
  while (select.step().value()) {
    CHECK(from_iso8601(select.column_text(3)));
    CHECK_FALSE(select.column_text(4).empty());
    CHECK(from_iso8601(select.column_text(5)));
    rows.push_back({select.column_text(0), select.column_int64(1), select.column_text(2)});
  }
  return rows;
}

}  // namespace

TEST_CASE("a card scanned at the terminal is greeted and its visit reaches the server", "[e2e]") {
  testing::TempDir dir;
  Chain chain(dir / "data", testing::free_port());
  auto server = chain.start_server(dir / "server.log");
  auto terminal = chain.start_terminal(dir / "terminal.log");

  terminal->write_stdin(chain.card + "\n");
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "Ada Lovelace"); }, 10s));
  CHECK(log_has(dir / "terminal.log", "visit recorded"));
  REQUIRE(wait_until([&] { return chain.ada_visits() == 1; }, 15s));

  terminal->write_stdin("1234\n");  // a bad read is refused and the terminal carries on
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "bad read"); }, 10s));
  terminal->close_stdin();
  CHECK(terminal->wait(15s) == 0);
  CHECK(chain.server_events() == 1);
  CHECK(chain.outbox_size() == 0);

  server->send_signal(SIGTERM);
  CHECK(server->wait(15s) == 0);
  INFO(read_text(dir / "server.log"));
  CHECK(log_has(dir / "server.log", "stored 1 new of 1 events"));
}

TEST_CASE("a visit acknowledged at the counter survives SIGKILL and reaches the server once",
          "[e2e]") {
  testing::TempDir dir;
  Chain chain(dir / "data", testing::free_port());

  // Server down: the terminal records the visit locally and says so.
  {
    auto terminal = chain.start_terminal(dir / "terminal1.log");
    terminal->write_stdin(chain.card + "\n");
    REQUIRE(wait_until([&] { return log_has(dir / "terminal1.log", "visit recorded"); }, 10s));
    terminal->send_signal(SIGKILL);  // right after it reported success
    CHECK(terminal->wait(10s) == 128 + SIGKILL);
  }
  CHECK(chain.outbox_size() == 1);

  auto server = chain.start_server(dir / "server.log");
  auto terminal = chain.start_terminal(dir / "terminal2.log");
  REQUIRE(wait_until([&] { return chain.server_events() == 1; }, 20s));
  REQUIRE(wait_until([&] { return chain.outbox_size() == 0; }, 10s));
  // Several more sync rounds: nothing is sent twice.
  std::this_thread::sleep_for(1s);
  terminal->close_stdin();
  CHECK(terminal->wait(15s) == 0);
  CHECK(chain.server_events() == 1);
  CHECK(chain.ada_visits() == 1);
  server->send_signal(SIGTERM);
  CHECK(server->wait(15s) == 0);
}

TEST_CASE("a terminal keeps recording while the server is killed and catches up after", "[e2e]") {
  testing::TempDir dir;
  Chain chain(dir / "data", testing::free_port());
  auto server = chain.start_server(dir / "server1.log");
  auto terminal = chain.start_terminal(dir / "terminal.log");
  terminal->write_stdin(chain.card + "\n");
  REQUIRE(wait_until([&] { return chain.server_events() == 1; }, 15s));

  server->send_signal(SIGKILL);  // the connection drops mid-session, no goodbye
  CHECK(server->wait(10s) == 128 + SIGKILL);
  terminal->write_stdin(chain.card + "\n");
  terminal->write_stdin(chain.card + "\n");
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "visit 3"); }, 10s));
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "unreachable"); }, 10s));
  CHECK(chain.outbox_size() == 2);

  server = chain.start_server(dir / "server2.log");
  REQUIRE(wait_until([&] { return chain.server_events() == 3; }, 30s));
  REQUIRE(wait_until([&] { return chain.outbox_size() == 0; }, 10s));
  terminal->close_stdin();
  CHECK(terminal->wait(15s) == 0);
  CHECK(chain.ada_visits() == 3);
  server->send_signal(SIGTERM);
  CHECK(server->wait(15s) == 0);
}

TEST_CASE("a terminal with a certificate from another CA is refused and keeps its visit", "[e2e]") {
  testing::TempDir dir;
  const auto port = testing::free_port();
  Chain chain(dir / "data", port);
  Chain impostor(dir / "other", port);  // its own CA, same terminal id and store
  auto server = chain.start_server(dir / "server.log");
  auto terminal = impostor.start_terminal(dir / "impostor.log");

  terminal->write_stdin(impostor.card + "\n");
  REQUIRE(wait_until([&] { return log_has(dir / "impostor.log", "visit recorded"); }, 10s));
  REQUIRE(wait_until([&] { return log_has(dir / "impostor.log", "unreachable"); }, 15s));
  terminal->close_stdin();
  CHECK(terminal->wait(20s) == 0);

  CHECK(chain.server_events() == 0);
  CHECK(impostor.outbox_size() == 1);  // nothing lost: it stays until a valid server takes it
  server->send_signal(SIGTERM);
  CHECK(server->wait(15s) == 0);
  INFO(read_text(dir / "server.log"));
  CHECK(log_has(dir / "server.log", "handshake"));
}

TEST_CASE("a revoked terminal is shut out and keeps its visits", "[e2e]") {
  testing::TempDir dir;
  Chain chain(dir / "data", testing::free_port());
  auto server = chain.start_server(dir / "server.log");
  auto terminal = chain.start_terminal(dir / "terminal.log");
  terminal->write_stdin(chain.card + "\n");
  REQUIRE(wait_until([&] { return chain.server_events() == 1; }, 15s));

  REQUIRE(testing::run({kCtl, "terminal", "revoke", "--data", chain.data.string(), "--id", "T1"}) ==
          0);
  terminal->write_stdin(chain.card + "\n");
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "HTTP 403"); }, 15s));
  terminal->close_stdin();
  CHECK(terminal->wait(20s) == 0);
  CHECK(chain.server_events() == 1);
  CHECK(chain.outbox_size() == 1);
  server->send_signal(SIGTERM);
  CHECK(server->wait(15s) == 0);
}

TEST_CASE("a missing or invalid config value stops start-up with a message naming it", "[e2e]") {
  testing::TempDir dir;
  Chain chain(dir / "data", testing::free_port());
  auto toml = read_text(chain.data / "server.toml");
  write_file_atomically(dir / "no-listen.toml",
                        std::regex_replace(toml, std::regex("listen = .*\n"), ""), false);
  std::string out;
  CHECK(testing::run({kServer, "--config", (dir / "no-listen.toml").string()}, &out) != 0);
  CHECK_THAT(out, Catch::Contains("server.listen") && Catch::Contains("missing"));

  write_file_atomically(
      dir / "bad-port.toml",
      std::regex_replace(toml, std::regex("listen = .*\n"), "listen = \"127.0.0.1:99999\"\n"),
      false);
  CHECK(testing::run({kServer, "--config", (dir / "bad-port.toml").string()}, &out) != 0);
  CHECK_THAT(out, Catch::Contains("server.listen") && Catch::Contains("port"));

  CHECK(testing::run({kTerminal, "--config", (dir / "nothing.toml").string()}, &out) != 0);
  CHECK_THAT(out, Catch::Contains("does not exist"));
}

TEST_CASE("events the server refuses on their own are set aside and the rest get through",
          "[e2e]") {
  testing::TempDir dir;
  Chain chain(dir / "data", testing::free_port());
  // The smallest body limit the server accepts, so one oversized event is cheap to make.
  auto toml = read_text(chain.data / "server.toml");
  toml = std::regex_replace(toml, std::regex("max_body_bytes = \\d+"), "max_body_bytes = 262144");
  write_file_atomically(chain.data / "server.toml", toml, false);

  // Good visits of an unknown card around two poison ones: a card token the server's decoder
  // refuses (400) and one too large for its body limit (413).
  const std::string good_token(64, 'a');
  std::vector<std::string> good;
  std::string bad_token_id;
  std::string too_large_id;
  {
    auto db = terminal::open_local_database(chain.terminal_db()).value();
    for (int i = 0; i < 5; ++i) good.push_back(put_in_outbox(db, good_token));
    bad_token_id = put_in_outbox(db, "not-a-card-token");
    for (int i = 0; i < 5; ++i) good.push_back(put_in_outbox(db, good_token));
    too_large_id = put_in_outbox(db, std::string(300'000, 'b'));
    for (int i = 0; i < 5; ++i) good.push_back(put_in_outbox(db, good_token));
  }
  CHECK(chain.outbox_size() == 17);

  auto server = chain.start_server(dir / "server.log");
  auto terminal = chain.start_terminal(dir / "terminal.log");
  // The terminal halves refused batches down to the poison event, backing off between
  // attempts: a few seconds idle, more on a loaded CI machine (one run took over 15 s).
  const bool drained = wait_until([&] { return chain.outbox_size() == 0; }, 60s);
  INFO(read_text(dir / "terminal.log"));
  REQUIRE(drained);
  terminal->close_stdin();
  CHECK(terminal->wait(15s) == 0);

  // Every good event once on the server, in the order the terminal recorded them.
  auto store = server::open_sqlite_store(chain.data / "rapport.db").value();
  const auto events = store->list_events(1000).value();
  REQUIRE(events.size() == good.size());
  for (std::size_t i = 0; i < good.size(); ++i) CHECK(events[i].event.id == good[i]);

  const auto rejected = rejected_events(chain.terminal_db());
  REQUIRE(rejected.size() == 2);
  CHECK(rejected[0].id == bad_token_id);
  CHECK(rejected[0].http_status == 400);
  CHECK_THAT(rejected[0].reason, Catch::Contains("token"));
  CHECK(rejected[1].id == too_large_id);
  CHECK(rejected[1].http_status == 413);
  CHECK_THAT(rejected[1].reason, Catch::Contains("too large"));
  CHECK(log_has(dir / "terminal.log", "refused event " + bad_token_id + " with HTTP 400"));
  CHECK(log_has(dir / "terminal.log", "refused event " + too_large_id + " with HTTP 413"));

  // The next start says so.
  terminal = chain.start_terminal(dir / "terminal2.log");
  terminal->close_stdin();
  CHECK(terminal->wait(15s) == 0);
  CHECK(log_has(dir / "terminal2.log",
                "2 events were refused by the server and kept in rejected_events"));
  CHECK(chain.server_events() == good.size());
  server->send_signal(SIGTERM);
  CHECK(server->wait(15s) == 0);
}

TEST_CASE("a member of another store is recognised through the server, and offline the visit is "
          "kept against the card", "[e2e]") {
  testing::TempDir dir;
  Chain chain(dir / "data", testing::free_port());
  std::string out;
  REQUIRE(testing::run({kCtl, "store", "add", "--data", chain.data.string(), "--id", "S2"}, &out) ==
          0);
  REQUIRE(testing::run({kCtl, "member", "add", "--data", chain.data.string(), "--name",
                        "Grace Hopper", "--store", "S2"},
                       &out) == 0);
  std::smatch match;
  REQUIRE(std::regex_search(out, match, std::regex("card ([0-9 ]{19})")));
  const std::string grace_card = match[1];

  auto server = chain.start_server(dir / "server.log");
  auto terminal = chain.start_terminal(dir / "terminal.log");
  // Grace's home store is S2: T1 of S1 does not hold her, and asks the server.
  CHECK_FALSE(log_has(dir / "terminal.log", "Grace"));
  terminal->write_stdin(grace_card + "\n");
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "Grace Hopper"); }, 10s));
  CHECK(log_has(dir / "terminal.log", "first visit"));

  // The server goes away: an unknown card is greeted as unknown, its visit kept.
  server->send_signal(SIGKILL);
  CHECK(server->wait(10s) == 128 + SIGKILL);
  terminal->write_stdin("6275997654321902\n");
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "unknown card ending 1902"); },
                     10s));
  CHECK(log_has(dir / "terminal.log", "card lookup: no answer"));
  terminal->send_signal(SIGKILL);
  CHECK(terminal->wait(10s) == 128 + SIGKILL);
  CHECK(chain.outbox_size() >= 1);
}

TEST_CASE("a signed card's QR code greets its member offline and an altered one is refused",
          "[e2e][token]") {
  testing::TempDir dir;
  Chain chain(dir / "data", testing::free_port());
  std::string out;
  REQUIRE(testing::run({kCtl, "member", "list", "--data", chain.data.string()}, &out) == 0);
  std::smatch match;
  REQUIRE(std::regex_search(out, match, std::regex("(\\d+) +Ada Lovelace")));
  const std::string member = match[1];
  REQUIRE(testing::run({kCtl, "card", "token", "--data", chain.data.string(), "--member", member,
                        "--card", chain.card},
                       &out) == 0);
  REQUIRE(std::regex_search(out, match, std::regex("qr: (RPT:[A-Z2-7]+)")));
  const std::string qr = match[1];
  std::string altered = qr;
  altered[20] = altered[20] == 'A' ? 'B' : 'A';

  auto server = chain.start_server(dir / "server.log");
  auto terminal = chain.start_terminal(dir / "terminal.log");
  terminal->write_stdin(qr + "\n");
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "Ada Lovelace"); }, 10s));
  terminal->write_stdin(altered + "\n");
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "card REFUSED"); }, 10s));
  CHECK(log_has(dir / "terminal.log", "[T1] !!  card REFUSED"));
  terminal->close_stdin();
  CHECK(terminal->wait(15s) == 0);
  REQUIRE(wait_until([&] { return chain.ada_visits() == 1; }, 15s));  // the forgery is not a visit
}
