// bench/value_refresh_bench.cpp
//
// The value engine on a chain of benchmark size (issue 7: 1,000,000 members, 20,000,000
// purchases, 500 stores): seeding it with the bulk loader, then a full value refresh from
// the store (read, fit + value, save), first into an empty snapshot table and then over
// the previous snapshots. Prints figures; asserts nothing about speed (docs/performance.md).
// With --postgresql URL (an empty database) the seeded file is first copied there by
// `rapportctl storage migrate`'s code and the refreshes run on PostgreSQL.
//
//   bench_value_refresh [--members N] [--stores N] [--months N] [--dir DIR] [--runs N]
//                       [--postgresql URL]

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "server/seed_chain.h"
#include "server/storage/chain_migration.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "server/value_refresh.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/huge_pages.h"
#include "shared/util/logging.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

void print_refresh(const char* what, const server::RefreshReport& r, double wall, double cpu) {
  std::printf("%-22s %9zu members  %6.2f s wall, %6.2f s CPU  %zu changed tier or segment\n"
              "    wall: read %.2f, fit + score + tiers %.2f, save %.2f\n"
              "    CPU:  read %.2f, fit + score + tiers %.2f, save %.2f\n",
              what, r.members, wall, cpu, r.migrated, r.read_seconds, r.compute_seconds,
              r.save_seconds, r.read_cpu_seconds, r.compute_cpu_seconds, r.save_cpu_seconds);
  std::fflush(stdout);  // figures as they come: a run stopped half-way still shows its stages
}

}  // namespace

int main(int argc, char** argv) {
  rapport::restart_with_malloc_huge_pages(argv);  // before any thread or allocation matters
  CLI::App app{"bench_value_refresh: seeding and a full value refresh at chain scale"};
  app.footer(
      "Example: bench_value_refresh --members 1000000 --stores 500 --months 24 --dir /tmp/big\n"
      "(--dir keeps the seeded file; a second run on the same --dir reuses it)");
  std::size_t members = 20000, stores = 50;
  int months = 24, runs = 2;
  std::size_t touched = 100;
  double alpha = 0.95, b = 12;  // about 20 purchases a member over 24 months
  std::filesystem::path dir;
  app.add_option("--members", members, "Members to seed")->capture_default_str();
  app.add_option("--stores", stores, "Stores")->capture_default_str();
  app.add_option("--months", months, "Months of history")->capture_default_str();
  app.add_option("--alpha", alpha, "BG/NBD alpha of the chain")->capture_default_str();
  app.add_option("--b", b, "BG/NBD b of the chain")->capture_default_str();
  app.add_option("--touched", touched, "Members a sync touches before the incremental refresh")
      ->capture_default_str();
  app.add_option("--runs", runs, "Full refreshes after the first")->capture_default_str();
  app.add_option("--dir", dir, "Folder for the database (kept); default: a temporary one");
  std::string postgresql;
  app.add_option("--postgresql", postgresql,
                 "Copy the seeded chain into this empty PostgreSQL database "
                 "(postgresql:///db?host=...) and refresh there");
  CLI11_PARSE(app, argc, argv);
  init_logging("bench_value_refresh", "warn");

  const bool temporary = dir.empty();
  if (temporary) {
    dir = std::filesystem::temp_directory_path() / ("bench-value-refresh-" + std::to_string(::getpid()));
  }
  std::filesystem::create_directories(dir);
  const auto file = dir / "rapport.db";
  const auto end = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);

  const server::SeedTarget target{file, card::CardKey::from_hex(std::string(64, '7')).value(),
                                  "627599"};
  if (!std::filesystem::exists(file)) {
    value::ChainSpec spec;
    spec.members = members;
    spec.stores = stores;
    spec.months = months;
    spec.seed = 2026;
    spec.alpha = alpha;
    spec.b = b;
    const auto start = Clock::now();
    const double cpu = cpu_seconds();
    const auto seeded = server::seed_chain(target, spec, end, server::SeedPath::kBulk);
    if (!seeded) die("seed: " + seeded.error().message());
    const double wall = seconds_since(start);
    std::printf("bulk seed: %zu members, %zu purchases, %zu stores, %d months: %.1f s wall, "
                "%.1f s CPU (%.0f purchases/s), file %.2f GB\n",
                seeded->members, seeded->purchases, stores, months, wall, cpu_seconds() - cpu,
                static_cast<double>(seeded->purchases) / wall,
                static_cast<double>(std::filesystem::file_size(file)) / 1e9);
  } else {
    std::printf("reusing %s (%.2f GB)\n", file.c_str(),
                static_cast<double>(std::filesystem::file_size(file)) / 1e9);
  }

  if (!postgresql.empty()) {
    server::ChainMigrationOptions copy;
    copy.from = file;
    copy.to = postgresql;
    copy.allow_partial = true;  // the reports' tables stay behind
    const auto start = Clock::now();
    const auto copied = server::migrate_chain(copy);
    if (!copied) die("copy to PostgreSQL: " + copied.error().message());
    if (copied->refusal != server::MigrationRefusal::kNone || !copied->verified()) {
      die("copy to PostgreSQL refused or not verified (an empty database is needed)");
    }
    std::printf("copied to PostgreSQL and verified: %.1f s wall\n", seconds_since(start));
  }
  auto store = postgresql.empty() ? server::open_sqlite_store(file) : server::open_store(postgresql);
  if (!store) die("open: " + store.error().message());
  // Each full refresh values the chain one day later than the one before, as the nightly
  // refresh does: every buyer's age moves, so every snapshot row is really rewritten (a
  // refresh on the same day writes identical rows, which SQLite skips, and would flatter
  // the save).
  const auto night = [&](int run) { return end + std::chrono::days{run}; };
  for (int run = 0; run <= runs; ++run) {
    const auto start = Clock::now();
    const double cpu = cpu_seconds();
    const auto report = server::refresh_values(**store, {}, night(run));
    if (!report) die("refresh: " + report.error().message());
    const std::string what = "full refresh " + std::to_string(run + 1);
    print_refresh(what.c_str(), *report, seconds_since(start), cpu_seconds() - cpu);
  }
  // A sync that touched a few members: their next purchase, then an incremental refresh.
  {
    std::vector<domain::Event> sync;
    // Members spread over the chain, by the cards the seed gave them.
    const std::size_t count = std::min(touched, members);
    for (std::size_t m = 0; m < count; ++m) {
      domain::Event p;
      p.id = domain::new_event_id();
      p.kind = domain::EventKind::kPurchase;
      p.terminal_id = "bench";
      p.store_id = "S1";
      p.card_token = server::seeded_card_token(target, m * (members / count));
      p.occurred_at = "2026-11-25T12:00:00.000Z";
      protocol::PurchasePayload sale;
      sale.lines = {{"Flat white", "coffee", 1, 340, 245}};
      sale.total_cents = 340;
      p.payload = protocol::encode_payload(sale);
      sync.push_back(std::move(p));
    }
    {
      // The ingest path on a large chain: each purchase settles earlier refunds and voids,
      // which must be an index search, not a scan of every event.
      const auto start = Clock::now();
      const double cpu = cpu_seconds();
      if (auto stored = (*store)->record_events(sync); !stored) die("sync: " + stored.error().message());
      std::printf("sync of %zu purchases (record_events, one batch): %.2f s wall, %.2f s CPU\n",
                  sync.size(), seconds_since(start), cpu_seconds() - cpu);
      std::fflush(stdout);
    }
    const auto start = Clock::now();
    const double cpu = cpu_seconds();
    const auto report = server::refresh_changed_values(**store, {}, night(runs), 10'000);
    if (!report) die("incremental refresh: " + report.error().message());
    print_refresh("incremental refresh", *report, seconds_since(start), cpu_seconds() - cpu);
  }
  store->reset();
  if (temporary) std::filesystem::remove_all(dir);
  return 0;
}
