// server/dashboard/staff.h
//
// Staff users as the dashboard sees them: a role and the stores they are scoped to, and the
// one rule of who may read what (docs/dashboard.md, "Roles"). Pure: no storage, no clock.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rapport::server {

enum class StaffRole {
  kCashier = 1,    // works the counter; no dashboard pages
  kStoreManager,   // their stores' members and regulars
  kHeadOffice,     // every store, read only
  kAdministrator,  // every store
};

[[nodiscard]] std::string_view to_string(StaffRole role);
// "cashier", "store-manager", "head-office", "administrator"; nullopt otherwise.
[[nodiscard]] std::optional<StaffRole> staff_role_from_string(std::string_view text);
// True for roles scoped to listed stores (cashier, store manager); the others see the chain.
[[nodiscard]] bool is_store_scoped(StaffRole role);

struct StaffUser {
  std::int64_t id = 0;
  std::string name;
  StaffRole role = StaffRole::kCashier;
  std::vector<std::string> stores;  // for store-scoped roles; empty for chain-wide ones
};

// True when `user` may see the dashboard at all (everyone but cashiers).
[[nodiscard]] bool may_use_dashboard(const StaffUser& user);
// True when `user` may read the members and regulars of `store_id`.
[[nodiscard]] bool may_read_store(const StaffUser& user, std::string_view store_id);

// True when `user` may read the chain-wide head-office reports (docs/reports.md): head office
// and administrators; store managers are refused.
[[nodiscard]] bool may_read_reports(const StaffUser& user);

// True when `user` may export or erase any member's data from the dashboard (docs/members-
// rights.md, "From the dashboard"): head office and administrators; store managers are refused.
[[nodiscard]] bool may_exercise_member_rights(const StaffUser& user);

// True when `user` may change things about the members of `store_id` (assign relationship
// owners, close follow-ups): its store managers and administrators; head office only reads.
[[nodiscard]] bool may_manage_store(const StaffUser& user, std::string_view store_id);
// True when `owner` may own relationships with members of `store_id`: a store-scoped user
// (cashier or manager) of that store. `enabled` is false for a disabled user.
[[nodiscard]] bool may_own_members_of(const StaffUser& owner, bool enabled,
                                      std::string_view store_id);

// 1-64 letters, digits, '.', '-', '_' or '@'.
[[nodiscard]] bool is_valid_staff_name(std::string_view name);

}  // namespace rapport::server
