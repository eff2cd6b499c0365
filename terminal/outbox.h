// terminal/outbox.h
//
// The terminal's durable queue of events not yet acknowledged by the server. The counter
// appends (and reports success only after the append is on disk); the sync worker sends the
// oldest first and deletes exactly the ids the server acknowledged. An event leaves the
// outbox only through acknowledge(), or through reject() into rejected_events when the server
// refuses it on its own, so a crash at any point loses nothing; the server's unique event ids
// make a resend harmless.
//
// Thread-safety: as the Database it was given (one thread). The counter and the sync worker
// each have their own Outbox over their own connection to the same file.

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shared/domain/event.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::terminal {

struct PendingVisits {
  std::int64_t count = 0;
  std::optional<std::string> latest;  // occurred_at of the newest
};

// The server's answer to an event it refused on its own (docs/protocol.md, "Refused events").
struct Rejection {
  unsigned http_status = 0;  // 400 or 413
  std::string reason;        // the server's answer body
  std::string rejected_at;   // ISO 8601 UTC, the terminal's clock
};

class Outbox {
 public:
  // Requires: `db` outlives this outbox.
  explicit Outbox(storage::Database& db) : db_(db) {}

  // Durable when it returns success (synchronous=FULL), or, inside a caller's transaction,
  // when that commits. Appending an id twice is a no-op.
  [[nodiscard]] Result<void> append(const domain::Event& event);

  // Up to `limit` events, oldest first.
  [[nodiscard]] Result<std::vector<domain::Event>> oldest(std::size_t limit);

  // Deletes the events with these ids (unknown ids are ignored), in one transaction, and
  // adds the acknowledged visits to the cached members' counts and their redemptions and
  // gestures to the cached balances (see MemberCache).
  [[nodiscard]] Result<void> acknowledge(std::span<const std::string> ids);

  // Moves the event `id` from the outbox to rejected_events, whole and with `why`, in one
  // transaction: it will never be accepted as it is and must not hold back the events after
  // it. The member cache is left alone (the server did not count the visit). An id not in
  // the outbox is ignored.
  [[nodiscard]] Result<void> reject(const std::string& id, const Rejection& why);

  // Events in rejected_events (a warning at start-up when not zero).
  [[nodiscard]] Result<std::int64_t> rejected_count();

  // Visits of `member_id` waiting here: the server's counts do not include them yet.
  [[nodiscard]] Result<PendingVisits> pending_visits(std::int64_t member_id);

  // The points of `member_id`'s redemptions (negative) and goodwill gestures (positive)
  // waiting here: the server's balance and the cached one do not include them yet.
  [[nodiscard]] Result<std::int64_t> pending_points(std::int64_t member_id);

  [[nodiscard]] Result<std::int64_t> size();

 private:
  storage::Database& db_;
  // The counter's statements, prepared on first use and kept (one per scan otherwise).
  std::optional<storage::Statement> append_;
  std::optional<storage::Statement> pending_;
};

}  // namespace rapport::terminal
