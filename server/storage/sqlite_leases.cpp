// server/storage/sqlite_leases.cpp
//
// LeaseStore on SQLite: one INSERT ... ON CONFLICT DO UPDATE ... WHERE takes or renews a
// lease, so two instances racing for it cannot both win (SQLite serialises the writes; on
// PostgreSQL the same statement holds under row locks).

#include <utility>

#include "server/storage/lease_store.h"
#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"

namespace rapport::server {
namespace {

using storage::Database;

std::int64_t millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class SqliteLeaseStore final : public LeaseStore {
 public:
  explicit SqliteLeaseStore(Database db) : db_(std::move(db)) {}

  Result<bool> acquire(std::string_view name, std::string_view holder,
                       std::chrono::system_clock::time_point now,
                       std::chrono::milliseconds length) override {
    RAPPORT_TRY(auto stmt,
                db_.prepare("INSERT INTO leases(name, holder, expires_at) VALUES (?1, ?2, ?3) "
                            "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, "
                            "expires_at = excluded.expires_at "
                            "WHERE leases.expires_at <= ?4 OR leases.holder = excluded.holder"));
    RAPPORT_TRY_VOID(
        stmt.bind(1, name).bind(2, holder).bind(3, millis(now + length)).bind(4, millis(now)).run());
    return db_.changes() == 1;
  }

  Result<void> release(std::string_view name, std::string_view holder) override {
    RAPPORT_TRY(auto stmt, db_.prepare("DELETE FROM leases WHERE name = ?1 AND holder = ?2"));
    return stmt.bind(1, name).bind(2, holder).run();
  }

  Result<std::optional<LeaseHolder>> holder_of(std::string_view name) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT holder, expires_at FROM leases WHERE name = ?1"));
    stmt.bind(1, name);
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) return std::optional<LeaseHolder>();
    return std::optional<LeaseHolder>(LeaseHolder{
        stmt.column_text(0), std::chrono::system_clock::time_point(
                                 std::chrono::milliseconds(stmt.column_int64(1)))});
  }

 private:
  Database db_;
};

}  // namespace

Result<std::unique_ptr<LeaseStore>> open_sqlite_lease_store(const std::filesystem::path& file) {
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations));
  return std::unique_ptr<LeaseStore>(std::make_unique<SqliteLeaseStore>(std::move(db)));
}

}  // namespace rapport::server
