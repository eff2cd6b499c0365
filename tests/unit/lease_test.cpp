// tests/unit/lease_test.cpp
//
// Leases on scheduled jobs (server/storage/lease_store.h, server/lease_keeper.h): two
// instances are two connections to one real SQLite file.

#include <catch2/catch.hpp>
#include <thread>

#include "server/lease_keeper.h"
#include "server/storage/lease_store.h"
#include "tests/support/catch_result.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;

namespace {
const auto kT0 = std::chrono::system_clock::time_point(1'800'000'000s);
}  // namespace

TEST_CASE("A lease has one holder until it expires or is released", "[lease][multi]") {
  testing::TempDir dir;
  auto a = server::open_sqlite_lease_store(dir / "rapport.db").value();
  auto b = server::open_sqlite_lease_store(dir / "rapport.db").value();
  CHECK(a->acquire("value-refresh", "A", kT0, 10s).value());
  CHECK_FALSE(b->acquire("value-refresh", "B", kT0 + 1s, 10s).value());
  CHECK(b->acquire("points-expiry", "B", kT0 + 1s, 10s).value());  // another job, free
  // A renews: the lease now runs to 15 s, so B still waits at 12 s.
  CHECK(a->acquire("value-refresh", "A", kT0 + 5s, 10s).value());
  CHECK_FALSE(b->acquire("value-refresh", "B", kT0 + 12s, 10s).value());
  CHECK(b->holder_of("value-refresh").value()->holder == "A");
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

TEST_CASE("Of two lease keepers one holds the lease, and the other takes it when it goes",
          "[lease][multi]") {
  testing::TempDir dir;
  const auto file = dir / "rapport.db";
  auto first = std::make_unique<server::LeaseKeeper>(
      server::open_sqlite_lease_store(file).value(), "points-expiry",
      server::LeaseOptions{"first", 300ms});
  server::LeaseKeeper second(server::open_sqlite_lease_store(file).value(), "points-expiry",
                             server::LeaseOptions{"second", 300ms});
  CHECK(first->held());
  CHECK_FALSE(second.held());
  // Renewed while alive: still the first's well past one length.
  std::this_thread::sleep_for(700ms);
  CHECK(first->held());
  CHECK_FALSE(second.held());
  first.reset();  // a clean stop releases it
  CHECK(testing::wait_until([&] { return second.held(); }, 2s));
  CHECK(server::new_instance_id().size() == 16);
  CHECK(server::new_instance_id() != server::new_instance_id());
}
