// server/storage/sqlite_store_equity.h
//
// Customer equity per home store over time (docs/reports.md, "customer-equity-change";
// migration 15's store_equity): while a value refresh is saved, each member's new lifetime
// value is compared with their previous snapshot's, and the store's change is split into
// new members (no snapshot before), growth, decline, and lost members (probability alive
// fell below kLostPAlive in this refresh: their whole change counts as lost). write() then
// adds one row per touched store: its equity after the refresh (the store's previous row
// plus the change) and the parts. Internal to the SQLite backend.
//
// Thread-safety: one thread, inside the refresh's transaction.

#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

// The value engine's default at-risk threshold: below it a member is more likely gone.
inline constexpr double kLostPAlive = 0.5;

class StoreEquityChanges {
 public:
  struct Before {
    std::int64_t lifetime_value_cents = 0;
    double p_alive = 0;
  };

  explicit StoreEquityChanges(storage::Database& db) : db_(&db) {}

  // `home_store` comes with the member's snapshot (read with the value inputs), so a full
  // refresh needs no second scan of the members table.
  void add(std::string_view home_store, const std::optional<Before>& before,
           std::int64_t lifetime_value_cents, double p_alive);
  [[nodiscard]] Result<void> write(std::int64_t refresh_id, const std::string& as_of);

 private:
  struct Parts {
    std::int64_t members = 0;  // change in members with a snapshot
    std::int64_t equity = 0;   // change in the sum of lifetime values
    std::int64_t new_members = 0, new_cents = 0, growth = 0, decline = 0;
    std::int64_t lost_members = 0, lost_cents = 0;
  };

  storage::Database* db_;
  std::map<std::string, Parts, std::less<>> parts_;  // by store id
};

}  // namespace rapport::server::sqlite
