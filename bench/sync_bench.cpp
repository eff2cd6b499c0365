// bench/sync_bench.cpp
//
// bench_sync: figures for the sync path with the real rapport-server on loopback over mutual
// TLS 1.3 (docs/performance.md, "Sync"):
//   1. ingest: 1, 10, 100 simulated terminals (one thread and one client certificate each)
//      push batches of visit events; every batch is answered only after its transaction is
//      durable (synchronous=FULL). Events/s over the whole run, batch latency.
//   2. catch-up: a real rapport-terminal starts with N events queued in its outbox; time
//      until the outbox is empty.
//   3. idle: K terminals connected (TLS established, kept alive) to a fresh server; its RSS.
// With --database postgresql the servers share a PostgreSQL database (a throwaway cluster's,
// or --url) and with --instances N the simulated terminals are spread over N servers on one
// database (issue 12: 100 terminals across two instances); catch-up is skipped there (its
// terminal is registered by rapportctl, which speaks SQLite only).
// It prints figures; it asserts nothing about speed. It exits non-zero only when something
// did not work (a refused batch, a server that would not start).

#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "bench/proc_status.h"
#include "server/server_config.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/crypto/certificates.h"
#include "shared/domain/event_id.h"
#include "shared/net/https_client.h"
#include "shared/storage/database.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using rapport::testing::binary;
using rapport::testing::ChildProcess;
using rapport::testing::read_text;
using rapport::testing::wait_until;
using rapport::bench::status_kb;

namespace {

const std::string kCtl = binary("server/rapportctl").string();
const std::string kServer = binary("server/rapport-server").string();
const std::string kTerminal = binary("terminal/rapport-terminal").string();

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "bench_sync: " << what << "\n";
  std::exit(1);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15).
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;
  double user = 0;
  double system = 0;
  fields >> user >> system;
  return (user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

std::size_t open_fds(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

void raise_open_file_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  std::cout << "open-file limit (inherited by the server): " << limit.rlim_cur << "\n";
}

struct Options {
  std::size_t events = 200'000;
  std::vector<std::size_t> terminals = {1, 10, 100};
  std::size_t batch = 200;  // the terminal's batch size (terminal/sync_worker.cpp)
  std::size_t catchup = 100'000;
  std::size_t idle = 1000;
  std::string database = "sqlite";  // or postgresql
  std::string url;                  // an existing postgresql:// database
  std::size_t instances = 1;        // servers on the one database
};

// A data folder with store S1, one member with a card, and client certificates for
// `terminals` simulated terminals (B0, B1, ...), registered like `rapportctl terminal issue`,
// in the SQLite file or the PostgreSQL database; server.toml for instance 0 and
// server-I.toml for instance I, each with its own listeners.
struct Chain {
  testing::TempDir dir;
  std::filesystem::path data = dir / "data";
  std::uint16_t port = testing::free_port();
  std::vector<std::uint16_t> ports{port};  // instance I's sync port
  std::string card_token;
  std::int64_t member_id = 0;
  std::size_t terminals = 0;

  Chain(std::size_t terminal_count, std::size_t max_connections, const Options& o)
      : terminals(terminal_count) {
    std::string out;
    if (testing::run({kCtl, "init", "--data", data.string(), "--store", "S1", "--listen",
                      "127.0.0.1:" + std::to_string(port)},
                     &out) != 0) {
      fail("rapportctl init failed: " + out);
    }
    // Idle terminals stay connected for the whole measurement; more connections than the
    // default 256. Configuration only.
    auto toml = read_text(data / "server.toml");
    toml = std::regex_replace(toml, std::regex("io_timeout_ms = \\d+"),
                              "io_timeout_ms = 600000\nmax_connections = " +
                                  std::to_string(max_connections));
    write_file_atomically(data / "server.toml", toml, false);

    if (testing::run({kCtl, "member", "add", "--data", data.string(), "--name", "Ada Lovelace",
                      "--store", "S1"},
                     &out) != 0) {
      fail("rapportctl member add failed: " + out);
    }
    std::smatch match;
    if (!std::regex_search(out, match, std::regex("member (\\d+) .*card ([0-9 ]{19})"))) {
      fail("unexpected rapportctl output: " + out);
    }
    member_id = std::stoll(match[1]);
    const auto config = server::load_server_config(data / "server.toml");
    const auto key = card::CardKey::load(config.card_key).value();
    card_token = key.token_for(card::CardNumber::parse(match[2].str(), config.issuer_prefix).value());

    std::unique_ptr<server::Store> store;
    if (o.database == "postgresql") {
      // rapportctl speaks SQLite only: the store, the member and its card go in through the
      // Store, and both configs name the database.
      const std::string url =
          o.url.empty() ? testing::PgCluster::shared().fresh_database() : o.url;
      auto opened = server::open_store(url);
      if (!opened) fail("cannot open " + url + ": " + opened.error().message());
      store = std::move(*opened);
      const auto digits = std::regex_replace(match[2].str(), std::regex(" "), "");
      if (!store->add_store("S1", "Store S1")) fail("cannot add store S1 on PostgreSQL");
      const auto enrolled = store->enroll_member(
          {"Ada Lovelace", "S1", std::nullopt},
          {card_token, digits.substr(digits.size() - 4), domain::CardStatus::kActive});
      if (!enrolled) fail("cannot enroll the member on PostgreSQL");
      member_id = *enrolled;
      toml = std::regex_replace(read_text(data / "server.toml"),
                                std::regex("\ndatabase = \"[^\"]*\""),
                                "\ndatabase = \"" + url + "\"");
      write_file_atomically(data / "server.toml", toml, false);
    } else {
      store = server::open_sqlite_store(data / "rapport.db").value();
    }
    // Instances after the first: the same config on other sync and enrollment ports.
    const auto at = [](std::uint16_t p) { return "\"127.0.0.1:" + std::to_string(p) + "\""; };
    for (std::size_t i = 1; i < o.instances; ++i) {
      ports.push_back(testing::free_port());
      auto other = std::regex_replace(toml, std::regex(at(port)), at(ports.back()));
      other = std::regex_replace(other, std::regex(at(static_cast<std::uint16_t>(port + 1))),
                                 at(testing::free_port()));
      write_file_atomically(data / ("server-" + std::to_string(i) + ".toml"), other, false);
    }

    const crypto::KeyAndCertificate ca{read_text(data / "ca/ca.crt"), read_text(data / "ca/ca.key")};
    std::filesystem::create_directories(dir / "certs");
    for (std::size_t i = 0; i < terminals; ++i) {
      const std::string id = "B" + std::to_string(i);
      const auto issued =
          crypto::issue_certificate(ca, {id, "S1", {}, {}, crypto::CertificateUse::kClient, 30});
      if (!issued) fail("cannot issue a certificate: " + issued.error().message());
      write_file_atomically(dir / "certs" / (id + ".crt"), issued->certificate_pem, false);
      write_file_atomically(dir / "certs" / (id + ".key"), issued->private_key_pem, true);
      const auto info = crypto::read_certificate_info(issued->certificate_pem).value();
      if (!store->register_terminal({id, "S1", info.serial_hex, false})) {
        fail("cannot register terminal " + id);
      }
    }
  }

  // Terminal T talks to instance T mod instances.
  [[nodiscard]] net::ClientOptions client(std::size_t terminal) const {
    net::ClientOptions options;
    options.port = ports[terminal % ports.size()];
    options.server_name = "localhost";
    const auto id = "B" + std::to_string(terminal);
    options.tls = {dir / "certs" / (id + ".crt"), dir / "certs" / (id + ".key"),
                   data / "ca/ca.crt"};
    return options;
  }

  // Instance `instance` (0: server.toml), ready when it answers a terminal.
  [[nodiscard]] std::unique_ptr<ChildProcess> start_server(const std::string& name,
                                                           std::size_t instance = 0) const {
    const auto log = dir / (name + ".log");
    const auto config =
        instance == 0 ? data / "server.toml" : data / ("server-" + std::to_string(instance) + ".toml");
    auto server = std::make_unique<ChildProcess>(
        std::vector<std::string>{kServer, "--config", config.string()}, log);
    auto probe = net::HttpsClient::create(client(instance));
    const bool up = wait_until(
        [&] {
          const auto r = probe->request("GET", "/sync/v1/health", "", 1s);
          return r && r->status == 200;
        },
        30s);
    if (!up) fail("rapport-server did not start: " + read_text(log));
    return server;
  }

  // A POST /sync/v1/events body of `count` new visit events (docs/protocol.md).
  [[nodiscard]] std::string batch_body(std::size_t count) const {
    std::string body = "{\"events\":[";
    const auto now = now_iso8601();
    for (std::size_t i = 0; i < count; ++i) {
      if (i > 0) body += ',';
      body += "{\"id\":\"" + domain::new_event_id() + "\",\"kind\":\"visit\",\"card_token\":\"" +
              card_token + "\",\"member_id\":" + std::to_string(member_id) +
              ",\"occurred_at\":\"" + now + "\"}";
    }
    return body + "]}";
  }
};

std::size_t percentile(std::vector<std::size_t> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// CPU seconds of all server instances.
double cpu_seconds(const std::vector<pid_t>& pids) {
  double total = 0;
  for (const auto pid : pids) total += cpu_seconds(pid);
  return total;
}

void bench_ingest(const Chain& chain, const Options& o, const std::vector<pid_t>& server_pids,
                  std::size_t terminals) {
  const std::size_t per_terminal = std::max<std::size_t>(o.batch, o.events / terminals);
  const std::size_t batches = per_terminal / o.batch;
  // Bodies are built before the clock starts: the figure is the server's, not the JSON's.
  std::vector<std::vector<std::string>> bodies(terminals);
  for (auto& b : bodies) {
    for (std::size_t i = 0; i < batches; ++i) b.push_back(chain.batch_body(o.batch));
  }
  std::vector<std::unique_ptr<net::HttpsClient>> clients;
  for (std::size_t t = 0; t < terminals; ++t) {
    clients.push_back(net::HttpsClient::create(chain.client(t)));
    const auto r = clients.back()->request("GET", "/sync/v1/health", "", 10s);  // connect now
    if (!r || r->status != 200) fail("terminal B" + std::to_string(t) + " cannot connect");
  }
  std::vector<std::vector<std::size_t>> latencies_us(terminals);
  std::atomic<bool> failed{false};
  std::barrier start(static_cast<std::ptrdiff_t>(terminals + 1));
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < terminals; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (const auto& body : bodies[t]) {
        const auto sent = Clock::now();
        const auto r = clients[t]->request("POST", "/sync/v1/events", body, 60s);
        if (!r || r->status != 200 || r->body.find("acknowledged") == std::string::npos) {
          if (!failed.exchange(true)) {
            std::cerr << "batch failed: "
                      << (r ? std::to_string(r->status) + " " + r->body : r.error().message())
                      << "\n";
          }
          return;
        }
        latencies_us[t].push_back(static_cast<std::size_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count()));
      }
    });
  }
  const double server_cpu_before = cpu_seconds(server_pids);
  const double own_cpu_before = own_cpu_seconds();
  const auto begin = Clock::now();
  start.arrive_and_wait();
  for (auto& thread : threads) thread.join();
  const double elapsed = seconds_since(begin);
  if (failed) fail("ingest with " + std::to_string(terminals) + " terminals failed");
  std::vector<std::size_t> all;
  for (const auto& l : latencies_us) all.insert(all.end(), l.begin(), l.end());
  const double events = static_cast<double>(terminals * batches * o.batch);
  std::printf(
      "ingest  %3zu terminals  %7.0f events in %6.2f s  = %8.0f events/s   batch of %zu: "
      "p50 %6.1f ms  p99 %6.1f ms   server CPU %.2f s, bench CPU %.2f s\n",
      terminals, events, elapsed, events / elapsed, o.batch,
      static_cast<double>(percentile(all, 0.5)) / 1000.0,
      static_cast<double>(percentile(all, 0.99)) / 1000.0, cpu_seconds(server_pids) - server_cpu_before,
      own_cpu_seconds() - own_cpu_before);
  std::fflush(stdout);
}

void bench_catchup(const Chain& chain, const Options& o) {
  std::string out;
  if (testing::run({kCtl, "terminal", "issue", "--data", chain.data.string(), "--id", "TC",
                    "--store", "S1"},
                   &out) != 0) {
    fail("rapportctl terminal issue failed: " + out);
  }
  const auto bundle = chain.data / "terminals/TC";
  auto toml = read_text(bundle / "terminal.toml");
  write_file_atomically(bundle / "terminal.toml",
                        toml + "\n[readers]\nconsole = true\nusb = false\n", false);
  {
    auto db = terminal::open_local_database(bundle / "terminal.db").value();
    auto tx = storage::Transaction::begin(db).value();
    auto insert = db.prepare(
                        "INSERT INTO outbox(id, kind, card_token, member_id, occurred_at) "
                        "VALUES (?1, 'visit', ?2, ?3, ?4)")
                      .value();
    const auto now = now_iso8601();
    for (std::size_t i = 0; i < o.catchup; ++i) {
      insert.reset();
      if (!insert.bind(1, domain::new_event_id())
               .bind(2, chain.card_token)
               .bind(3, chain.member_id)
               .bind(4, now)
               .run()) {
        fail("cannot fill the outbox");
      }
    }
    if (!tx.commit()) fail("cannot commit the outbox");
  }
  auto counter = terminal::open_local_database(bundle / "terminal.db").value();
  // Cheap to ask every 50 ms: a count(*) of 100,000 rows would take CPU from the terminal.
  auto any = counter.prepare("SELECT EXISTS (SELECT 1 FROM outbox)").value();
  const auto outbox_empty = [&any] {
    any.reset();
    const auto row = any.step();
    return row && *row && any.column_int64(0) == 0;
  };

  const auto begin = Clock::now();
  ChildProcess terminal({kTerminal, "--config", (bundle / "terminal.toml").string()},
                        chain.dir / "catchup-terminal.log");
  const bool emptied = wait_until(outbox_empty, 600s);
  const double elapsed = seconds_since(begin);
  terminal.close_stdin();
  terminal.wait(30s);
  if (!emptied) fail("the outbox did not empty: " + read_text(chain.dir / "catchup-terminal.log"));
  std::printf("catch-up  %zu queued events: outbox empty %.2f s after the terminal started "
              "(%.0f events/s, start-up included)\n",
              o.catchup, elapsed, static_cast<double>(o.catchup) / elapsed);
  std::fflush(stdout);
}

void bench_idle(const Chain& chain, const Options& o) {
  auto server = chain.start_server("server-idle");
  const long baseline_kb = status_kb(server->pid(), "VmRSS");
  std::vector<std::unique_ptr<net::HttpsClient>> clients;
  const auto begin = Clock::now();
  for (std::size_t t = 0; t < o.idle; ++t) {
    clients.push_back(net::HttpsClient::create(chain.client(t)));
    const auto r = clients.back()->request("GET", "/sync/v1/health", "", 10s);
    if (!r || r->status != 200) {
      fail("idle terminal " + std::to_string(t) + " could not connect" +
           (r ? ": HTTP " + std::to_string(r->status) : ": " + r.error().message()));
    }
  }
  const double connect_s = seconds_since(begin);
  std::this_thread::sleep_for(1s);
  const long rss_kb = status_kb(server->pid(), "VmRSS");
  const long hwm_kb = status_kb(server->pid(), "VmHWM");
  std::printf(
      "idle  %zu terminals connected in %.2f s; server: %zu open files, RSS %.1f MB "
      "(%.1f MB before they connected: %.1f kB per connection), peak %.1f MB\n",
      o.idle, connect_s, open_fds(server->pid()), static_cast<double>(rss_kb) / 1024.0,
      static_cast<double>(baseline_kb) / 1024.0,
      static_cast<double>(rss_kb - baseline_kb) / static_cast<double>(o.idle),
      static_cast<double>(hwm_kb) / 1024.0);
  std::fflush(stdout);
  clients.clear();
  server->send_signal(SIGTERM);
  server->wait(30s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_sync: sync ingest, catch-up and idle-connection figures (prints figures)"};
  app.footer(
      "Example:\n  bench_sync --events 200000 --terminals 1,10,100 --catchup 100000 --idle 1000\n"
      "Runs the real rapport-server and rapport-terminal of this build on loopback.");
  Options o;
  app.add_option("--events", o.events, "events per ingest run, split over the terminals")
      ->capture_default_str();
  app.add_option("--terminals", o.terminals, "simulated terminal counts, one ingest run each")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--batch", o.batch, "events per batch (the terminal sends 200)")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  app.add_option("--catchup", o.catchup, "events queued in the catch-up terminal's outbox (0: skip)")
      ->capture_default_str();
  app.add_option("--idle", o.idle, "idle connected terminals (0: skip)")->capture_default_str();
  app.add_option("--database", o.database, "sqlite or postgresql (a throwaway cluster, or --url)")
      ->check(CLI::IsMember({"sqlite", "postgresql"}))
      ->capture_default_str();
  app.add_option("--url", o.url, "with --database postgresql: an existing, empty database");
  app.add_option("--instances", o.instances, "server instances sharing the database")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  raise_open_file_limit();
  std::size_t most = o.idle;
  for (const auto t : o.terminals) most = std::max(most, t);
  const auto setup = Clock::now();
  Chain chain(std::max<std::size_t>(most, 1), most + 64, o);
  std::printf("setup: data folder, %zu terminal certificates in %.1f s; %s, %zu instance(s)\n",
              chain.terminals, seconds_since(setup), o.database.c_str(), o.instances);
  {
    std::vector<std::unique_ptr<ChildProcess>> servers;
    std::vector<pid_t> pids;
    for (std::size_t i = 0; i < o.instances; ++i) {
      servers.push_back(chain.start_server("server-ingest-" + std::to_string(i), i));
      pids.push_back(servers.back()->pid());
    }
    for (const auto t : o.terminals) bench_ingest(chain, o, pids, t);
    if (o.catchup > 0 && o.database == "sqlite") bench_catchup(chain, o);
    for (std::size_t i = 0; i < servers.size(); ++i) {
      std::printf("server %zu peak RSS over ingest and catch-up: %.1f MB\n", i,
                  static_cast<double>(status_kb(servers[i]->pid(), "VmHWM")) / 1024.0);
      servers[i]->send_signal(SIGTERM);
      if (servers[i]->wait(30s) != 0) fail("rapport-server did not stop cleanly");
    }
  }
  if (o.idle > 0) bench_idle(chain, o);
  return 0;
}
