// bench/pg_ingest_bench.cpp
//
// bench_pg_ingest: events/s through Store::record_events in batches (500 by default, a
// terminal's push), on PostgreSQL (a throwaway cluster of its own, fsync on, or --url) and
// on SQLite for comparison (docs/performance.md, "PostgreSQL ingest"). Visits of known
// members with a note now and then, and with --purchases P that share of purchases (two
// lines each, the usual order and categories kept), as the sync path stores them; with
// --rules, the counter's rewards rules are set (tests/support/counter_rewards_rules.h), so
// every purchase earns and every visit goes through the points ledger; each batch durable
// (committed) before the next. It prints figures; it asserts nothing about speed.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "server/rewards/rewards_config.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/logging.h"
#include "tests/support/counter_rewards_rules.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_pg_ingest: %s\n", what.c_str());
  std::exit(1);
}

std::string token_of(std::size_t i) {
  char hex[65];
  std::snprintf(hex, sizeof hex, "%064zx", i + 1);
  return hex;
}

struct Options {
  std::size_t events = 100'000;
  std::size_t batch = 500;
  std::size_t members = 2000;
  unsigned purchases_percent = 0;
  bool rules = false;
  std::string backends = "postgresql,sqlite";
  std::string url;  // an existing PostgreSQL database instead of a throwaway cluster
};

void run(const std::string& name, const std::string& url, const Options& o) {
  auto opened = server::open_store(url);
  if (!opened) die(name + ": " + opened.error().message());
  auto& store = **opened;
  if (!store.add_store("S1", "High Street")) die("add_store");
  if (!store.register_terminal({"T1", "S1", "01", false})) die("register_terminal");
  if (o.rules) {
    store.set_rewards_rules(std::make_shared<const rewards::RewardsRules>(
        rewards::parse_rewards_rules(testing::kCounterRewardsRules, "counter-rewards.toml")));
  }
  for (std::size_t i = 0; i < o.members; ++i) {
    if (!store.enroll_member({"Member " + std::to_string(i), "S1", std::nullopt},
                             {token_of(i), "0000", domain::CardStatus::kActive})) {
      die("enroll_member");
    }
  }
  std::mt19937_64 random(42);
  protocol::NotePayload note;
  note.topic = protocol::NoteTopic::kPreference;
  note.text = "oat milk";
  const std::string note_payload = protocol::encode_payload(note);
  protocol::PurchasePayload purchase;
  purchase.lines = {{"Flat white", "coffee", 1, 350, 200}, {"Croissant", "bakery", 1, 250, 120}};
  purchase.total_cents = 600;
  const std::string purchase_payload = protocol::encode_payload(purchase);
  std::vector<double> batch_ms;
  std::vector<domain::Event> first;
  std::size_t stored = 0;
  const auto started = Clock::now();
  for (std::size_t done = 0; done < o.events;) {
    std::vector<domain::Event> batch;
    const std::size_t n = std::min(o.batch, o.events - done);
    for (std::size_t i = 0; i < n; ++i) {
      domain::Event e;
      e.id = domain::new_event_id();
      e.terminal_id = "T1";
      e.store_id = "S1";
      e.card_token = token_of(random() % o.members);
      e.occurred_at = "2026-11-25T10:00:00.000Z";
      if ((done + i) % 50 == 49) {
        e.kind = domain::EventKind::kNote;
        e.payload = note_payload;
      } else if (random() % 100 < o.purchases_percent) {
        e.kind = domain::EventKind::kPurchase;
        e.payload = purchase_payload;
      }
      batch.push_back(std::move(e));
    }
    const auto t0 = Clock::now();
    const auto r = store.record_events(batch);
    if (!r) die(name + ": record_events: " + r.error().message());
    batch_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    stored += *r;
    if (first.empty()) first = batch;
    done += n;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const auto resent = store.record_events(first);  // a lost acknowledgement: stored once
  std::sort(batch_ms.begin(), batch_ms.end());
  const auto at = [&](double q) {
    return batch_ms[std::min(batch_ms.size() - 1,
                             static_cast<std::size_t>(q * static_cast<double>(batch_ms.size())))];
  };
  std::printf(
      "%-10s %9zu events (%u%% purchases%s) in batches of %zu over %zu members: %8.0f "
      "events/s; batch p50 %.1f ms, p95 %.1f ms; resent batch stored %zu again\n",
      name.c_str(), stored, o.purchases_percent, o.rules ? ", rewards rules set" : "", o.batch,
      o.members, static_cast<double>(stored) / seconds, at(0.5), at(0.95),
      resent ? *resent : std::size_t{999999});
  if (o.rules) {
    const auto books = store.points_liability();
    if (!books) die(name + ": points_liability: " + books.error().message());
    std::printf("%-10s points outstanding %lld over %lld members (chain accounts %lld)\n",
                name.c_str(), static_cast<long long>(books->member_balances),
                static_cast<long long>(books->members_with_points),
                static_cast<long long>(books->chain_accounts));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Events/s through Store::record_events on PostgreSQL and SQLite.\n"
      "Example: bench_pg_ingest --events 100000 --batch 500 --members 2000 --purchases 50 "
      "--rules"};
  Options o;
  app.add_option("--events", o.events, "events to store")->capture_default_str();
  app.add_option("--batch", o.batch, "events per record_events call")->capture_default_str();
  app.add_option("--members", o.members, "members (cards) the visits pick from")
      ->capture_default_str();
  app.add_option("--purchases", o.purchases_percent, "percent of events that are purchases")
      ->capture_default_str()
      ->check(CLI::Range(0u, 100u));
  app.add_flag("--rules", o.rules,
               "set the counter's rewards rules: purchases earn points, through the ledger");
  app.add_option("--backends", o.backends, "postgresql, sqlite or both (comma-separated)")
      ->capture_default_str();
  app.add_option("--url", o.url,
                 "an existing postgresql:// database (default: a throwaway "
                 "cluster)");
  CLI11_PARSE(app, argc, argv);
  if (o.batch == 0 || o.members == 0) die("--batch and --members must be positive");
  init_logging("bench", "warn");
  if (o.backends.find("postgresql") != std::string::npos) {
    std::string url = o.url;
    // The ctest run's cluster when RAPPORT_PG_CLUSTER names it, else one of its own.
    if (url.empty()) url = testing::PgCluster::shared().fresh_database();
    run("postgresql", url, o);
  }
  if (o.backends.find("sqlite") != std::string::npos) {
    testing::TempDir dir;
    run("sqlite", "sqlite://" + (dir / "rapport.db").string(), o);
  }
  return 0;
}
