// server/storage/pg_schema.cpp
#include "server/storage/pg_schema.h"

#include <spdlog/spdlog.h>

#include <cstdint>

#include "server/storage/pg_connection.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::server::pg {
namespace {

// pg_advisory_xact_lock key for migrations: "rapport" schema, any fixed number would do.
constexpr std::int64_t kMigrationLock = 0x7261'7070'6f72'7401;

}  // namespace

Result<void> migrate(Connection& connection) {
  RAPPORT_TRY(auto tx, Transaction::begin(connection));
  RAPPORT_TRY_VOID(
      connection.exec("SELECT pg_advisory_xact_lock($1::bigint)", {param(kMigrationLock)}));
  RAPPORT_TRY_VOID(connection.execute_script(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
      "applied_at TEXT NOT NULL)"));
  RAPPORT_TRY(const auto rows,
              connection.exec("SELECT coalesce(max(version), 0) FROM schema_version"));
  const std::int64_t current = rows.int64(0, 0);
  const int known = kPgMigrations.back().version;
  if (current > known) {
    spdlog::critical(
        "the PostgreSQL database has schema version {}, this program knows up to "
        "{}: it was written by a newer Rapport; upgrade this program",
        current, known);
    return storage::StorageErrc::kSchemaTooNew;
  }
  for (const auto& migration : kPgMigrations) {
    if (migration.version <= current) continue;
    RAPPORT_TRY_VOID(connection.execute_script(migration.sql));
    RAPPORT_TRY_VOID(
        connection.exec("INSERT INTO schema_version(version, applied_at) "
                        "VALUES ($1, $2)",
                        {param(std::int64_t{migration.version}), param(now_iso8601())}));
    spdlog::info("PostgreSQL schema migrated to version {}", migration.version);
  }
  return tx.commit();
}

}  // namespace rapport::server::pg
