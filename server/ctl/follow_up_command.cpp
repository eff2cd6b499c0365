// server/ctl/follow_up_command.cpp
//
// `rapportctl follow-ups raise`: the follow-up job (docs/dashboard.md, "Follow-ups") run now
// or at a given time. Idempotent: running it twice opens nothing new.

#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/storage/staff_store.h"
#include "shared/util/clock.h"

namespace rapport::ctl {

int run_follow_ups_raise(const std::filesystem::path& data, const std::optional<std::string>& now) {
  auto when = std::chrono::system_clock::now();
  if (now) {
    const auto parsed = from_iso8601(*now);
    if (!parsed) {
      std::cerr << "error: --now must be written like 2026-11-26T08:00:00Z, not '" << *now
                << "'\n";
      return 2;
    }
    when = *parsed;
  }
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  auto staff = open_staff_store(*folder);
  if (!staff) return 1;
  const auto opened = staff->raise_follow_ups(to_iso8601(when));
  if (!opened) {
    std::cerr << "error: cannot raise follow-ups: " << opened.error().message() << "\n";
    return 1;
  }
  std::cout << "opened " << *opened << " follow-ups\n";
  return 0;
}

}  // namespace rapport::ctl
