// tests/fault/multi_instance_test.cpp
//
// Several rapport-server instances on one SQLite file (WAL), with the real programs and real
// TLS (docs/deployment.md): a terminal configured with both addresses fails over when the
// instance it uses is SIGKILLed mid-batch, and every event it had is stored exactly once (on
// SQLite, and again with both instances on one PostgreSQL database of the ctest run's
// cluster, tests/support/pg_cluster.h, there also with rewards rules: every points posting
// once); a scheduled job's lease moves to the other instance
// when its holder dies; a dashboard session opened on one instance is valid on the other (on
// SQLite and on PostgreSQL, where the dashboard's pages are answered from it too).

#include <signal.h>

#include <map>
#include <regex>
#include <set>
#include <thread>

#include "server/storage/lease_store.h"
#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/store_url.h"
#include "shared/domain/event_id.h"
#include "shared/net/https_client.h"
#include "shared/protocol/event_payloads.h"
#include "shared/storage/database.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "tests/support/catch_result.h"
#include "tests/support/counter_rewards_rules.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ChildProcess;
using rapport::testing::read_text;
using rapport::testing::wait_until;

namespace {

const std::string kPassword = "manager password 1";

std::string local(unsigned short port) { return "127.0.0.1:" + std::to_string(port); }

bool log_has(const std::filesystem::path& log, const std::string& text) {
  return read_text(log).find(text) != std::string::npos;
}

// "instance id X" from a server's log; empty until it is there.
std::string instance_of(const std::filesystem::path& log) {
  std::smatch match;
  const auto text = read_text(log);
  return std::regex_search(text, match, std::regex("instance id ([0-9a-f]{16})")) ? match[1].str()
                                                                                 : "";
}

enum class Backend { kSqlite, kPostgresql };

// A chain with two server configs on one database: server.toml (instance A) and
// server-b.toml (instance B), each with its own sync, enrollment and dashboard listener;
// leases of one second; terminal T1 configured with both sync addresses, A first. On
// PostgreSQL both configs name a fresh database of the shared cluster (`database_url`),
// holding the stores and terminals rapportctl wrote into the data folder's SQLite file.
struct TwoInstances {
  testing::TempDir dir;
  std::filesystem::path data = dir / "data";
  unsigned short sync_a = testing::free_port();
  unsigned short sync_b = testing::free_port();
  unsigned short dashboard_a = testing::free_port();
  unsigned short dashboard_b = testing::free_port();

  std::string database_url = "sqlite://" + (data / "rapport.db").string();

  explicit TwoInstances(Backend backend = Backend::kSqlite) {
    const auto enroll_a = testing::free_port();
    const auto enroll_b = testing::free_port();
    std::string out;
    REQUIRE(testing::run({testing::kRapportctl, "init", "--data", data.string(), "--store", "S1",
                          "--listen", local(sync_a), "--enroll-listen", local(enroll_a),
                          "--dashboard-listen", local(dashboard_a)},
                         &out) == 0);
    REQUIRE(testing::run({testing::kRapportctl, "terminal", "issue", "--data", data.string(),
                          "--id", "T1", "--store", "S1"},
                         &out) == 0);
    if (backend == Backend::kPostgresql) use_postgresql();
    auto toml = read_text(data / "server.toml") + "\n[leases]\nlength_ms = 1000\n";
    write_file_atomically(data / "server.toml", toml, false);
    for (const auto& [from, to] : {std::pair{sync_a, sync_b}, std::pair{enroll_a, enroll_b},
                                   std::pair{dashboard_a, dashboard_b}}) {
      toml = std::regex_replace(toml, std::regex("\"" + local(from) + "\""), "\"" + local(to) + "\"");
    }
    write_file_atomically(data / "server-b.toml", toml, false);

    auto terminal = read_text(terminal_config());
    terminal = std::regex_replace(terminal, std::regex("address = \"[^\"]*\""),
                                  "addresses = [\"" + local(sync_a) + "\", \"" + local(sync_b) +
                                      "\"]");
    terminal = std::regex_replace(terminal, std::regex("interval_ms = \\d+"), "interval_ms = 100");
    terminal = std::regex_replace(terminal, std::regex("request_timeout_ms = \\d+"),
                                  "request_timeout_ms = 2000");
    terminal += "\n[readers]\nconsole = true\nusb = false\n";
    write_file_atomically(terminal_config(), terminal, false);
  }

  // Points both configs (written from server.toml next) at a new PostgreSQL database, and
  // copies there what rapportctl init and terminal issue registered (rapportctl speaks
  // SQLite only for now).
  void use_postgresql() {
    database_url = testing::PgCluster::shared().fresh_database();
    auto sqlite = storage::Database::open(data / "rapport.db", server::kSqliteMigrations).value();
    auto pg = server::open_store(database_url).value();
    auto stores = sqlite.prepare("SELECT id, name FROM stores").value();
    while (stores.step().value()) {
      REQUIRE(pg->add_store(stores.column_text(0), stores.column_text(1)));
    }
    auto terminals =
        sqlite.prepare("SELECT id, store_id, certificate_serial FROM terminals").value();
    while (terminals.step().value()) {
      REQUIRE(pg->register_terminal(
          {terminals.column_text(0), terminals.column_text(1), terminals.column_text(2), false}));
    }
    const auto toml = std::regex_replace(read_text(data / "server.toml"),
                                         std::regex("\ndatabase = \"[^\"]*\""),
                                         "\ndatabase = \"" + database_url + "\"");
    REQUIRE(toml.find(database_url) != std::string::npos);
    write_file_atomically(data / "server.toml", toml, false);
  }

  // A query's rows of (text, integer), from whichever database the chain uses.
  [[nodiscard]] std::vector<std::pair<std::string, std::int64_t>> pairs(const char* sql) const {
    std::vector<std::pair<std::string, std::int64_t>> out;
    if (database_url.rfind("postgresql://", 0) == 0) {
      auto pg = server::pg::Connection::open(database_url).value();
      const auto rows = pg.exec(sql).value();
      for (std::size_t r = 0; r < rows.size(); ++r) {
        out.emplace_back(rows.text(r, 0), rows.int64(r, 1));
      }
      return out;
    }
    auto db = storage::Database::open(data / "rapport.db", server::kSqliteMigrations).value();
    auto select = db.prepare(sql).value();
    while (select.step().value()) out.emplace_back(select.column_text(0), select.column_int64(1));
    return out;
  }

  // Each stored event id with how often it is stored.
  [[nodiscard]] std::vector<std::pair<std::string, std::int64_t>> stored_events() const {
    return pairs("SELECT id, count(*) FROM events GROUP BY id");
  }

  [[nodiscard]] std::filesystem::path terminal_config() const {
    return data / "terminals/T1/terminal.toml";
  }
  [[nodiscard]] std::filesystem::path terminal_db() const {
    return data / "terminals/T1/terminal.db";
  }

  std::unique_ptr<ChildProcess> start_server(const std::string& config,
                                             const std::filesystem::path& log) const {
    auto server = std::make_unique<ChildProcess>(
        std::vector<std::string>{testing::kRapportServer, "--config", (data / config).string()},
        log);
    // Its leases are the last thing it sets up: taken, or another instance has them.
    const bool started = wait_until([&] { return log_has(log, "lease points-expiry:"); }, 30s);
    INFO(config << "'s log:\n" << read_text(log));
    REQUIRE(started);
    return server;
  }
};

std::int64_t outbox_size(const std::filesystem::path& terminal_db) {
  auto db = terminal::open_local_database(terminal_db);
  if (!db) return -1;
  auto count = db->prepare("SELECT count(*) FROM outbox");
  if (!count || !count->step()) return -1;
  return count->column_int64(0);
}

// Every 10th visit of a member earns 5 points (the counter's rules otherwise).
constexpr int kEveryNthVisit = 10;
constexpr int kNthVisitPoints = 5;

// Both configs get rewards rules, and the card the visits are made with gets a member, so
// every visit goes through the points ledger too.
std::int64_t add_rewards(TwoInstances& chain, const std::string& token) {
  auto rules = testing::kCounterRewardsRules;
  rules.replace(rules.find("[earning]\n") + 10, 0,
                "every_nth_visit = " + std::to_string(kEveryNthVisit) +
                    "\nnth_visit_points = " + std::to_string(kNthVisitPoints) + "\n");
  write_file_atomically(chain.data / "rewards.toml", rules, false);
  for (const char* config : {"server.toml", "server-b.toml"}) {
    write_file_atomically(chain.data / config,
                          read_text(chain.data / config) + "\n[rewards]\nrules = \"rewards.toml\"\n",
                          false);
  }
  auto store = server::open_store(chain.database_url).value();
  return store->enroll_member({"Ada Lovelace", "S1", std::nullopt},
                              {token, "7894", domain::CardStatus::kActive})
      .value();
}

// Two instances on `backend`; the terminal's sync instance is SIGKILLed mid-batch. With
// `rewards`, the visits are a member's and earn through the points ledger.
void fail_over_mid_batch(Backend backend, bool rewards = false) {
  ::signal(SIGPIPE, SIG_IGN);
  TwoInstances chain(backend);
  const std::string token(64, 'a');
  const std::int64_t member = rewards ? add_rewards(chain, token) : 0;
  auto a = chain.start_server("server.toml", chain.dir / "a.log");
  auto b = chain.start_server("server-b.toml", chain.dir / "b.log");
  auto terminal = std::make_unique<ChildProcess>(
      std::vector<std::string>{testing::kRapportTerminal, "--config",
                               chain.terminal_config().string()},
      chain.dir / "terminal.log");
  REQUIRE(wait_until([&] { return log_has(chain.dir / "terminal.log", "ready"); }, 30s));

  // Visits and purchases of a card the chain does not know (stored against no member; with
  // `rewards`, visits of Ada's card), written into the running terminal's outbox in chunks,
  // as its counter would, while it syncs with A. A purchase's effect (its row, its amount)
  // must be there once too.
  constexpr int kChunks = 20;
  constexpr int kPerChunk = 1000;
  std::set<std::string> ids;
  std::map<std::string, std::int64_t> purchases;  // event id -> amount
  {
    auto db = terminal::open_local_database(chain.terminal_db()).value();
    auto insert = db.prepare("INSERT INTO outbox(id, kind, card_token, member_id, occurred_at, "
                             "payload) VALUES (?1, ?2, ?3, NULL, ?4, ?5)")
                      .value();
    for (int chunk = 0; chunk < kChunks; ++chunk) {
      auto tx = storage::Transaction::begin(db).value();
      for (int i = 0; i < kPerChunk; ++i) {
        const auto id = domain::new_event_id();
        std::string kind = "visit";
        std::string payload = "{}";
        if (!rewards && i % 2 == 1) {  // with rewards, visits alone: the bonus counts them
          protocol::PurchasePayload sale;
          sale.total_cents = 100 + (chunk * kPerChunk + i) % 997;
          sale.lines = {{"Coffee", "drinks", 1, sale.total_cents, std::nullopt}};
          kind = "purchase";
          payload = protocol::encode_payload(sale);
          purchases.emplace(id, sale.total_cents);
        }
        REQUIRE(insert.bind(1, id).bind(2, kind).bind(3, token).bind(4, now_iso8601())
                    .bind(5, payload).run());
        ids.insert(id);
      }
      REQUIRE(tx.commit());
      if (chunk == kChunks / 2) {
        // A has stored some batches and more are due: kill it while it works.
        REQUIRE(wait_until([&] { return log_has(chain.dir / "a.log", "stored"); }, 30s));
        CHECK(outbox_size(chain.terminal_db()) > 0);
        a->send_signal(SIGKILL);
        REQUIRE(a->wait(20s) == 128 + SIGKILL);
      }
    }
  }
  REQUIRE(ids.size() == static_cast<std::size_t>(kChunks * kPerChunk));
  REQUIRE(wait_until([&] { return outbox_size(chain.terminal_db()) == 0; }, 120s));
  CHECK(log_has(chain.dir / "terminal.log", "failing over to " + local(chain.sync_b)));
  CHECK(log_has(chain.dir / "b.log", "stored"));
  terminal->close_stdin();
  REQUIRE(terminal->wait(30s) == 0);
  b->send_signal(SIGTERM);
  REQUIRE(b->wait(30s) == 0);

  // Every event once, nothing else: read from the shared database.
  std::size_t stored = 0;
  std::size_t twice = 0;
  std::size_t unknown = 0;
  for (const auto& [id, count] : chain.stored_events()) {
    ++stored;
    if (count != 1) ++twice;
    if (ids.count(id) == 0) ++unknown;
  }
  CHECK(stored == ids.size());
  CHECK(twice == 0);
  CHECK(unknown == 0);
  CHECK(outbox_size(chain.terminal_db()) == 0);
  // Each purchase once, with its amount: the effects of a retried batch are not doubled.
  const auto rows = chain.pairs("SELECT event_id, amount_cents FROM purchases");
  const std::map<std::string, std::int64_t> stored_purchases(rows.begin(), rows.end());
  CHECK(rows.size() == purchases.size());
  CHECK(stored_purchases == purchases);
  if (rewards) {
    // Every visit counted once, and the bonus of every 10th posted once.
    auto store = server::open_store(chain.database_url).value();
    const auto ada = store->find_member_by_card(token).value();
    REQUIRE(ada);
    CHECK(ada->id == member);
    CHECK(ada->visit_count == kChunks * kPerChunk);
    CHECK(store->points_balance(member).value() ==
          kChunks * kPerChunk / kEveryNthVisit * kNthVisitPoints);
    CHECK(store->points_liability().value().chain_accounts ==
          -kChunks * kPerChunk / kEveryNthVisit * kNthVisitPoints);
  }
}

}  // namespace

TEST_CASE("A terminal with two server addresses fails over when its server is killed "
          "mid-batch, and every event is stored once",
          "[fault][multi]") {
  fail_over_mid_batch(Backend::kSqlite);
}

TEST_CASE("On PostgreSQL, a terminal with two server addresses fails over when its server is "
          "killed mid-batch, and every event is stored once",
          "[fault][multi][postgresql]") {
  fail_over_mid_batch(Backend::kPostgresql);
}

TEST_CASE("On PostgreSQL with rewards rules, a terminal fails over when its server is killed "
          "mid-batch, and every event and every points posting is stored once",
          "[fault][multi][postgresql][rewards]") {
  fail_over_mid_batch(Backend::kPostgresql, true);
}

TEST_CASE("A scheduled job's lease is held by one instance and moves when it dies",
          "[fault][multi]") {
  TwoInstances chain;
  auto a = chain.start_server("server.toml", chain.dir / "a.log");
  auto b = chain.start_server("server-b.toml", chain.dir / "b.log");
  const auto id_a = instance_of(chain.dir / "a.log");
  const auto id_b = instance_of(chain.dir / "b.log");
  REQUIRE(id_a.size() == 16);
  REQUIRE(id_b.size() == 16);
  REQUIRE(id_a != id_b);
  auto leases = server::open_sqlite_lease_store(chain.data / "rapport.db").value();
  for (const char* job : {"value-refresh", "points-expiry"}) {
    CHECK(leases->holder_of(job).value()->holder == id_a);
  }
  CHECK(log_has(chain.dir / "a.log", "lease value-refresh: taken by instance " + id_a));
  CHECK(log_has(chain.dir / "b.log", "instance " + id_b + " stands by"));
  // A stays the holder while alive: B never takes it over a few lease lengths.
  std::this_thread::sleep_for(2500ms);
  CHECK_FALSE(log_has(chain.dir / "b.log", "taken by instance"));
  CHECK(leases->holder_of("value-refresh").value()->holder == id_a);

  a->send_signal(SIGKILL);  // no release: B must wait for the lease to expire
  REQUIRE(a->wait(20s) == 128 + SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  REQUIRE(wait_until(
      [&] {
        return log_has(chain.dir / "b.log", "lease value-refresh: taken by instance " + id_b) &&
               log_has(chain.dir / "b.log", "lease points-expiry: taken by instance " + id_b);
      },
      10s));
  WARN("lease taken over " +
       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - killed)
                          .count()) +
       " ms after the holder was killed (lease 1000 ms)");
  for (const char* job : {"value-refresh", "points-expiry"}) {
    CHECK(leases->holder_of(job).value()->holder == id_b);
  }
  b->send_signal(SIGTERM);
  REQUIRE(b->wait(30s) == 0);
  // A clean stop releases: nobody holds the jobs now.
  CHECK_FALSE(leases->holder_of("value-refresh").value());
}

namespace {

// The staff user is added by rapportctl into the folder's database (PostgreSQL's, once the
// folder names it); the session opened on A answers on B, and so do B's pages.
void session_on_either_instance(Backend backend) {
  TwoInstances chain(backend);
  {
    ChildProcess add({testing::kRapportctl, "user", "add", "--data", chain.data.string(),
                      "--name", "maria", "--role", "store-manager", "--stores", "S1"},
                     chain.dir / "user-add.log");
    add.write_stdin(kPassword + "\n");
    add.close_stdin();
    INFO(read_text(chain.dir / "user-add.log"));
    REQUIRE(add.wait(60s) == 0);
  }
  auto a = chain.start_server("server.toml", chain.dir / "a.log");
  auto b = chain.start_server("server-b.toml", chain.dir / "b.log");
  REQUIRE(wait_until([&] { return log_has(chain.dir / "b.log", "dashboard listening"); }, 30s));
  const auto browser_to = [&](unsigned short port) {
    net::ClientOptions options;
    options.port = port;
    options.server_name = "localhost";
    options.tls = {{}, {}, chain.data / "ca/ca.crt"};
    return net::HttpsClient::create(options);
  };
  auto on_a = browser_to(chain.dashboard_a);
  auto on_b = browser_to(chain.dashboard_b);
  const auto login = on_a->request("POST", "/api/login",
                                   R"({"name":"maria","password":")" + kPassword + R"("})", 10s);
  REQUIRE(login);
  REQUIRE(login->status == 200);
  std::string cookie;
  for (const auto& header : login->headers) {
    if (header.name == "set-cookie") cookie = header.value.substr(0, header.value.find(';'));
  }
  REQUIRE_FALSE(cookie.empty());
  const auto on_other = on_b->request("GET", "/api/session", "", 10s, {{"Cookie", cookie}});
  REQUIRE(on_other);
  CHECK(on_other->status == 200);
  CHECK(on_other->body.find("maria") != std::string::npos);
  // A page of the store through B: its staff store answers from the same database.
  const auto regulars = on_b->request("GET", "/api/stores/S1/regulars", "", 10s,
                                      {{"Cookie", cookie}});
  REQUIRE(regulars);
  CHECK(regulars->status == 200);
  // Without the cookie B refuses: the 200 above came from the session, not from B.
  const auto anonymous = on_b->request("GET", "/api/session", "", 10s);
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  // The session also survives A's death: B still answers it.
  a->send_signal(SIGKILL);
  REQUIRE(a->wait(20s) == 128 + SIGKILL);
  const auto after = on_b->request("GET", "/api/session", "", 10s, {{"Cookie", cookie}});
  REQUIRE(after);
  CHECK(after->status == 200);
  b->send_signal(SIGTERM);
  REQUIRE(b->wait(30s) == 0);
}

}  // namespace

TEST_CASE("A dashboard session opened on one instance is valid on the other",
          "[fault][multi]") {
  session_on_either_instance(Backend::kSqlite);
}

TEST_CASE("On PostgreSQL, a dashboard session opened on one instance is valid on the other",
          "[fault][multi]") {
  session_on_either_instance(Backend::kPostgresql);
}
