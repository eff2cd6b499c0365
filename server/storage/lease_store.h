// server/storage/lease_store.h
//
// Leases on named jobs, so several server instances sharing one database run each scheduled
// job on one instance at a time (docs/deployment.md, "Scheduled work"). A lease is a row
// (name, holder, expires_at); an instance takes it when it is free or expired, renews it while
// it works, and loses it when it stops renewing (it died): another instance then takes it.
// Schema: docs/schema.md, SQLite migration 21, PostgreSQL migration 2. A backend may implement this otherwise (an advisory
// lock) as long as acquire() keeps its contract.
//
// Times are the caller's clock: instances sharing a database must keep their clocks in step
// (NTP), well within a lease's length.
//
// Thread-safety: one thread at a time per LeaseStore.

#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "shared/util/result.h"

namespace rapport::server {

struct LeaseHolder {
  std::string holder;
  std::chrono::system_clock::time_point expires_at;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Atomically: when `name` is free, expired at `now`, or already `holder`'s, it becomes
  // `holder`'s until now + length and this returns true; otherwise nothing changes and it
  // returns false. Durable on return.
  [[nodiscard]] virtual Result<bool> acquire(std::string_view name, std::string_view holder,
                                             std::chrono::system_clock::time_point now,
                                             std::chrono::milliseconds length) = 0;
  // Gives `name` up when `holder` has it, so another instance need not wait for it to expire.
  [[nodiscard]] virtual Result<void> release(std::string_view name, std::string_view holder) = 0;
  // Who has or last had `name` (for status and tests); nullopt when no one ever took it.
  [[nodiscard]] virtual Result<std::optional<LeaseHolder>> holder_of(std::string_view name) = 0;
};

// The SQLite backend, on its own connection to `file` (created and migrated as needed).
[[nodiscard]] Result<std::unique_ptr<LeaseStore>> open_sqlite_lease_store(
    const std::filesystem::path& file);
// The PostgreSQL backend (pg_leases.cpp), on its own connection to the libpq URI `url`
// (migrated as needed). open_lease_store() in store_url.h picks one by the database URL.
[[nodiscard]] Result<std::unique_ptr<LeaseStore>> open_pg_lease_store(const std::string& url);

}  // namespace rapport::server
