// tests/unit/lease_session_contract_test.cpp
//
// Leases on scheduled jobs (server/storage/lease_store.h, server/lease_keeper.h) and the
// dashboard's sessions and login throttle (server/storage/session_store.h) on both backends:
// each contract runs on a SQLite file and on a PostgreSQL database of the shared throwaway
// cluster (tests/support/pg_cluster.h). Two server instances are two connections to one
// database. A test named "... on sqlite: X" has a twin "... on postgresql: X".

#include <catch2/catch.hpp>
#include <atomic>
#include <string>
#include <thread>

#include "server/dashboard/login_throttle.h"
#include "server/dashboard/sessions.h"
#include "server/lease_keeper.h"
#include "server/storage/store_url.h"
#include "tests/support/catch_result.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;

namespace {

enum class Backend { kSqlite, kPostgresql };

const auto kT0 = std::chrono::system_clock::time_point(1'800'000'000s);

// A fresh, empty database on `backend`; every open_*_store(url) is another connection to it.
struct SharedDatabase {
  explicit SharedDatabase(Backend backend)
      : url(backend == Backend::kSqlite ? "sqlite://" + (dir / "rapport.db").string()
                                        : testing::PgCluster::shared().fresh_database()) {}
  [[nodiscard]] std::unique_ptr<server::LeaseStore> leases() const {
    return server::open_lease_store(url).value();
  }
  [[nodiscard]] std::unique_ptr<server::SessionStore> sessions() const {
    return server::open_session_store(url).value();
  }
  testing::TempDir dir;
  std::string url;
};

// --- Leases ---

void one_holder_until_expiry(SharedDatabase& db) {
  auto a = db.leases();
  auto b = db.leases();
  CHECK(a->acquire("value-refresh", "A", kT0, 10s).value());
  CHECK_FALSE(b->acquire("value-refresh", "B", kT0 + 1s, 10s).value());
  CHECK(b->acquire("points-expiry", "B", kT0 + 1s, 10s).value());  // another job, free
  // A renews: the lease now runs to 15 s, so B still waits at 12 s.
  CHECK(a->acquire("value-refresh", "A", kT0 + 5s, 10s).value());
  CHECK_FALSE(b->acquire("value-refresh", "B", kT0 + 12s, 10s).value());
  CHECK(b->holder_of("value-refresh").value()->holder == "A");
  CHECK(b->holder_of("value-refresh").value()->expires_at == kT0 + 15s);
  // A stops renewing (it died): at expiry B takes it, and A cannot take it back.
  CHECK(b->acquire("value-refresh", "B", kT0 + 15s, 10s).value());
  CHECK_FALSE(a->acquire("value-refresh", "A", kT0 + 16s, 10s).value());
  CHECK(a->holder_of("value-refresh").value()->holder == "B");
  // Released, it is free at once; releasing someone else's lease does nothing.
  REQUIRE(a->release("value-refresh", "A"));
  CHECK_FALSE(a->acquire("value-refresh", "A", kT0 + 17s, 10s).value());
  REQUIRE(b->release("value-refresh", "B"));
  CHECK(a->acquire("value-refresh", "A", kT0 + 17s, 10s).value());
  CHECK_FALSE(b->holder_of("nothing").value());
}

void racing_instances_one_winner(SharedDatabase& db) {
  // Two instances ask for the same expired lease at the same moment, many times over: each
  // time exactly one of them gets it.
  auto a = db.leases();
  auto b = db.leases();
  constexpr int kRounds = 40;
  int both = 0;
  int neither = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto now = kT0 + std::chrono::seconds(10 * round);  // the last holder's expired
    std::atomic<bool> go{false};
    bool a_won = false;
    bool b_won = false;
    std::thread other([&] {
      while (!go.load()) std::this_thread::yield();
      b_won = b->acquire("race", "B" + std::to_string(round), now, 5s).value();
    });
    go.store(true);
    a_won = a->acquire("race", "A" + std::to_string(round), now, 5s).value();
    other.join();
    if (a_won && b_won) ++both;
    if (!a_won && !b_won) ++neither;
    const auto holder = a->holder_of("race").value()->holder;
    CHECK(holder == (a_won ? "A" : "B") + std::to_string(round));
  }
  CHECK(both == 0);
  CHECK(neither == 0);
}

void keepers_hand_over(SharedDatabase& db) {
  auto first = std::make_unique<server::LeaseKeeper>(db.leases(), "points-expiry",
                                                     server::LeaseOptions{"first", 300ms});
  server::LeaseKeeper second(db.leases(), "points-expiry", server::LeaseOptions{"second", 300ms});
  CHECK(first->held());
  CHECK_FALSE(second.held());
  // Renewed while alive: still the first's well past one length.
  std::this_thread::sleep_for(700ms);
  CHECK(first->held());
  CHECK_FALSE(second.held());
  first.reset();  // a clean stop releases it
  CHECK(testing::wait_until([&] { return second.held(); }, 2s));
}

// --- Dashboard sessions and the login throttle ---

const server::TimePoint kStart = kT0;

void sessions_expire(SharedDatabase& db) {
  auto store = db.sessions();
  server::SessionTable table({30min, 12h}, *store);
  const auto fresh = table.open(7, kStart).value();
  CHECK(fresh.cookie_token.size() == 64);
  CHECK(fresh.csrf_token.size() == 64);
  CHECK(fresh.cookie_token != fresh.csrf_token);
  CHECK(table.touch(fresh.cookie_token, kStart + 29min)->user_id == 7);
  CHECK_FALSE(table.touch(fresh.csrf_token, kStart + 29min));
  CHECK_FALSE(table.touch(fresh.cookie_token, kStart + 59min));  // idle 30 min
  CHECK(table.size() == 0);
  const auto other = table.open(8, kStart).value();
  table.close(other.cookie_token);
  CHECK_FALSE(table.touch(other.cookie_token, kStart));
}

void throttle_counts(SharedDatabase& db) {
  auto store = db.sessions();
  server::LoginThrottle throttle({2, 3, 10min}, *store);
  throttle.record_failure("maria", "10.0.0.1", kStart);
  CHECK_FALSE(throttle.blocked("maria", "10.0.0.1", kStart));
  throttle.record_failure("maria", "10.0.0.2", kStart);
  CHECK(throttle.blocked("maria", "10.0.0.9", kStart));  // per user, whatever the address
  CHECK_FALSE(throttle.blocked("sam", "10.0.0.9", kStart));
  CHECK_FALSE(throttle.blocked("maria", "10.0.0.9", kStart + 10min));
  throttle.record_failure("a", "10.0.0.5", kStart);
  throttle.record_failure("b", "10.0.0.5", kStart);
  throttle.record_failure("c", "10.0.0.5", kStart);
  CHECK(throttle.blocked("sam", "10.0.0.5", kStart));  // per address, whatever the name
  throttle.record_failure("sam", "10.0.0.7", kStart);
  throttle.record_success("sam");
  CHECK_FALSE(throttle.blocked("sam", "10.0.0.7", kStart));
}

void shared_by_connections(SharedDatabase& db) {
  // Two server instances are two connections to one database: a session one opens, the
  // other finds; failures one counts, the other refuses on; a session one closes, the
  // other drops.
  auto store_a = db.sessions();
  auto store_b = db.sessions();
  server::SessionTable on_a({30min, 12h}, *store_a);
  server::SessionTable on_b({30min, 12h}, *store_b);
  const auto opened = on_a.open(7, kStart, "hash-at-login").value();
  const auto found = on_b.touch(opened.cookie_token, kStart + 20min);
  REQUIRE(found);
  CHECK(found->user_id == 7);
  CHECK(found->csrf_token == opened.csrf_token);
  CHECK(found->credential == "hash-at-login");
  // B's use counts for A's idle timeout: 40 min after the login, 20 after the last use.
  CHECK(on_a.touch(opened.cookie_token, kStart + 40min));
  on_b.close(opened.cookie_token);
  CHECK_FALSE(on_a.touch(opened.cookie_token, kStart + 41min));
  CHECK(on_a.size() == 0);

  server::LoginThrottle throttle_a({2, 100, 10min}, *store_a);
  server::LoginThrottle throttle_b({2, 100, 10min}, *store_b);
  throttle_a.record_failure("maria", "10.0.0.1", kStart);
  CHECK_FALSE(throttle_b.blocked("maria", "10.0.0.2", kStart));
  throttle_b.record_failure("maria", "10.0.0.2", kStart);
  CHECK(throttle_a.blocked("maria", "10.0.0.3", kStart + 1min));
  CHECK_FALSE(throttle_a.blocked("maria", "10.0.0.3", kStart + 10min));
}

void session_store_calls(SharedDatabase& db) {
  // The store's own contract, below the table: a put replaces, a touch never moves a
  // session back in time, old sessions and failures are swept.
  auto store = db.sessions();
  const server::Session s{7, std::string(64, 'c'), kStart, kStart + 5min, "cred"};
  REQUIRE(store->put_session("k1", s));
  REQUIRE(store->put_session("k1", s));  // the same key again replaces it
  CHECK(store->session_count().value() == 1);
  REQUIRE(store->touch_session("k1", kStart + 1min));  // earlier than the stored last use
  CHECK(store->find_session("k1").value()->last_used == kStart + 5min);
  REQUIRE(store->touch_session("k1", kStart + 9min));
  CHECK(store->find_session("k1").value()->last_used == kStart + 9min);
  CHECK(store->find_session("k1").value()->created == kStart);
  REQUIRE(store->put_session("k2", {8, std::string(64, 'd'), kStart + 1h, kStart + 1h, ""}));
  REQUIRE(store->delete_sessions_before(kStart + 10min, kStart - 1h));  // k1 idle
  CHECK_FALSE(store->find_session("k1").value());
  CHECK(store->find_session("k2").value()->user_id == 8);
  REQUIRE(store->delete_session("k2"));
  CHECK(store->session_count().value() == 0);

  using server::FailureKind;
  REQUIRE(store->add_login_failure(FailureKind::kUser, "maria", kStart));
  REQUIRE(store->add_login_failure(FailureKind::kUser, "maria", kStart + 1min));
  REQUIRE(store->add_login_failure(FailureKind::kAddress, "maria", kStart + 1min));
  CHECK(store->login_failures_since(FailureKind::kUser, "maria", kStart).value() == 1);
  CHECK(store->login_failures_since(FailureKind::kUser, "maria", kStart - 1s).value() == 2);
  REQUIRE(store->delete_login_failures_before(kStart + 30s));
  CHECK(store->login_failures_since(FailureKind::kUser, "maria", kStart - 1s).value() == 1);
  REQUIRE(store->clear_login_failures(FailureKind::kUser, "maria"));
  CHECK(store->login_failures_since(FailureKind::kUser, "maria", kStart - 1s).value() == 0);
  CHECK(store->login_failures_since(FailureKind::kAddress, "maria", kStart).value() == 1);
}

}  // namespace

#define BACKEND_CONTRACT(title, tags, body)                                     \
  TEST_CASE("lease and session contract on sqlite: " title, "[store][sqlite]" tags) {  \
    SharedDatabase db(Backend::kSqlite);                                               \
    body(db);                                                                    \
  }                                                                              \
  TEST_CASE("lease and session contract on postgresql: " title,                  \
            "[store][postgresql]" tags) {                                        \
    SharedDatabase db(Backend::kPostgresql);                                           \
    body(db);                                                                    \
  }

BACKEND_CONTRACT("a lease has one holder until it expires or is released", "[lease]",
                 one_holder_until_expiry)
BACKEND_CONTRACT("two instances racing for a lease never both win", "[lease]",
                 racing_instances_one_winner)
BACKEND_CONTRACT("of two lease keepers one holds it and the other takes it when it goes",
                 "[lease]", keepers_hand_over)
BACKEND_CONTRACT("sessions expire when idle or old and are found only by their token",
                 "[dashboard]", sessions_expire)
BACKEND_CONTRACT("the login throttle counts failures per user and per address in a window",
                 "[dashboard]", throttle_counts)
BACKEND_CONTRACT("sessions and failed logins are shared by every connection", "[dashboard]",
                 shared_by_connections)
BACKEND_CONTRACT("the session store replaces, touches forward and sweeps", "[dashboard]",
                 session_store_calls)

TEST_CASE("server instance ids are random 16 hex digits", "[lease]") {
  CHECK(server::new_instance_id().size() == 16);
  CHECK(server::new_instance_id() != server::new_instance_id());
}
