// server/storage/sqlite_members.h
//
// Reading members with their cards out of the server's SQLite file, and marking a member
// changed so terminals pull it again. Internal to the SQLite backend.
//
// Thread-safety: as the Database (one thread).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/domain/member.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

// The name staff see for member `m`: an erased member (docs/members-rights.md) keeps their
// id, the pseudonymous key of their events, and shows as "erased on YYYY-MM-DD", never as a
// blank. Every staff-facing member list selects this, not m.name.
inline constexpr std::string_view kMemberName =
    "CASE WHEN m.erased_at IS NULL THEN m.name ELSE 'erased on ' || substr(m.erased_at, 1, 10) "
    "END";

// The columns every member query selects, in this order, so one reader serves them all.
inline const std::string kMemberColumns =
    "m.id, " + std::string(kMemberName) +
    ", m.home_store, m.birth_date, m.visit_count, m.last_visit, m.changed_seq, "
    "m.value_tier, m.at_risk, m.rhythm_days, "
    "(SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_id = m.id), "
    "(SELECT tier FROM member_reward_tiers WHERE member_id = m.id), m.usual_order, m.phone";
// How many columns kMemberColumns selects: a query's own columns come after them.
inline constexpr int kMemberColumnCount = 14;

// A member from a row whose first columns are kMemberColumns (cards not filled in).
[[nodiscard]] domain::Member member_from_row(const storage::Statement& row);
[[nodiscard]] std::int64_t changed_seq_of_row(const storage::Statement& row);

class MemberCards {
 public:
  // Requires: `db` outlives this.
  explicit MemberCards(storage::Database& db) : db_(db) {}
  // Fills in member.cards, in the order they were issued.
  [[nodiscard]] Result<void> load(domain::Member& member);

 private:
  storage::Database& db_;
  std::optional<storage::Statement> select_;
};

// The member's latest notes as terminals receive them (docs/protocol.md, "GET
// /sync/v1/changes"): newest first by the terminal clock they were taken at.
class MemberNotes {
 public:
  // Requires: `db` outlives this.
  explicit MemberNotes(storage::Database& db) : db_(db) {}
  // Fills in member.notes, at most `limit`.
  [[nodiscard]] Result<void> load(domain::Member& member, std::size_t limit);

 private:
  storage::Database& db_;
  std::optional<storage::Statement> select_;
};

// The member's recent purchases as terminals receive them (docs/protocol.md, "Recent
// purchases"): newest first by the terminal clock they were rung up at, of the last
// protocol::kRecentPurchaseDays days by the server's clock, each with what is left to refund.
class MemberPurchases {
 public:
  // Requires: `db` outlives this.
  explicit MemberPurchases(storage::Database& db) : db_(db) {}
  // Fills in member.recent_purchases, at most protocol::kMaxPurchasesPerMember.
  [[nodiscard]] Result<void> load(domain::Member& member);

 private:
  storage::Database& db_;
  std::optional<storage::Statement> select_;
};

// The next change sequence: every member changed in one transaction gets the same one, so
// it is read once per transaction. Requires: inside a write transaction.
[[nodiscard]] Result<std::int64_t> next_change_sequence(storage::Database& db);

// Attributes events recorded against `token` while no member held it to `member_id`, and
// recounts that member's visits (and where they were seen) from the events.
[[nodiscard]] Result<void> attach_card_history(storage::Database& db, const std::string& token,
                                               std::int64_t member_id);

// Recounts the member's visits, last visit and where they were seen from their events.
[[nodiscard]] Result<void> recount_visits(storage::Database& db, std::int64_t member_id);

// Moves `member_id` to the end of the change order (sequence `sequence`).
[[nodiscard]] Result<void> mark_changed(storage::Database& db, std::int64_t member_id,
                                        std::int64_t sequence);

}  // namespace rapport::server::sqlite
