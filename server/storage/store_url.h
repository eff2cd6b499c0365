// server/storage/store_url.h
//
// Which backend holds the server's data, from the `database` setting (docs/schema.md):
// `sqlite:///var/lib/rapport/rapport.db` or a bare path (SQLite, the default), or a libpq
// URI `postgresql://user@host:5432/db` / `postgresql:///db?host=/run/postgresql`.

#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "server/storage/enrollment_store.h"
#include "server/storage/lease_store.h"
#include "server/storage/session_store.h"
#include "server/storage/staff_store.h"
#include "server/storage/store.h"
#include "shared/util/result.h"

namespace rapport::server {

struct StoreUrl {
  enum class Backend { kSqlite, kPostgresql };
  Backend backend = Backend::kSqlite;
  // The SQLite file's path (as written: relative stays relative), or the whole
  // postgresql:// URI as libpq takes it.
  std::string location;
};

// PgErrc::kUnknownScheme for any other `scheme://` (and for sqlite:// without a path).
[[nodiscard]] Result<StoreUrl> parse_store_url(std::string_view url);

// Opens (creating and migrating as needed) the store `url` names.
[[nodiscard]] Result<std::unique_ptr<Store>> open_store(std::string_view url);

// The lease and session stores on the database `url` names, each on its own connection.
[[nodiscard]] Result<std::unique_ptr<LeaseStore>> open_lease_store(std::string_view url);
[[nodiscard]] Result<std::unique_ptr<SessionStore>> open_session_store(std::string_view url);
// Enrollment codes and the terminal list (for the enrollment listener and the revocation
// watcher), on its own connection.
[[nodiscard]] Result<std::unique_ptr<EnrollmentStore>> open_enrollment_store(std::string_view url);
// The staff dashboard's store (users, audit log, its pages' reads), on its own connection.
[[nodiscard]] Result<std::unique_ptr<StaffStore>> open_staff_store(std::string_view url);

// The PostgreSQL backend (pg_store.cpp): `url` is a libpq URI.
[[nodiscard]] Result<std::unique_ptr<Store>> open_pg_store(const std::string& url);

}  // namespace rapport::server
