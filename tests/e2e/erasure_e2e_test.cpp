// tests/e2e/erasure_e2e_test.cpp
//
// Erasing a member end to end (docs/members-rights.md): the real rapport-server and
// rapport-terminal over mutual TLS on loopback, on both server backends. After
// `rapportctl member erase` and the terminal's next pull, the raw bytes of the server's
// database (SQLite: the file and its -wal; PostgreSQL: the database's files in the test
// cluster's data directory, tests/support/pg_files.h) and of the terminal's database (and
// -wal) hold neither the member's name nor the phone number they told a cashier.

#include <signal.h>

#include <regex>

#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"
#include "shared/domain/event_id.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "tests/support/catch_result.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/pg_files.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ChildProcess;
using rapport::testing::read_text;
using rapport::testing::wait_until;

namespace {

const std::string kName = "Ada Lovelace";
const std::string kPhone = "07700 900123";

// The file and its -wal, as bytes on disk.
std::string raw_bytes(const std::filesystem::path& db) {
  return read_file(db).value_or("") + read_file(db.string() + "-wal").value_or("");
}

bool holds(const std::filesystem::path& db, const std::string& text) {
  return raw_bytes(db).find(text) != std::string::npos;
}

enum class Backend { kSqlite, kPostgresql };

// The server's database as the test reads it: a SQLite file, or (url set) a PostgreSQL
// database of the test cluster.
struct ServerDatabase {
  std::filesystem::path file;
  std::string url;

  [[nodiscard]] std::int64_t count(const std::string& sql) const {
    if (!url.empty()) {
      const auto rows = server::pg::Connection::open(url).value().exec(sql).value();
      return rows.empty() ? -1 : rows.int64(0, 0);
    }
    auto conn = storage::Database::open(file, server::kSqliteMigrations).value();
    auto stmt = conn.prepare(sql).value();
    return stmt.step().value() ? stmt.column_int64(0) : -1;
  }
  // What is on disk now (PostgreSQL: after a CHECKPOINT, so nothing waits in memory).
  [[nodiscard]] bool holds(const std::string& text) const {
    if (url.empty()) return ::holds(file, text);
    REQUIRE(server::pg::Connection::open(url).value().execute_script("CHECKPOINT"));
    return testing::pg_database_bytes(url).find(text) != std::string::npos;
  }
};

// The folder's chain moved to a fresh database of the test cluster with `storage migrate`,
// server.toml pointed at it and the SQLite file removed, as an operator would.
std::string move_to_postgresql(const std::filesystem::path& data) {
  const auto url = testing::PgCluster::shared().fresh_database();
  std::string out;
  REQUIRE(testing::run({testing::kRapportctl, "storage", "migrate", "--from",
                        "sqlite://" + (data / "rapport.db").string(), "--to", url},
                       &out) == 0);
  const auto config = data / "server.toml";
  write_file_atomically(config,
                        std::regex_replace(read_text(config), std::regex("database = \"[^\"]*\""),
                                           "database = \"" + url + "\""),
                        false);
  for (const auto* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(data.string() + "/rapport.db" + suffix);
  }
  return url;
}

void erased_member_leaves_the_files(Backend backend) {
  testing::TempDir dir;
  const auto data = dir / "data";
  const auto port = testing::free_port();
  std::string out;
  REQUIRE(testing::run({testing::kRapportctl, "init", "--data", data.string(), "--store", "S1",
                        "--listen", "127.0.0.1:" + std::to_string(port)},
                       &out) == 0);
  REQUIRE(testing::run({testing::kRapportctl, "member", "add", "--data", data.string(), "--name",
                        kName, "--store", "S1", "--birth-date", "1815-12-10"},
                       &out) == 0);
  std::smatch match;
  REQUIRE(std::regex_search(out, match, std::regex("card ([0-9 ]{19})")));
  const std::string card = match[1];
  REQUIRE(testing::run({testing::kRapportctl, "terminal", "issue", "--data", data.string(), "--id",
                        "T1", "--store", "S1"},
                       &out) == 0);
  const auto terminal_toml = data / "terminals/T1/terminal.toml";
  auto toml = read_text(terminal_toml);
  toml = std::regex_replace(toml, std::regex("interval_ms = \\d+"), "interval_ms = 100");
  toml = std::regex_replace(toml, std::regex("members_refresh_s = \\d+"), "members_refresh_s = 1");
  write_file_atomically(terminal_toml, toml, false);
  ServerDatabase server_db{data / "rapport.db", ""};
  if (backend == Backend::kPostgresql) server_db.url = move_to_postgresql(data);
  const auto terminal_db = data / "terminals/T1/terminal.db";

  ChildProcess server({testing::kRapportServer, "--config", (data / "server.toml").string()},
                      dir / "server.log");
  REQUIRE(wait_until([&] { return read_text(dir / "server.log").find("listening") !=
                                  std::string::npos; }, 10s));
  ChildProcess terminal({testing::kRapportTerminal, "--config", terminal_toml.string()},
                        dir / "terminal.log");
  REQUIRE(wait_until([&] { return read_text(dir / "terminal.log").find("ready") !=
                                  std::string::npos; }, 20s));

  // A visit at the counter, and a note with her phone number waiting in the outbox.
  terminal.write_stdin(card + "\n");
  REQUIRE(wait_until([&] { return read_text(dir / "terminal.log").find(kName) !=
                                  std::string::npos; }, 10s));
  {
    auto db = terminal::open_local_database(terminal_db).value();
    std::string token;
    {
      auto select = db.prepare("SELECT token FROM cards WHERE member_id = 1").value();
      REQUIRE(select.step().value());
      token = select.column_text(0);
    }  // the read ends here, so the insert below is not refused a stale snapshot
    auto insert = db.prepare("INSERT INTO outbox(id, kind, card_token, member_id, occurred_at, "
                             "payload) VALUES (?1, 'note', ?2, 1, ?3, ?4)")
                      .value();
    insert.bind(1, domain::new_event_id())
        .bind(2, token)
        .bind(3, now_iso8601())
        .bind(4, R"({"topic":"other","text":"call me on )" + kPhone + R"("})");
    // The terminal's sync worker may hold the write lock a moment: try again.
    REQUIRE(wait_until([&] { return static_cast<bool>(insert.run()); }, 10s));
  }
  terminal.write_stdin(card + "\n");  // wakes the sync worker
  REQUIRE(wait_until([&] { return server_db.count("SELECT count(*) FROM notes") == 1 &&
                                  server_db.count("SELECT visit_count FROM members") == 2; },
                     15s));
  const auto events_before = server_db.count("SELECT count(*) FROM events WHERE member_id = 1");
  // Both files hold her now: checks that could not fail would prove nothing.
  CHECK(server_db.holds(kName));
  CHECK(server_db.holds(kPhone));
  CHECK(holds(terminal_db, kName));
  REQUIRE(testing::run({testing::kRapportctl, "member", "export", "--data", data.string(),
                        "--member", "1"},
                       &out) == 0);
  CHECK(out.find(kPhone) != std::string::npos);

  // Erased while both programs run.
  REQUIRE(testing::run({testing::kRapportctl, "member", "erase", "--data", data.string(),
                        "--member", "1", "--reason", "customer request", "--staff", "j.smith"},
                       &out) == 0);
  INFO(out);
  REQUIRE(wait_until([&] {
    auto db = terminal::open_local_database(terminal_db).value();
    auto members = db.prepare("SELECT count(*) FROM members").value();
    return members.step().value() && members.column_int64(0) == 0;
  }, 15s));
  // The terminal rewrites its file right after the removal's transaction.
  CHECK(wait_until([&] { return !holds(terminal_db, kName) && !holds(terminal_db, kPhone); }, 10s));
  CHECK_FALSE(holds(terminal_db, "1815-12-10"));
  CHECK_FALSE(server_db.holds(kName));
  CHECK_FALSE(server_db.holds(kPhone));
  CHECK_FALSE(server_db.holds("1815-12-10"));
  // Her events stay, under the same (now pseudonymous) member id.
  CHECK(server_db.count("SELECT count(*) FROM events WHERE member_id = 1") == events_before);
  CHECK(server_db.count("SELECT count(*) FROM erasures") == 1);

  terminal.close_stdin();
  CHECK(terminal.wait(15s) == 0);
  server.send_signal(SIGTERM);
  CHECK(server.wait(15s) == 0);
  INFO(read_text(dir / "terminal.log"));
  CHECK_FALSE(holds(terminal_db, kName));
  CHECK_FALSE(server_db.holds(kName));
}

}  // namespace

TEST_CASE("an erased member's name and phone leave the server's and the terminal's files",
          "[e2e][rights]") {
  erased_member_leaves_the_files(Backend::kSqlite);
}

TEST_CASE("on postgresql: an erased member's name and phone leave the server's database files "
          "and the terminal's",
          "[e2e][rights][postgresql]") {
  erased_member_leaves_the_files(Backend::kPostgresql);
}
