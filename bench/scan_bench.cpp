// bench/scan_bench.cpp
//
// Figures for the hot paths of one card scan: validating and tokenising the number, the
// terminal's recognise-and-record step (an fsync'd outbox append), and the server storing
// a batch once. Prints figures; asserts nothing about speed (docs/performance.md).
//
//   bench_scan [--members N] [--scans N] [--batches N] [--dir DIR]

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "server/storage/store.h"
#include "shared/card/card_key.h"
#include "shared/domain/event_id.h"
#include "shared/util/clock.h"
#include "shared/util/logging.h"
#include "terminal/counter.h"
#include "terminal/local_database.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;
constexpr const char* kPrefix = "627599";

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void report(const char* what, std::vector<double> samples_us, const char* unit = "op") {
  std::sort(samples_us.begin(), samples_us.end());
  double total = 0;
  for (double s : samples_us) total += s;
  const auto at = [&](double q) {
    return samples_us[std::min(
        samples_us.size() - 1,
        static_cast<std::size_t>(q * static_cast<double>(samples_us.size())))];
  };
  std::printf("%-44s %8zu %-6s  mean %9.1f us  p50 %9.1f us  p99 %9.1f us  %10.0f %s/s\n", what,
              samples_us.size(), unit, total / static_cast<double>(samples_us.size()), at(0.5),
              at(0.99), 1e6 * static_cast<double>(samples_us.size()) / total, unit);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_scan: figures for the card-scan hot paths"};
  app.footer("Example: bench_scan --members 100000 --scans 2000 --batches 50");
  std::size_t members = 20000, scans = 500, batches = 20;
  std::string dir_option;
  app.add_option("--members", members, "members in the terminal's cache")->capture_default_str();
  app.add_option("--scans", scans, "scans recorded at the counter")->capture_default_str();
  app.add_option("--batches", batches, "200-event batches stored by the server")
      ->capture_default_str();
  app.add_option("--dir", dir_option, "where the SQLite files go (default: a temp dir)");
  CLI11_PARSE(app, argc, argv);
  init_logging("bench", "warn");

  std::filesystem::path dir =
      dir_option.empty()
          ? std::filesystem::temp_directory_path() / ("rapport-bench-" + std::to_string(::getpid()))
          : std::filesystem::path(dir_option);
  std::filesystem::create_directories(dir);
  const auto key = card::CardKey::generate();

  // 1. Parse + token, the CPU part of every scan.
  std::vector<card::CardNumber> numbers;
  numbers.reserve(members);
  for (std::size_t i = 0; i < members; ++i) numbers.push_back(card::CardNumber::generate(kPrefix));
  {
    std::vector<double> samples;
    for (std::size_t i = 0; i < std::min<std::size_t>(members, 20000); ++i) {
      const auto start = Clock::now();
      const auto parsed = card::CardNumber::parse(numbers[i].grouped(), kPrefix);
      const auto token = key.token_for(parsed.value());
      samples.push_back(micros(Clock::now() - start));
      if (token.size() != 64) die("bad token");
    }
    report("card number parse + HMAC token", samples);
  }

  // 2. The counter: recognise from the cache and append the visit (synchronous=FULL).
  {
    auto db = terminal::open_local_database(dir / "terminal.db");
    if (!db) die("cannot open terminal.db: " + db.error().message());
    terminal::MemberCache cache(*db);
    terminal::Outbox outbox(*db);
    protocol::ChangesPage snapshot{"S1", {}, "1.0", false};
    for (std::size_t i = 0; i < members; ++i) {
      domain::Member m;
      m.id = static_cast<std::int64_t>(i + 1);
      m.name = "Member " + std::to_string(i);
      m.home_store = "S1";
      m.cards.push_back(
          {key.token_for(numbers[i]), numbers[i].last4(), domain::CardStatus::kActive});
      snapshot.members.push_back(std::move(m));
    }
    const auto start = Clock::now();
    if (!cache.apply(snapshot)) die("cannot fill the cache");
    std::printf("%-44s %8zu members in %.0f ms\n", "member cache refresh (one transaction)",
                members, micros(Clock::now() - start) / 1000);

    terminal::Counter counter({"T1", "S1", kPrefix}, key, *db, cache, outbox);
    std::vector<double> samples;
    for (std::size_t i = 0; i < scans; ++i) {
      const auto t0 = Clock::now();
      const auto result =
          counter.scan(numbers[(i * 7919) % members].digits(), std::chrono::system_clock::now());
      samples.push_back(micros(Clock::now() - t0));
      if (result.outcome != terminal::ScanOutcome::kMember) die("scan not recognised");
    }
    report("counter scan: recognise + durable outbox append", samples, "scan");
  }

  // 3. The server: store 200-event batches once (one fsync'd transaction per batch).
  {
    auto store = server::open_sqlite_store(dir / "server.db");
    if (!store) die("cannot open server.db: " + store.error().message());
    if (!(*store)->add_store("S1", "Bench")) die("cannot add store");
    std::vector<double> per_event;
    for (std::size_t b = 0; b < batches; ++b) {
      std::vector<domain::Event> batch(200);
      for (auto& e : batch) {
        e.id = domain::new_event_id();
        e.card_token = key.token_for(numbers[b % members]);
        e.occurred_at = now_iso8601();
        e.terminal_id = "T1";
        e.store_id = "S1";
      }
      const auto t0 = Clock::now();
      const auto stored = (*store)->record_events(batch);
      const double us = micros(Clock::now() - t0);
      if (!stored || *stored != batch.size()) die("batch not stored");
      for (std::size_t i = 0; i < batch.size(); ++i) per_event.push_back(us / 200.0);
      // The same batch again: a duplicate delivery must store nothing.
      if ((*store)->record_events(batch).value() != 0) die("duplicate stored");
    }
    report("server: record_events, 200 per transaction", per_event, "event");
  }

  if (dir_option.empty()) std::filesystem::remove_all(dir);
  return 0;
}
