// bench/dashboard_bench.cpp
//
// The store manager's pages at chain scale (issue 10: every manager page under 200 ms at
// p95 with 1,000,000 members, 20,000,000 purchases and 500 stores). Signs in as a store
// manager of the chain's busiest store through the dashboard's own request handler (the
// code behind the HTTPS listener, without the TLS of loopback), then asks for every page and
// table of that store, and member pages of its regulars, R times each, and prints p50, p95
// and the slowest per page. Asserts nothing about speed (docs/performance.md).
//
//   bench_dashboard --data DIR [--runs R] [--store S]   a rapportctl data folder (DIR/rapport.db)
//   bench_dashboard --members N                         seeds and values a temporary chain first
//   ... --database postgresql://...   the pages from that database instead (a copy of the
//       folder's file by `rapportctl storage migrate`; the file still picks store and members)

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "server/dashboard/dashboard_handler.h"
#include "server/seed_chain.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/staff_store.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "server/value_refresh.h"
#include "shared/crypto/password_hash.h"
#include "shared/storage/database.h"
#include "shared/util/clock.h"
#include "shared/util/logging.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kUser = "bench-manager";
constexpr std::string_view kPassword = "bench password 1";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_dashboard: %s\n", what.c_str());
  std::exit(1);
}

// Seeds a small chain into `dir` and values it, for the quick ctest run.
void seed_temporary_chain(const std::filesystem::path& file, std::size_t members) {
  const auto end = std::chrono::sys_days(std::chrono::year{2026} / 11 / 26);
  const server::SeedTarget target{file, card::CardKey::from_hex(std::string(64, '7')).value(),
                                  "627599"};
  value::ChainSpec spec;
  spec.members = members;
  spec.stores = 5;
  spec.months = 12;
  spec.seed = 2026;
  if (auto seeded = server::seed_chain(target, spec, end, server::SeedPath::kBulk); !seeded) {
    die("seed: " + seeded.error().message());
  }
  auto store = server::open_sqlite_store(file);
  if (!store) die("open: " + store.error().message());
  if (auto refreshed = server::refresh_values(**store, {}, end); !refreshed) {
    die("value refresh: " + refreshed.error().message());
  }
}

// The store with the most home members, and up to `count` of its members with the most visits.
struct Target {
  std::string store;
  std::vector<std::int64_t> members;
};

Target pick_target(const std::filesystem::path& file, const std::string& wanted, std::size_t count) {
  auto db = storage::Database::open(file, server::kSqliteMigrations);
  if (!db) die("open: " + db.error().message());
  Target target{wanted, {}};
  if (target.store.empty()) {
    auto busiest = db->prepare("SELECT home_store FROM members GROUP BY home_store "
                               "ORDER BY count(*) DESC LIMIT 1");
    if (!busiest) die(busiest.error().message());
    auto row = busiest->step();
    if (!row || !*row) die("the chain has no members: seed it first (rapportctl seed)");
    target.store = busiest->column_text(0);
  }
  auto regulars = db->prepare("SELECT id FROM members WHERE home_store = ?1 "
                              "ORDER BY visit_count DESC LIMIT ?2");
  if (!regulars) die(regulars.error().message());
  regulars->bind(1, target.store).bind(2, static_cast<std::int64_t>(count));
  for (;;) {
    auto row = regulars->step();
    if (!row) die(row.error().message());
    if (!*row) break;
    target.members.push_back(regulars->column_int64(0));
  }
  return target;
}

// A manager of `store` called kUser with kPassword, created or reset.
void ensure_manager(server::StaffStore& staff, const std::string& store) {
  auto hash = crypto::hash_password(kPassword);
  if (!hash) die("hash: " + hash.error().message());
  auto existing = staff.find_user_by_name(std::string(kUser));
  if (!existing) die(existing.error().message());
  if (*existing) {
    const bool same_store = (*existing)->user.stores == std::vector<std::string>{store};
    if (!same_store) die("user " + std::string(kUser) + " exists for other stores: use --store");
    if (auto set = staff.set_password_hash((*existing)->user.id, *hash); !set) die(set.error().message());
    return;
  }
  const server::NewStaffUser user{std::string(kUser), server::StaffRole::kStoreManager, {store}, *hash};
  if (auto added = staff.add_user(user, now_iso8601()); !added) die(added.error().message());
}

std::string header(const net::HttpResponse& response, std::string_view name) {
  for (const auto& h : response.headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

struct Timing {
  std::string what;
  std::vector<double> ms;
  std::size_t bytes = 0;
};

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_dashboard: the store manager's pages at chain scale, p50/p95 per page"};
  std::filesystem::path data;
  std::string store_id;
  std::size_t members = 2000;
  int runs = 20;
  std::size_t member_pages = 20;
  app.add_option("--data", data, "rapportctl data folder of a seeded, valued chain (DIR/rapport.db)");
  app.add_option("--members", members, "Without --data: members of a temporary chain to seed")
      ->capture_default_str();
  app.add_option("--store", store_id, "Store to sign in for (default: the one with most members)");
  app.add_option("--runs", runs, "Requests per page")->capture_default_str();
  std::string database;
  app.add_option("--database", database,
                 "Serve the pages from this database URL (postgresql://...: a storage migrate "
                 "copy of the chain) instead of the folder's SQLite file");
  app.add_option("--member-pages", member_pages, "Regulars whose member page is timed")
      ->capture_default_str();
  app.footer(
      "Example: bench_dashboard --data /tmp/chain-20m --runs 20\n"
      "(the chain from: rapportctl seed --data /tmp/chain-20m --members 1000000 --stores 500 "
      "--months 24 --bulk, then rapportctl value refresh --data /tmp/chain-20m)");
  CLI11_PARSE(app, argc, argv);
  init_logging("bench_dashboard", "warn");
  if (runs < 1) die("--runs must be at least 1");

  std::filesystem::path file;
  std::filesystem::path temporary;
  if (data.empty()) {
    temporary = std::filesystem::temp_directory_path() / ("bench-dashboard-" + std::to_string(::getpid()));
    std::filesystem::create_directories(temporary);
    file = temporary / "rapport.db";
    seed_temporary_chain(file, members);
  } else {
    file = data / "rapport.db";
    if (!std::filesystem::exists(file)) die(file.string() + " does not exist: pass a rapportctl data folder");
  }

  const Target target = pick_target(file, store_id, member_pages);
  auto staff = database.empty() ? server::StaffStore::open(file)
                                : server::open_staff_store(database);
  if (!staff) die("open: " + staff.error().message());
  ensure_manager(**staff, target.store);
  server::DashboardHandler handler(**staff, {});

  net::HttpRequest login;
  login.method = "POST";
  login.target = "/api/login";
  login.content_type = "application/json";
  login.body = R"({"name":")" + std::string(kUser) + R"(","password":")" + std::string(kPassword) + R"("})";
  login.remote_address = "127.0.0.1:1";
  const auto signed_in = handler.handle(login);
  if (signed_in.status != 200) die("login refused: " + std::to_string(signed_in.status) + " " + signed_in.body);
  const std::string set_cookie = header(signed_in, "Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  if (cookie.empty()) die("login set no cookie");

  const std::string s = "/api/stores/" + target.store;
  std::vector<Timing> pages;
  for (const char* page : {"/regulars", "/regulars.csv", "/visitors", "/visitors.csv", "/charts",
                           "/overview", "/owners", "/owners.csv", "/follow-ups", "/follow-ups.csv",
                           "/new-members.csv", "/birthdays.csv", "/offers.csv"}) {
    pages.push_back({s + page, {}, 0});
  }
  pages.push_back({"/api/members/{regular}", {}, 0});
  pages.push_back({"/members/{regular}", {}, 0});

  std::printf("store %s, signed in as %s; %d requests per page, member pages of %zu regulars\n",
              target.store.c_str(), std::string(kUser).c_str(), runs, target.members.size());
  for (int run = 0; run < runs; ++run) {
    for (auto& page : pages) {
      std::string path = page.what;
      if (const auto at = path.find("{regular}"); at != std::string::npos) {
        if (target.members.empty()) continue;
        path.replace(at, 9, std::to_string(target.members[static_cast<std::size_t>(run) % target.members.size()]));
      }
      net::HttpRequest get;
      get.method = "GET";
      get.target = path;
      get.remote_address = "127.0.0.1:1";
      get.headers.push_back({"cookie", cookie});
      const auto start = Clock::now();
      const auto response = handler.handle(get);
      page.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (response.status != 200) die(path + " answered " + std::to_string(response.status) + ": " + response.body);
      page.bytes = response.body.size();
    }
  }
  std::printf("%-44s %9s %9s %9s %10s\n", "page", "p50 ms", "p95 ms", "max ms", "bytes");
  double worst = 0;
  for (const auto& page : pages) {
    if (page.ms.empty()) continue;
    const double p95 = percentile(page.ms, 0.95);
    worst = std::max(worst, p95);
    std::printf("%-44s %9.1f %9.1f %9.1f %10zu\n", page.what.c_str(), percentile(page.ms, 0.5), p95,
                *std::max_element(page.ms.begin(), page.ms.end()), page.bytes);
  }
  std::printf("slowest page p95: %.1f ms\n", worst);
  if (!temporary.empty()) std::filesystem::remove_all(temporary);
  return 0;
}
