// server/ctl/member_merge_command.cpp
//
// `rapportctl member merge`: merges two memberships of the same person from the command line
// (docs/dashboard.md, "Merging two memberships"), with the same store call and audit entry
// as the dashboard's merge.

#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/storage/staff_store.h"
#include "shared/util/clock.h"

namespace rapport::ctl {

int run_member_merge(const std::filesystem::path& data, std::int64_t keep, std::int64_t merge,
                     const std::string& by) {
  if (keep <= 0 || merge <= 0 || keep == merge) {
    std::cerr << "error: --keep and --merge must be two different member ids\n";
    return 2;
  }
  if (by.empty()) {
    std::cerr << "error: --by must name who merges\n";
    return 2;
  }
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  auto staff = open_staff_store(*folder);
  if (!staff) return 1;
  auto& store = *staff;
  for (const std::int64_t id : {keep, merge}) {
    const auto found = store.member(id);
    if (!found) {
      std::cerr << "error: cannot read member " << id << ": " << found.error().message() << "\n";
      return 1;
    }
    if (!*found) {
      std::cerr << "error: there is no member " << id << " (see rapportctl member list)\n";
      return 1;
    }
    if ((*found)->merged_into) {
      std::cerr << "error: member " << id << " was merged into member " << *(*found)->merged_into
                << " already\n";
      return 1;
    }
  }
  const std::string now = now_iso8601();
  server::StaffUser operator_user;
  operator_user.name = by;
  const std::string object =
      "member:" + std::to_string(keep) + " merged:" + std::to_string(merge);
  if (auto audited = store.record_audit({now, std::nullopt, by, "merge-members", object, "ok",
                                         "rapportctl"});
      !audited) {
    std::cerr << "error: cannot write the audit log, nothing merged: "
              << audited.error().message() << "\n";
    return 1;
  }
  const auto merged = store.merge_members(keep, merge, operator_user, now);
  if (!merged) {
    std::cerr << "error: cannot merge, nothing changed: " << merged.error().message() << "\n";
    return 1;
  }
  std::cout << "merged member " << merge << " into " << keep << ": " << merged->events_moved
            << " events, " << merged->cards_moved << " cards, " << merged->points_moved
            << " points moved\n";
  return 0;
}

}  // namespace rapport::ctl
