// tests/unit/enrollment_contract_test.cpp
//
// Terminal enrollment codes (server/storage/enrollment_store.h) on both backends: a code
// made through one connection is spent once at whichever connection (server instance) the
// terminal reaches, racing enrollments have one winner, and a refused or failed enrollment
// leaves the code as it was. Each contract runs on a SQLite file and on a PostgreSQL database
// of the shared throwaway cluster (tests/support/pg_cluster.h); the handler above the store
// is tested in server_enrollment_test.cpp.

#include <catch2/catch.hpp>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server/storage/store_url.h"
#include "shared/crypto/digest.h"
#include "shared/storage/storage_errc.h"
#include "tests/support/catch_result.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

enum class Backend { kSqlite, kPostgresql };

struct Chain {
  explicit Chain(Backend backend)
      : url(backend == Backend::kSqlite ? "sqlite://" + (dir / "rapport.db").string()
                                        : testing::PgCluster::shared().fresh_database()) {
    REQUIRE(store->add_store("S1", "High Street"));
  }
  // Another server instance's connection.
  [[nodiscard]] std::unique_ptr<server::EnrollmentStore> codes() const {
    return server::open_enrollment_store(url).value();
  }

  testing::TempDir dir;
  std::string url;
  std::unique_ptr<server::Store> store = server::open_store(url).value();
  const Clock::time_point now = Clock::now();
};

crypto::Sha256Digest secret(char c) {
  const std::vector<std::uint8_t> bytes(32, static_cast<std::uint8_t>(c));
  return crypto::sha256(bytes);
}

// What the enrollment authority would sign; counted, so a refused code is seen to sign nothing.
struct Signer {
  std::atomic<int> signed_certificates{0};
  server::EnrollmentStore::IssueCertificate issue() {
    return [this](const std::string& terminal_id, const std::string& store_id)
               -> Result<server::IssuedCertificate> {
      ++signed_certificates;
      return server::IssuedCertificate{"PEM of " + terminal_id + " at " + store_id,
                                       "serial-" + terminal_id};
    };
  }
};

void spent_once_anywhere(Chain& chain) {
  auto made_here = chain.codes();
  auto other_instance = chain.codes();
  REQUIRE(made_here->add_code({"T2", "S1", secret('a'), chain.now + 1h}));
  Signer signer;
  const auto first = other_instance->redeem("T2", secret('a'), chain.now, signer.issue()).value();
  CHECK(first.outcome == server::Redemption::kIssued);
  CHECK(first.store_id == "S1");
  CHECK(first.certificate_pem == "PEM of T2 at S1");
  // Registered with the new serial, seen by every connection.
  CHECK(made_here->is_active_terminal("T2").value());
  CHECK(made_here->active_terminals().value().at("T2") == "serial-T2");
  const auto terminal = chain.store->find_terminal("T2").value();
  REQUIRE(terminal);
  CHECK(terminal->certificate_serial == "serial-T2");
  CHECK_FALSE(terminal->revoked);
  const auto again = made_here->redeem("T2", secret('a'), chain.now + 1s, signer.issue()).value();
  CHECK(again.outcome == server::Redemption::kAlreadyUsed);
  CHECK(signer.signed_certificates == 1);
}

void refused_alike_and_unspent(Chain& chain) {
  auto codes = chain.codes();
  REQUIRE(codes->add_code({"T2", "S1", secret('a'), chain.now + 60s}));
  Signer signer;
  CHECK(codes->redeem("T2", secret('b'), chain.now, signer.issue()).value().outcome ==
        server::Redemption::kWrongSecret);
  CHECK(codes->redeem("T9", secret('a'), chain.now, signer.issue()).value().outcome ==
        server::Redemption::kUnknownCode);
  CHECK(codes->redeem("T2", secret('a'), chain.now + 60s, signer.issue()).value().outcome ==
        server::Redemption::kExpired);
  // The signer failing (a full disk, say) rolls everything back too.
  const auto failing = [](const std::string&, const std::string&)
      -> Result<server::IssuedCertificate> { return storage::StorageErrc::kIo; };
  CHECK_FALSE(codes->redeem("T2", secret('a'), chain.now, failing));
  CHECK(signer.signed_certificates == 0);
  CHECK_FALSE(codes->is_active_terminal("T2").value());
  // None of that spent the code.
  CHECK(codes->redeem("T2", secret('a'), chain.now, signer.issue()).value().outcome ==
        server::Redemption::kIssued);
}

void racing_instances_one_winner(Chain& chain) {
  REQUIRE(chain.codes()->add_code({"T2", "S1", secret('a'), chain.now + 1h}));
  Signer signer;
  std::atomic<int> issued{0};
  std::atomic<int> used{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i) {
    racers.emplace_back([&] {
      auto own = chain.codes();  // its own connection, as another server process would have
      const auto result = own->redeem("T2", secret('a'), chain.now, signer.issue());
      if (result && result->outcome == server::Redemption::kIssued) ++issued;
      if (result && result->outcome == server::Redemption::kAlreadyUsed) ++used;
    });
  }
  for (auto& racer : racers) racer.join();
  CHECK(issued == 1);
  CHECK(used == 3);
  CHECK(signer.signed_certificates == 1);
}

void a_new_code_replaces_the_old(Chain& chain) {
  auto codes = chain.codes();
  REQUIRE(codes->add_code({"T2", "S1", secret('a'), chain.now + 1h}));
  REQUIRE(codes->add_code({"T2", "S1", secret('b'), chain.now + 1h}));
  Signer signer;
  CHECK(codes->redeem("T2", secret('a'), chain.now, signer.issue()).value().outcome ==
        server::Redemption::kWrongSecret);
  CHECK(codes->redeem("T2", secret('b'), chain.now, signer.issue()).value().outcome ==
        server::Redemption::kIssued);
  CHECK(chain.store->revoke_terminal("T2").value());
  CHECK_FALSE(codes->is_active_terminal("T2").value());
  CHECK(codes->active_terminals().value().count("T2") == 0);
  // A new code for the revoked terminal re-registers it with a new serial, revocation lifted.
  REQUIRE(codes->add_code({"T2", "S1", secret('c'), chain.now + 1h}));
  CHECK(codes->redeem("T2", secret('c'), chain.now, signer.issue()).value().outcome ==
        server::Redemption::kIssued);
  CHECK(codes->is_active_terminal("T2").value());
  // A code for a store the chain does not have is refused as a constraint.
  const auto no_store = codes->add_code({"T3", "S404", secret('d'), chain.now + 1h});
  REQUIRE_FALSE(no_store);
  CHECK(no_store.error() == make_error_code(storage::StorageErrc::kConstraint));
}

}  // namespace

#define ENROLLMENT_CONTRACT(title, body)                                                  \
  TEST_CASE("enrollment contract on sqlite: " title, "[store][sqlite][enrollment]") {     \
    Chain chain(Backend::kSqlite);                                                        \
    body(chain);                                                                          \
  }                                                                                       \
  TEST_CASE("enrollment contract on postgresql: " title, "[store][postgresql][enrollment]") { \
    Chain chain(Backend::kPostgresql);                                                    \
    body(chain);                                                                          \
  }

ENROLLMENT_CONTRACT("a code made on one instance is spent once on another", spent_once_anywhere)
ENROLLMENT_CONTRACT("a wrong, unknown or expired code, or a failed signing, spends nothing",
                    refused_alike_and_unspent)
ENROLLMENT_CONTRACT("instances racing with one code: exactly one wins", racing_instances_one_winner)
ENROLLMENT_CONTRACT("a new code replaces the old, and re-registers a revoked terminal",
                    a_new_code_replaces_the_old)
