// bench/greeting_bench.cpp
//
// The greeting with a big store (issue 9: p99 under 50 ms with 1,000,000 members): fills a
// terminal's SQLite file with N members and their cards (one bulk transaction, prepared
// statements), then opens it as rapport-terminal does (synchronous=FULL, the counter, the
// cashier's screen on a loopback TLS port) and times, for random members, the path from the
// card read the driver layer hands over (a drivers::CardRead, as CardReader::next_read()
// returns it) through terminal::CardReadHandler (scan, visit recorded and fsync'd, reader
// signal) to the greeting JSON the screen publishes to the page's event stream
// (CashierScreen::show), and on to a page's held-open event stream: a signed-in TLS client
// of the screen's listener (tests/support/event_stream_client.h) reading the scan event.
// The last step, the page parsing the event and drawing it, is the browser test's. Prints
// p50/p99/max; asserts nothing about speed (docs/performance.md).
//
//   bench_greeting [--members N] [--scans N] [--dir DIR] [--keep]

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/net/https_client.h"
#include "shared/util/logging.h"
#include "terminal/card_read_handler.h"
#include "terminal/counter.h"
#include "terminal/local_database.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "terminal/screen/cashier_screen.h"
#include "terminal/screen/staff_pins.h"
#include "tests/support/event_stream_client.h"
#include "tests/support/loopback_tls.h"
#include "tests/support/terminal_store_fill.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;
constexpr const char* kPrefix = "627599";

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void report(const char* what, std::vector<double> samples_ms) {
  std::sort(samples_ms.begin(), samples_ms.end());
  const auto at = [&](double q) {
    return samples_ms[std::min(samples_ms.size() - 1,
                               static_cast<std::size_t>(q * static_cast<double>(samples_ms.size())))];
  };
  std::printf("%-46s %6zu scans  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", what,
              samples_ms.size(), at(0.5), at(0.99), samples_ms.back());
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_greeting: from a card read to the greeting JSON, with a big member store"};
  app.footer("Example: bench_greeting --members 1000000 --scans 3000");
  std::size_t members = 1'000'000, scans = 3000;
  std::string dir_option;
  bool keep = false;
  app.add_option("--members", members, "members in the terminal's store")->capture_default_str();
  app.add_option("--scans", scans, "card reads of random members")->capture_default_str();
  app.add_option("--dir", dir_option, "where the files go (default: a temp dir); an existing "
                                      "terminal.db there with enough members is reused");
  app.add_flag("--keep", keep, "keep the files (with --dir, to rerun without the fill)");
  CLI11_PARSE(app, argc, argv);
  if (members == 0 || scans == 0) die("--members and --scans must be above 0");
  init_logging("bench", "warn");
  const std::filesystem::path dir =
      dir_option.empty() ? std::filesystem::temp_directory_path() /
                               ("rapport-greeting-bench-" + std::to_string(::getpid()))
                         : std::filesystem::path(dir_option);
  std::filesystem::create_directories(dir);
  const auto db_file = dir / "terminal.db";
  const auto key_file = dir / "card.key";

  // The fill, unless a kept file of this size is there (with its card key).
  bool reuse = false;
  if (std::filesystem::exists(db_file) && std::filesystem::exists(key_file)) {
    if (auto db = terminal::open_local_database(db_file); db) {
      terminal::MemberCache cache(*db);
      const auto count = cache.member_count();
      reuse = count && *count == static_cast<std::int64_t>(members);
    }
  }
  if (!reuse) {
    std::filesystem::remove(db_file);
    std::filesystem::remove(dir / "terminal.db-wal");
    std::filesystem::remove(dir / "terminal.db-shm");
    std::filesystem::remove(key_file);
    card::CardKey::generate().save(key_file);
    const auto start = Clock::now();
    try {
      testing::fill_terminal_store(db_file, card::CardKey::load(key_file).value(), kPrefix, members);
    } catch (const std::exception& e) {
      die(e.what());
    }
    const double seconds = millis(Clock::now() - start) / 1000.0;
    std::printf("fill: %zu members and cards in %.1f s (%.0f members/s), file %.0f MB\n", members,
                seconds, static_cast<double>(members) / seconds,
                static_cast<double>(std::filesystem::file_size(db_file)) / 1e6);
  }
  const auto key = card::CardKey::load(key_file).value();

  terminal::TerminalConfig config;
  config.terminal_id = "T1";
  config.store_id = "S1";
  config.database = db_file;
  config.card_key = key_file;
  config.issuer_prefix = kPrefix;
  config.tls = testing::write_loopback_tls(dir, "T1");
  config.screen_host = "127.0.0.1";
  {
    // As rapport-terminal opens it: synchronous=FULL, the counter without a server lookup
    // (every card here is known), the screen with its own connection and listener.
    auto db = terminal::open_local_database_or_throw(db_file, "bench");
    terminal::MemberCache cache(db);
    terminal::Outbox outbox(db);
    terminal::Counter counter({"T1", "S1", kPrefix}, key, db, cache, outbox);
    terminal::CashierScreen screen(config, db, [] { return true; });
    // A page: a cashier signed in, its event stream open on the screen's listener.
    terminal::StaffPins staff(db);
    if (auto r = staff.set_pin("bench", "4821", std::chrono::system_clock::now()); !r) {
      die("staff: " + r.error().message());
    }
    const net::TlsFiles page_tls{{}, {}, config.tls.ca_certificates};
    net::ClientOptions page_options;
    page_options.port = screen.port();
    page_options.tls = page_tls;
    auto login_client = net::HttpsClient::create(page_options);
    const auto login = login_client->request("POST", "/api/login",
                                             R"({"name":"bench","pin":"4821"})",
                                             std::chrono::seconds(30), {{"X-Rapport-Screen", "1"}});
    if (!login || login->status != 200) die("cannot sign in to the screen");
    std::string cookie;
    for (const auto& field : login->headers) {
      if (field.name == "set-cookie") cookie = field.value.substr(0, field.value.find(';'));
    }
    testing::EventStreamClient page(screen.port(), page_tls, "/events", {{"Cookie", cookie}});
    if (!page.read_until("event: status", std::chrono::seconds(10))) die("no event stream");
    page.discard();
    std::vector<double> total, scan_stage, show_stage, delivered;
    Clock::time_point show_start{}, show_end{};
    terminal::CardReadHandler handler(
        counter, nullptr,
        [&](const terminal::ScanResult& r, std::chrono::system_clock::time_point at) {
          show_start = Clock::now();
          screen.show(r, at, /*audited=*/true);
          show_end = Clock::now();
        },
        screen.audit_in_scan());
    std::mt19937_64 random(42);
    std::uniform_int_distribution<std::size_t> pick(0, members - 1);
    for (std::size_t i = 0; i < scans; ++i) {
      drivers::CardRead read;
      read.reader = "usb:1-2 bench scanner";
      read.kind = drivers::CardKind::kBarcode;
      read.payload = testing::filled_card_digits(kPrefix, pick(random));
      read.read_at = std::chrono::system_clock::now();
      const auto start = Clock::now();
      const auto result = handler.handle(read, read.read_at);
      const auto end = Clock::now();
      if (result.outcome != terminal::ScanOutcome::kMember) die("not greeted: " + result.message);
      // Read by the page (at or after `end`: an upper bound of the delivery).
      if (!page.read_until("id: " + std::to_string(i + 1) + "\nevent: scan",
                           std::chrono::seconds(10))) {
        die("scan " + std::to_string(i + 1) + " never reached the page's event stream");
      }
      delivered.push_back(millis(Clock::now() - start));
      page.discard();
      total.push_back(millis(end - start));
      scan_stage.push_back(millis(show_start - start));
      show_stage.push_back(millis(show_end - show_start));
    }
    std::printf("greeting, %zu members in the terminal's store, %zu random members scanned\n",
                members, scans);
    report("card read -> greeting JSON published", total);
    report("  scan: recognise, visit + audit line (1 fsync)", scan_stage);
    report("  screen: notes, scan JSON, publish", show_stage);
    report("card read -> scan event read from the stream", delivered);
  }
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
