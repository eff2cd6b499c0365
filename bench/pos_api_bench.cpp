// bench/pos_api_bench.cpp
//
// Figures for the POS integration API (docs/pos-api.md) on loopback: an identify (a card
// read, recorded as a visit) and a purchase of three lines, each with a new Idempotency-Key,
// one request at a time over one kept-alive TLS connection, through the real listener,
// handler and SQLite file (fsync'd). Also a retried purchase (answered from pos_requests).
// Prints requests/s, p50 and p99; asserts nothing about speed (docs/performance.md).
//
//   bench_pos_api [--members N] [--requests N] [--dir DIR]

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/net/https_client.h"
#include "shared/util/files.h"
#include "shared/util/logging.h"
#include "terminal/local_database.h"
#include "terminal/member_cache.h"
#include "terminal/pos_api/pos_api.h"
#include "tests/support/loopback_tls.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;
constexpr const char* kPrefix = "627599";
const std::string kKey = "bench-key-0123456789abcdef0123456789abcdef";

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void report(const char* what, std::vector<double> samples_us) {
  std::sort(samples_us.begin(), samples_us.end());
  double total = 0;
  for (double s : samples_us) total += s;
  const auto at = [&](double q) {
    return samples_us[std::min(
        samples_us.size() - 1,
        static_cast<std::size_t>(q * static_cast<double>(samples_us.size())))];
  };
  std::printf("%-40s %7zu req  p50 %8.1f us  p99 %8.1f us  %8.0f req/s\n", what,
              samples_us.size(), at(0.5), at(0.99),
              1e6 * static_cast<double>(samples_us.size()) / total);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_pos_api: requests/s and latency of the POS API on loopback"};
  app.footer("Example: bench_pos_api --members 100000 --requests 2000");
  std::size_t members = 20000, requests = 500;
  std::string dir_option;
  app.add_option("--members", members, "members in the terminal's cache")->capture_default_str();
  app.add_option("--requests", requests, "requests of each kind")->capture_default_str();
  app.add_option("--dir", dir_option, "where the files go (default: a temp dir)");
  CLI11_PARSE(app, argc, argv);
  if (members == 0 || requests == 0) die("--members and --requests must be above 0");
  init_logging("bench", "warn");
  const std::filesystem::path dir =
      dir_option.empty()
          ? std::filesystem::temp_directory_path() / ("rapport-pos-bench-" + std::to_string(::getpid()))
          : std::filesystem::path(dir_option);
  std::filesystem::create_directories(dir);

  const auto key = card::CardKey::generate();
  std::vector<card::CardNumber> numbers;
  numbers.reserve(members);
  {
    auto db = terminal::open_local_database(dir / "terminal.db");
    if (!db) die(db.error().message());
    terminal::MemberCache cache(*db);
    protocol::ChangesPage page;
    page.cursor = "1.1";
    for (std::size_t i = 0; i < members; ++i) {
      numbers.push_back(card::CardNumber::generate(kPrefix));
      domain::Member m;
      m.id = static_cast<std::int64_t>(i + 1);
      m.name = "Member " + std::to_string(i + 1);
      m.home_store = "S1";
      m.cards.push_back({key.token_for(numbers.back()), numbers.back().last4(),
                         domain::CardStatus::kActive});
      page.members.push_back(std::move(m));
    }
    if (auto applied = cache.apply(page); !applied) die(applied.error().message());
  }
  write_file_atomically(dir / "pos_api.key", kKey, true);

  terminal::TerminalConfig config;
  config.terminal_id = "T1";
  config.store_id = "S1";
  config.database = dir / "terminal.db";
  config.tls = testing::write_loopback_tls(dir, "T1");
  config.issuer_prefix = kPrefix;
  config.card_lookup_timeout = std::chrono::milliseconds(0);
  config.pos_api_host = "127.0.0.1";
  config.pos_api_key_file = dir / "pos_api.key";
  {
    terminal::PosApi api(config, key, std::make_shared<const terminal::LiveKeyring>());
    net::ClientOptions options;
    options.port = api.port();
    options.tls.ca_certificates = config.tls.ca_certificates;
    const auto client = net::HttpsClient::create(options);
    const auto call = [&](std::string_view target, const std::string& body,
                          const std::string& idempotency_key, unsigned expected) {
      const auto start = Clock::now();
      const auto r = client->request("POST", target, body, std::chrono::seconds(10),
                                     {{"Authorization", "Bearer " + kKey},
                                      {"Idempotency-Key", idempotency_key}});
      const double us = micros(Clock::now() - start);
      if (!r) die("request failed: " + r.error().message());
      if (r->status != expected) die("unexpected answer " + std::to_string(r->status) + ": " + r->body);
      return us;
    };
    std::vector<double> identify, purchase, retry;
    for (std::size_t i = 0; i < requests; ++i) {
      const auto& number = numbers[(i * 7919) % members];
      identify.push_back(call("/pos/v1/identify",
                              R"({"card_read":")" + number.digits() + "\"}", "i-" + std::to_string(i), 200));
    }
    const auto sale = [&](std::size_t i) {
      return R"({"member_id":)" + std::to_string((i * 7919) % members + 1) +
             R"(,"receipt":"R-)" + std::to_string(i) +
             R"(","lines":[{"product":"Flat white","category":"coffee","quantity":2,"amount_cents":780},)"
             R"({"product":"Croissant","category":"bakery","amount_cents":320},)"
             R"({"product":"Juice","category":"drinks","amount_cents":450}]})";
    };
    for (std::size_t i = 0; i < requests; ++i) {
      purchase.push_back(call("/pos/v1/purchases", sale(i), "p-" + std::to_string(i), 201));
    }
    for (std::size_t i = 0; i < requests; ++i) {
      retry.push_back(call("/pos/v1/purchases", sale(i), "p-" + std::to_string(i), 201));
    }
    std::printf("POS API on loopback, %zu members, one connection, one request at a time\n",
                members);
    report("identify (card read, visit recorded)", identify);
    report("purchase (3 lines)", purchase);
    report("purchase retried (replayed answer)", retry);
  }
  if (dir_option.empty()) std::filesystem::remove_all(dir);
  return 0;
}
