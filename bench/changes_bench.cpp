// bench/changes_bench.cpp
//
// bench_changes: what one page of GET /sync/v1/changes costs the server (docs/performance.md,
// "A changes page"): the sync handler as the listener calls it, on a real SQLite file, for a
// page of up to 1,000 members, each with its cards, latest notes and usual order, and with
// --rules its offers (choose_offers per member). Members are seeded through record_events
// (notes and purchases as terminals send them). TLS and the network are left out: bench_sync
// measures those. It prints figures; it asserts nothing about speed.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/rewards/rewards_config.h"
#include "server/storage/offer_store.h"
#include "server/storage/store.h"
#include "server/sync_handler.h"
#include "server/terminal_offers.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/clock.h"
#include "shared/util/logging.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_changes: %s\n", what.c_str());
  std::exit(1);
}

std::string token_of(std::size_t i) {
  char hex[65];
  std::snprintf(hex, sizeof hex, "%064zx", i + 1);
  return hex;
}

domain::Event event(domain::EventKind kind, const std::string& token, std::string payload,
                    std::chrono::system_clock::time_point at) {
  domain::Event e;
  e.id = domain::new_event_id();
  e.kind = kind;
  e.terminal_id = "T1";
  e.store_id = "S1";
  e.card_token = token;
  e.occurred_at = to_iso8601(at);
  e.payload = std::move(payload);
  return e;
}

const char* const kProducts[] = {"Flat white", "Tea", "Croissant", "Scone", "Latte"};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_changes: the server's cost of one GET /sync/v1/changes page"};
  app.footer(
      "Example: bench_changes --members 1000 --notes 4 --purchases 6 --repeat 20\n"
      "         bench_changes --members 1000 --notes 0 --purchases 0   (members without notes)\n"
      "         bench_changes --members 1000 --rules config/rewards.toml (with offers)");
  std::size_t members = 1000, notes = 4, purchases = 6;
  int repeat = 20;
  std::filesystem::path rules_file;
  app.add_option("--members", members, "Members to seed (a page holds at most 1,000)")
      ->capture_default_str();
  app.add_option("--notes", notes, "Notes per member (3 latest are sent)")->capture_default_str();
  app.add_option("--purchases", purchases, "Purchases per member")->capture_default_str();
  app.add_option("--repeat", repeat, "Pages timed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--rules", rules_file, "rewards.toml: also choose each member's offers");
  CLI11_PARSE(app, argc, argv);
  init_logging("bench_changes", "warn");

  const auto dir =
      std::filesystem::temp_directory_path() / ("bench-changes-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "rapport.db";
  {
    auto store = server::open_sqlite_store(file);
    if (!store) die("open: " + store.error().message());
    auto& s = **store;
    if (!s.add_store("S1", "High Street") || !s.register_terminal({"T1", "S1", "01", false})) {
      die("set-up failed");
    }
    const auto seed_start = Clock::now();
    const auto now = std::chrono::system_clock::now();
    std::vector<domain::Event> batch;
    for (std::size_t i = 0; i < members; ++i) {
      const auto id = s.add_member({"Member " + std::to_string(i), "S1", std::nullopt});
      if (!id) die("add member: " + id.error().message());
      const auto token = token_of(i);
      if (!s.add_card(*id, {token, "0000", domain::CardStatus::kActive})) die("add card");
      for (std::size_t p = 0; p < purchases; ++p) {
        protocol::PurchasePayload sale;
        sale.lines.push_back({kProducts[(i + p / 2) % 5], "food", 1, 350, std::nullopt});
        sale.total_cents = 350;
        batch.push_back(event(domain::EventKind::kPurchase, token, protocol::encode_payload(sale),
                              now - std::chrono::hours(24 * static_cast<long>(purchases - p))));
      }
      for (std::size_t n = 0; n < notes; ++n) {
        batch.push_back(event(domain::EventKind::kNote, token,
                              protocol::encode_payload(protocol::NotePayload{
                                  protocol::NoteTopic::kPreference,
                                  "Prefers oat milk, note " + std::to_string(n)}),
                              now - std::chrono::minutes(static_cast<long>(notes - n))));
      }
      if (batch.size() >= 400 || i + 1 == members) {
        if (const auto stored = s.record_events(batch); !stored) {
          die("record: " + stored.error().message());
        }
        batch.clear();
      }
    }
    std::printf("seeded %zu members, %zu notes and %zu purchases each: %.2f s\n", members, notes,
                purchases, std::chrono::duration<double>(Clock::now() - seed_start).count());
  }

  auto store = server::open_sqlite_store(file);
  if (!store) die("open: " + store.error().message());
  std::shared_ptr<const rewards::RewardsRules> rules;
  std::unique_ptr<server::OfferStore> offer_store;
  std::unique_ptr<server::TerminalOffers> offers;
  if (!rules_file.empty()) {
    rules = std::make_shared<const rewards::RewardsRules>(rewards::load_rewards_rules(rules_file));
    (*store)->set_rewards_rules(rules);
    auto opened = server::OfferStore::open(file);
    if (!opened) die("offers: " + opened.error().message());
    offer_store = std::move(*opened);
    offers = std::make_unique<server::TerminalOffers>(*offer_store, rules);
  }
  net::HttpRequest request;
  request.method = "GET";
  request.target = std::string(protocol::kChangesPath) + "?since=";
  request.peer_common_name = "T1";
  request.peer_certificate_serial = "01";
  const server::SyncPolicy policy;
  std::vector<double> ms;
  std::size_t bytes = 0, sent = 0, with_notes = 0, with_usual = 0;
  for (int r = 0; r < repeat; ++r) {
    const auto start = Clock::now();
    const auto response = server::handle_sync_request(**store, policy, request, nullptr,
                                                       offers.get());
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (response.status != 200) die("changes: HTTP " + std::to_string(response.status));
    bytes = response.body.size();
    if (r == 0) {
      const auto page = protocol::decode_changes_page(response.body);
      if (!page) die("changes: " + page.error().message());
      sent = page->members.size();
      for (const auto& m : page->members) {
        if (!m.notes.empty()) ++with_notes;
        if (m.usual_order) ++with_usual;
      }
    }
  }
  std::sort(ms.begin(), ms.end());
  double total = 0;
  for (const double m : ms) total += m;
  std::printf("changes page of %zu members (%zu with notes, %zu with a usual order%s): "
              "%zu bytes; per page p50 %.2f ms, mean %.2f ms, min %.2f ms over %d pages\n",
              sent, with_notes, with_usual, offers ? ", offers chosen" : "", bytes,
              ms[ms.size() / 2], total / static_cast<double>(ms.size()), ms.front(), repeat);
  offers.reset();
  offer_store.reset();
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
