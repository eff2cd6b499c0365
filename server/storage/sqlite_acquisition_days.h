// server/storage/sqlite_acquisition_days.h
//
// Keeps acquisition_days (migration 24; docs/schema.md) equal to its members' snapshots while
// a value refresh is saved: triggers follow the members (enrolled, moved, merged, corrected)
// but not value_snapshots, whose million rows a full refresh rewrites (a trigger per row
// would cost seconds). So the save hands each snapshot's before and after here, and write()
// adds the changes per scope (the chain, the member's region), enrollment day and channel:
// a few thousand rows whatever the chain's size. Internal to the SQLite backend.
//
// Thread-safety: one thread, inside the refresh's transaction (the members' days, channels
// and stores are read there, so a member moved while the model ran counts where they are).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

class AcquisitionValueChanges {
 public:
  explicit AcquisitionValueChanges(storage::Database& db) : db_(&db) {}

  // Reads where each member counts. `full`: every member in one pass over members_acquired
  // (for a refresh of all of them); otherwise add() looks each one up.
  [[nodiscard]] Result<void> load(bool full);
  // One snapshot saved: `before` is the member's previous lifetime value (none: no snapshot
  // until now). A member merged away, or unknown, counts nowhere.
  [[nodiscard]] Result<void> add(std::int64_t member_id, std::optional<std::int64_t> before,
                                 std::int64_t after);
  [[nodiscard]] Result<void> write();

  // The member's home store if they count there (not merged away), read as load() said;
  // none otherwise. For the rewards days written by the same save.
  [[nodiscard]] Result<std::optional<std::string>> counted_home_store(std::int64_t member_id);

 private:
  struct Place {
    std::int32_t key = -1;     // index into keys_ (day, channel); -1: counts nowhere
    std::int32_t region = -1;  // index into regions_; -1: none
    std::int32_t store = -1;   // index into stores_; -1: not read (merged away, or unknown)
  };
  struct Change {
    std::int64_t valued = 0;
    std::int64_t cents = 0;
  };

  std::int32_t key_of(const std::string& day, const std::string& channel);
  [[nodiscard]] Result<Place> look_up(std::int64_t member_id);
  Change& change(std::int32_t key, std::int32_t scope);  // scope 0: chain, r + 1: region r

  storage::Database* db_;
  bool full_ = false;
  std::vector<Place> places_;  // by member id (full refresh)
  std::unordered_map<std::string, std::int32_t> key_index_;  // day + '\x1f' + channel
  std::vector<std::pair<std::string, std::string>> keys_;
  std::unordered_map<std::string, std::int32_t> store_index_;  // store id -> index in stores_
  std::vector<std::string> stores_;
  std::vector<std::int32_t> store_region_;  // by store index: region index, -1 none
  std::vector<std::string> regions_;
  std::vector<Change> changes_;  // keys_.size() x (regions_.size() + 1)
  std::optional<storage::Statement> member_;  // the look-up of an incremental refresh
};

}  // namespace rapport::server::sqlite
