// terminal/member_cache.h
//
// The terminal's copy of its store's members, looked up by card token at every scan so
// recognition never waits on the network. Replaced whole by each snapshot from the server
// (the incremental pull is the sync issue's).
//
// Thread-safety: as the Database it was given (one thread).

#pragma once

#include <optional>
#include <string>

#include "shared/domain/member.h"
#include "shared/protocol/sync_messages.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::terminal {

struct CardHolder {
  domain::Member member;  // without its cards
  domain::Card card;      // the card that was presented
};

class MemberCache {
 public:
  // Requires: `db` outlives this cache.
  explicit MemberCache(storage::Database& db) : db_(db) {}

  // Replaces every member and card with the snapshot's, in one transaction: a scan sees the
  // old copy or the new one, never a mix.
  [[nodiscard]] Result<void> replace_all(const protocol::MembersSnapshot& snapshot);

  // The member holding the card with `token`, or nullopt for a card this store doesn't know.
  [[nodiscard]] Result<std::optional<CardHolder>> find_by_token(const std::string& token);

  [[nodiscard]] Result<std::int64_t> member_count();

 private:
  storage::Database& db_;
  std::optional<storage::Statement> find_;  // prepared on first scan, then reused
};

}  // namespace rapport::terminal
