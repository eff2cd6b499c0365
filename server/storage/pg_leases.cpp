// server/storage/pg_leases.cpp
//
// LeaseStore on PostgreSQL (table leases, PostgreSQL migration 2): the same one statement as
// sqlite_leases.cpp. INSERT ... ON CONFLICT DO UPDATE ... WHERE locks the row, and under READ
// COMMITTED a second instance racing for it waits and then re-checks the WHERE against the
// winner's row, so only one of them takes it.

#include <utility>

#include "server/storage/lease_store.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_schema.h"

namespace rapport::server {
namespace {

using pg::Connection;
using pg::param;

std::int64_t millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class PgLeaseStore final : public LeaseStore {
 public:
  explicit PgLeaseStore(Connection db) : db_(std::move(db)) {}

  Result<bool> acquire(std::string_view name, std::string_view holder,
                       std::chrono::system_clock::time_point now,
                       std::chrono::milliseconds length) override {
    RAPPORT_TRY(const auto rows,
                db_.exec("INSERT INTO leases(name, holder, expires_at) VALUES ($1, $2, $3) "
                         "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                         "expires_at = excluded.expires_at "
                         "WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder",
                         {param(name), param(holder), param(millis(now + length)),
                          param(millis(now))}));
    return rows.affected() == 1;
  }

  Result<void> release(std::string_view name, std::string_view holder) override {
    RAPPORT_TRY_VOID(db_.exec("DELETE FROM leases WHERE name = $1 AND holder = $2",
                              {param(name), param(holder)}));
    return {};
  }

  Result<std::optional<LeaseHolder>> holder_of(std::string_view name) override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT holder, expires_at FROM leases WHERE name = $1",
                                          {param(name)}));
    if (rows.empty()) return std::optional<LeaseHolder>();
    return std::optional<LeaseHolder>(LeaseHolder{
        rows.text(0, 0),
        std::chrono::system_clock::time_point(std::chrono::milliseconds(rows.int64(0, 1)))});
  }

 private:
  Connection db_;
};

}  // namespace

Result<std::unique_ptr<LeaseStore>> open_pg_lease_store(const std::string& url) {
  RAPPORT_TRY(auto db, Connection::open(url));
  RAPPORT_TRY_VOID(pg::migrate(db));
  return std::unique_ptr<LeaseStore>(std::make_unique<PgLeaseStore>(std::move(db)));
}

}  // namespace rapport::server
