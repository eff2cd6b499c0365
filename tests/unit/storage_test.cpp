// tests/unit/storage_test.cpp
//
// The SQLite door: transactions, migrations, and failures that arrive as StorageErrc.

#include <array>
#include <fstream>

#include "shared/storage/database.h"
#include "shared/storage/storage_errc.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using rapport::storage::Database;
using rapport::storage::Migration;
using rapport::storage::StorageErrc;
using rapport::storage::Transaction;

namespace {

constexpr std::array<Migration, 2> kMigrations{{
    {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);"},
    {2, "ALTER TABLE t ADD COLUMN n INTEGER NOT NULL DEFAULT 0;"},
}};

std::int64_t count_rows(Database& db) {
  auto stmt = db.prepare("SELECT count(*) FROM t").value();
  REQUIRE(stmt.step().value());
  return stmt.column_int64(0);
}

}  // namespace

TEST_CASE("an uncommitted transaction leaves no rows", "[storage]") {
  rapport::testing::TempDir dir;
  auto db = Database::open(dir / "a.db", kMigrations).value();
  {
    auto tx = Transaction::begin(db).value();
    REQUIRE(db.execute("INSERT INTO t(v) VALUES ('x')"));
  }  // no commit
  CHECK(count_rows(db) == 0);
  {
    auto tx = Transaction::begin(db).value();
    REQUIRE(db.execute("INSERT INTO t(v) VALUES ('y')"));
    REQUIRE(tx.commit());
  }
  CHECK(count_rows(db) == 1);
}

TEST_CASE("committed rows survive closing and reopening the file", "[storage]") {
  rapport::testing::TempDir dir;
  {
    auto db = Database::open(dir / "a.db", kMigrations).value();
    auto insert = db.prepare("INSERT INTO t(v) VALUES (?1)").value();
    for (int i = 0; i < 10; ++i) REQUIRE(insert.bind(1, std::to_string(i)).run());
  }
  auto db = Database::open(dir / "a.db", kMigrations).value();
  CHECK(count_rows(db) == 10);
  CHECK(db.schema_version() == 2);
}

TEST_CASE("a unique constraint arrives as kConstraint", "[storage]") {
  rapport::testing::TempDir dir;
  auto db = Database::open(dir / "a.db", kMigrations).value();
  auto insert = db.prepare("INSERT INTO t(v) VALUES (?1)").value();
  REQUIRE(insert.bind(1, std::string_view("same")).run());
  const auto again = insert.bind(1, std::string_view("same")).run();
  REQUIRE_FALSE(again);
  CHECK(again.error() == StorageErrc::kConstraint);
}

TEST_CASE("migrations run once and a newer schema is refused", "[storage]") {
  rapport::testing::TempDir dir;
  { auto db = Database::open(dir / "a.db", kMigrations).value(); }
  const std::array<Migration, 1> older{{kMigrations[0]}};
  const auto refused = Database::open(dir / "a.db", older);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == StorageErrc::kSchemaTooNew);
}

TEST_CASE("a file that is not a database is reported as corrupt", "[storage]") {
  rapport::testing::TempDir dir;
  std::ofstream(dir / "junk.db") << std::string(8192, 'j');
  const auto opened = Database::open(dir / "junk.db", kMigrations);
  REQUIRE_FALSE(opened);
  CHECK(opened.error() == StorageErrc::kCorrupt);
}

TEST_CASE("a missing folder cannot be opened", "[storage]") {
  rapport::testing::TempDir dir;
  const auto opened = Database::open(dir / "no/such/folder/a.db", kMigrations);
  REQUIRE_FALSE(opened);
  CHECK(opened.error() == StorageErrc::kCannotOpen);
}

TEST_CASE("a full database refuses the write with kDiskFull and keeps what it had", "[storage]") {
  rapport::testing::TempDir dir;
  auto db = Database::open(dir / "a.db", kMigrations).value();
  REQUIRE(db.execute("INSERT INTO t(v) VALUES ('kept')"));
  // SQLite's own page limit makes the file "full" exactly as a full disk would.
  auto pages = db.prepare("PRAGMA page_count").value();
  REQUIRE(pages.step().value());
  REQUIRE(db.execute("PRAGMA max_page_count=" + std::to_string(pages.column_int64(0))));
  pages.reset();
  auto insert = db.prepare("INSERT INTO t(v) VALUES (?1)").value();
  rapport::ErrorCode error;
  for (int i = 0; i < 10000 && !error; ++i) {
    auto r =
        insert.bind(1, std::string(500, static_cast<char>('a' + i % 26)) + std::to_string(i)).run();
    if (!r) error = r.error();
  }
  CHECK(error == StorageErrc::kDiskFull);
  auto kept = db.prepare("SELECT count(*) FROM t WHERE v = 'kept'").value();
  REQUIRE(kept.step().value());
  CHECK(kept.column_int64(0) == 1);
}
