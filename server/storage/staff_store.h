// server/storage/staff_store.h
//
// The dashboard's door to the server's SQLite file, on its own connection (like
// EnrollmentStore): staff users and their stores, the audit log, and the reads the
// dashboard's pages are made of. Schema: docs/schema.md, migration 8; docs/dashboard.md.
// Access rules are not decided here: the dashboard handler asks for exactly what a user may
// see (server/dashboard/staff.h).
//
// Thread-safety: one thread at a time per StaffStore. Writes are durable on return.

#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/dashboard/staff.h"
#include "shared/util/result.h"

namespace rapport::server {

struct NewStaffUser {
  std::string name;
  StaffRole role = StaffRole::kCashier;
  std::vector<std::string> stores;  // each must exist
  std::string password_hash;        // shared/crypto/password_hash.h
};

struct StaffAccount {
  StaffUser user;
  std::string password_hash;
  bool disabled = false;
};

// One line of the audit log: who looked at or changed what, and whether it was allowed.
struct AuditEntry {
  std::string at;  // ISO 8601 UTC
  std::optional<std::int64_t> user_id;
  std::string user_name;  // as typed at login for failed logins
  std::string action;     // "login", "login-refused", "read-regulars", "read-member", ...
  std::string object;     // "store:S1", "member:42", ""
  std::string outcome;    // "ok", "refused", "denied", "throttled", ...
  std::string remote;     // client address
};

// A member of the store as the regulars table shows them; value fields are empty before the
// first value refresh (docs/value-engine.md).
struct RegularRow {
  std::int64_t member_id = 0;
  std::string name;
  std::int64_t visit_count = 0;
  std::optional<std::string> last_visit;  // ISO 8601 of the last visit anywhere
  std::optional<std::string> tier;        // MVC, MGC, LMC, BZ
  std::optional<std::int64_t> total_value_cents;
  std::optional<double> p_alive;
  std::optional<double> rhythm_days;
  bool at_risk = false;
  std::optional<std::string> segment;
};

// A member of another store who visits this one: their visits here, nothing else.
struct VisitorRow {
  std::int64_t member_id = 0;
  std::string name;
  std::string home_store;
  std::int64_t visits = 0;  // at this store
  std::string last_visit;   // at this store
};

struct MemberOverview {
  std::int64_t id = 0;
  std::string name;
  std::string home_store;
  std::int64_t visit_count = 0;
  std::optional<std::string> last_visit;
  std::optional<std::string> tier;
  std::optional<std::int64_t> total_value_cents;
  std::optional<double> p_alive;
  std::optional<double> rhythm_days;
  bool at_risk = false;
};

struct StoreVisits {
  std::string store_id;
  std::int64_t visits = 0;
  std::string last_visit;
};

class StaffStore {
 public:
  // Opens (creating and migrating as needed) the server's SQLite file.
  [[nodiscard]] static Result<std::unique_ptr<StaffStore>> open(const std::filesystem::path& file);
  virtual ~StaffStore() = default;

  // The new user's id. kConstraint when the name is taken or a store does not exist.
  [[nodiscard]] virtual Result<std::int64_t> add_user(const NewStaffUser& user,
                                                      const std::string& created_at) = 0;
  [[nodiscard]] virtual Result<std::vector<StaffUser>> list_users() = 0;
  [[nodiscard]] virtual Result<std::optional<StaffAccount>> find_user_by_name(
      const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::optional<StaffAccount>> find_user(std::int64_t id) = 0;
  [[nodiscard]] virtual Result<void> set_password_hash(std::int64_t id,
                                                       const std::string& password_hash) = 0;

  [[nodiscard]] virtual Result<void> record_audit(const AuditEntry& entry) = 0;
  // Newest first.
  [[nodiscard]] virtual Result<std::vector<AuditEntry>> list_audit(std::size_t limit) = 0;

  [[nodiscard]] virtual Result<bool> store_exists(const std::string& store_id) = 0;
  // Every store id, sorted (what chain-wide roles may choose from).
  [[nodiscard]] virtual Result<std::vector<std::string>> all_stores() = 0;
  // Members whose home store is `store_id`, most valuable first (members without a snapshot
  // last, by id), at most `limit`.
  [[nodiscard]] virtual Result<std::vector<RegularRow>> regulars(const std::string& store_id,
                                                                 std::size_t limit) = 0;
  // Members of other stores who visited `store_id`, most visits there first.
  [[nodiscard]] virtual Result<std::vector<VisitorRow>> visitors(const std::string& store_id,
                                                                 std::size_t limit) = 0;
  // True once any value refresh has been saved.
  [[nodiscard]] virtual Result<bool> has_value_snapshots() = 0;
  [[nodiscard]] virtual Result<std::optional<MemberOverview>> member(std::int64_t id) = 0;
  // The member's visits at each of `stores` where they have any.
  [[nodiscard]] virtual Result<std::vector<StoreVisits>> member_visits_at(
      std::int64_t id, const std::vector<std::string>& stores) = 0;
};

}  // namespace rapport::server
