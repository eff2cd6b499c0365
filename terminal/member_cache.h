// terminal/member_cache.h
//
// The terminal's copy of the members its store needs, looked up by card token at every scan
// so recognition never waits on the network. Kept up to date by pulling what changed since a
// cursor (docs/protocol.md, "GET /sync/v1/changes"), and by cards looked up on the server.
//
// Thread-safety: as the Database it was given (one thread).

#pragma once

#include <optional>
#include <string>
#include <vector>

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

  // Stores the page's members (each replacing its earlier copy, cards, offers, notes and
  // recent purchases, keeping what was refunded here of each: local_sales.h),
  // removes its erased members (with their cards, notes, pending notes and refused events)
  // and stores its
  // cursor, in one transaction: a crash mid-catch-up resumes from the last page applied.
  // With removals the file is then rewritten (storage::rewrite_file); kBusy from that leaves
  // the removal committed and old bytes possibly in the file until the next removal.
  [[nodiscard]] Result<void> apply(const protocol::ChangesPage& page);

  // Stores one member as the server sent it (a card looked up at the counter).
  [[nodiscard]] Result<void> upsert(const domain::Member& member);

  // Where the next pull starts: "" (from the start) until a page has been applied.
  [[nodiscard]] Result<std::string> cursor();

  // The member holding the card with `token`, or nullopt for a card this store doesn't know.
  [[nodiscard]] Result<std::optional<CardHolder>> find_by_token(const std::string& token);

  [[nodiscard]] Result<std::int64_t> member_count();

  // The member's offers as the server last sent them, best first (docs/offers.md).
  [[nodiscard]] Result<std::vector<domain::MemberOffer>> offers_of(std::int64_t member_id);
  // Takes an offer off the member's list (redeemed or declined here) until the server sends
  // the member again. Requires: inside the caller's transaction, or alone.
  [[nodiscard]] Result<void> remove_offer(std::int64_t member_id, const std::string& offer_id);
  // The chain's counter limits from the last changes page that carried them; zeros (nothing
  // offline, no gestures) before one did.
  [[nodiscard]] Result<protocol::CounterLimits> counter_limits();

  // The notes to show for a member (docs/offers.md, "Notes and the usual order at every
  // counter"): the server's copy of their latest notes (taken at any terminal of the chain)
  // and the notes written at this terminal (local_notes, of the member or, for one enrolled
  // here and not yet synced, of the card), each once (a note back from the server is the
  // same event id), newest first, at most `limit`. A note written here has an empty store_id.
  [[nodiscard]] Result<std::vector<domain::MemberNote>> notes_to_show(
      std::optional<std::int64_t> member_id, const std::string& card_token, std::size_t limit);

 private:
  storage::Database& db_;
  [[nodiscard]] Result<void> store_member(const domain::Member& member);
  [[nodiscard]] Result<void> remove_member(std::int64_t member_id);

  std::optional<storage::Statement> find_;   // prepared on first scan, then reused
  std::optional<storage::Statement> notes_;  // likewise
};

}  // namespace rapport::terminal
