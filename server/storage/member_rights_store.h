// server/storage/member_rights_store.h
//
// Members' rights on the server's database (docs/members-rights.md): everything held
// about one member as JSON (`rapportctl member export`), and erasing a member's personal
// data (`rapportctl member erase`) while their events, purchases and points stay under the
// member id, which no longer leads to a person. Terminals learn of the erasure through
// GET /sync/v1/changes ("removed"). Two backends with the same export and the same erasure:
// sqlite_member_rights.cpp and pg_member_rights.cpp.
//
// Thread-safety: one thread per MemberRightsStore (it owns its own connection). Other
// connections (a running rapport-server) may use the database meanwhile.

#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "shared/util/result.h"

namespace rapport::server {

struct Erasure {
  std::int64_t member_id = 0;
  std::string staff;   // who erased (required)
  std::string reason;  // why, e.g. "customer request 2026-11-26" (required; no personal data)
  std::string at;      // ISO 8601 UTC, server clock
};

struct ErasureOutcome {
  bool already_erased = false;  // erased before: nothing changed, the file rewritten again
  std::int64_t cards_removed = 0;
  std::int64_t notes_removed = 0;
};

class MemberRightsStore {
 public:
  virtual ~MemberRightsStore() = default;

  // Opens (and migrates) the server database `url` names (server/storage/store_url.h: a
  // SQLite path or sqlite:// URL, or a postgresql:// one).
  [[nodiscard]] static Result<std::unique_ptr<MemberRightsStore>> open(const std::string& url);

  // Everything held about the member, as one JSON object (docs/members-rights.md lists the
  // keys); read in one transaction. nullopt when there is no such member.
  [[nodiscard]] virtual Result<std::optional<std::string>> export_member(
      std::int64_t member_id) = 0;

  // Removes the member's personal data in one transaction (name, birth date, cards, notes,
  // chip UIDs, relationship owner), records the erasure and marks the member changed so
  // terminals remove them; then rewrites what held the data: on SQLite the file
  // (shared/storage/rewrite_file.h), on PostgreSQL the tables that held it (VACUUM FULL,
  // statistics renewed) and a CHECKPOINT, once no session holds a snapshot from before the
  // erasure. nullopt when there is no such member. An error from the rewrite (kBusy: on
  // SQLite readers of old WAL frames, on PostgreSQL sessions with older snapshots, past 30 s;
  // or a role that may not CHECKPOINT): the erasure is committed but old bytes may remain
  // until it is run again.
  [[nodiscard]] virtual Result<std::optional<ErasureOutcome>> erase_member(
      const Erasure& erasure) = 0;
};

// The two backends, which open() chooses between.
[[nodiscard]] Result<std::unique_ptr<MemberRightsStore>> open_sqlite_member_rights_store(
    const std::filesystem::path& file);
[[nodiscard]] Result<std::unique_ptr<MemberRightsStore>> open_pg_member_rights_store(
    const std::string& url);

}  // namespace rapport::server
