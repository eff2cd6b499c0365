// server/ctl/member_move_command.cpp
//
// `rapportctl member move`: changes a member's home store from the command line
// (docs/dashboard.md, "Changing a member's home store"), with the same store call and audit
// entry as the dashboard's POST /api/members/ID/home-store.

#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/storage/staff_store.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::ctl {

int run_member_move(const std::filesystem::path& data, std::int64_t member,
                    const std::string& store, const std::string& by) {
  if (member <= 0 || store.empty() || by.empty()) {
    std::cerr << "error: give --member ID, --store S and --by NAME\n";
    return 2;
  }
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  auto staff = open_staff_store(*folder);
  if (!staff) return 1;
  auto& db = *staff;
  const std::string object = "member:" + std::to_string(member) + " store:" + store;
  if (auto audited = db.record_audit({now_iso8601(), std::nullopt, by, "move-member", object, "ok",
                                      "rapportctl"});
      !audited) {
    std::cerr << "error: cannot write the audit log, nothing moved: " << audited.error().message()
              << "\n";
    return 1;
  }
  const auto moved = db.move_member(member, store);
  if (!moved) {
    if (moved.error() == storage::StorageErrc::kConstraint) {
      std::cerr << "error: nothing moved: there is no member " << member << " (or it was merged "
                << "or erased), or no store " << store
                << " (see rapportctl member list and rapportctl store list)\n";
    } else {
      std::cerr << "error: cannot move, nothing changed: " << moved.error().message() << "\n";
    }
    return 1;
  }
  if (!*moved) {
    std::cout << "member " << member << " has home store " << store << " already\n";
    return 0;
  }
  std::cout << "member " << member << " now has home store " << store
            << "; its terminals receive the member at their next sync\n";
  return 0;
}

}  // namespace rapport::ctl
