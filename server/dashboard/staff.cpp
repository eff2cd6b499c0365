// server/dashboard/staff.cpp
#include "server/dashboard/staff.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace rapport::server {
namespace {

constexpr std::array<std::pair<StaffRole, std::string_view>, 4> kNames{{
    {StaffRole::kCashier, "cashier"},
    {StaffRole::kStoreManager, "store-manager"},
    {StaffRole::kHeadOffice, "head-office"},
    {StaffRole::kAdministrator, "administrator"},
}};

}  // namespace

std::string_view to_string(StaffRole role) {
  for (const auto& [r, name] : kNames) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<StaffRole> staff_role_from_string(std::string_view text) {
  for (const auto& [r, name] : kNames) {
    if (name == text) return r;
  }
  return std::nullopt;
}

bool is_store_scoped(StaffRole role) {
  return role == StaffRole::kCashier || role == StaffRole::kStoreManager;
}

bool may_use_dashboard(const StaffUser& user) { return user.role != StaffRole::kCashier; }

bool may_read_store(const StaffUser& user, std::string_view store_id) {
  if (!may_use_dashboard(user)) return false;
  if (!is_store_scoped(user.role)) return true;
  return std::find(user.stores.begin(), user.stores.end(), store_id) != user.stores.end();
}

bool may_read_reports(const StaffUser& user) {
  return user.role == StaffRole::kHeadOffice || user.role == StaffRole::kAdministrator;
}

bool may_exercise_member_rights(const StaffUser& user) {
  return user.role == StaffRole::kHeadOffice || user.role == StaffRole::kAdministrator;
}

bool may_manage_store(const StaffUser& user, std::string_view store_id) {
  if (user.role == StaffRole::kAdministrator) return true;
  return user.role == StaffRole::kStoreManager && may_read_store(user, store_id);
}

bool may_own_members_of(const StaffUser& owner, bool enabled, std::string_view store_id) {
  return enabled && is_store_scoped(owner.role) &&
         std::find(owner.stores.begin(), owner.stores.end(), store_id) != owner.stores.end();
}

bool is_valid_staff_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_' ||
           c == '@';
  });
}

}  // namespace rapport::server
