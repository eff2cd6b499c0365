// server/storage/pg_members.h
//
// Members with their cards and notes out of PostgreSQL, and the member bookkeeping that
// both PgStore and the event recorder do (attaching a card's history, marking changed).
// Internal to the PostgreSQL backend; the SQLite twin is sqlite_members.h.
//
// Thread-safety: as the Connection (one thread).

#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/storage/pg_connection.h"
#include "shared/domain/member.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// The columns every member query selects, in this order (member_from_row reads them). An
// erased member shows as "erased on YYYY-MM-DD" (docs/members-rights.md).
inline constexpr std::string_view kMemberColumns =
    "m.id, CASE WHEN m.erased_at IS NULL THEN m.name ELSE 'erased on ' || "
    "substr(m.erased_at, 1, 10) END, m.home_store, m.birth_date, m.visit_count, m.last_visit, "
    "m.changed_seq, m.value_tier, m.at_risk, m.rhythm_days, m.usual_order, m.phone, "
    "(SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_id = m.id), "
    "(SELECT tier FROM member_reward_tiers WHERE member_id = m.id)";
inline constexpr int kMemberColumnCount = 14;

// A member from row `row` of `rows`, whose first columns are kMemberColumns (no cards),
// with their points balance and reward tier (as sqlite_members.h).
[[nodiscard]] domain::Member member_from_row(const Rows& rows, std::size_t row);

// Fills in every member's cards (in the order issued) in one query, and with `notes` their
// latest notes (newest first, at most protocol::kMaxNotesPerMember) and their recent
// purchases (the last protocol::kRecentPurchaseDays days, newest first, at most
// protocol::kMaxPurchasesPerMember, with what is left to refund) in one more each.
[[nodiscard]] Result<void> load_cards_and_notes(Connection& db,
                                                std::vector<domain::Member>& members, bool notes);

// Attributes events, notes and purchases recorded against `token` while no member held it
// to `member_id`, and recounts that member's visits and purchase totals. Requires: inside a
// transaction.
[[nodiscard]] Result<void> attach_card_history(Connection& db, const std::string& token,
                                               std::int64_t member_id);

// Recounts the member's visits, last visit and where they were seen from their events (as
// sqlite::recount_visits).
[[nodiscard]] Result<void> recount_visits(Connection& db, std::int64_t member_id);
// Locks the members' rows (FOR NO KEY UPDATE) in id order and returns the ids that exist,
// sorted, once each. Every writer that reads a member's purchases or points to change them
// locks them this way first: two transactions locking overlapping sets in the same order
// cannot deadlock on them, and NO KEY UPDATE (not FOR UPDATE) does not wait for the KEY SHARE
// locks another transaction took by inserting rows that refer to the member (its events,
// its ledger entries), which would deadlock two instances storing events of one member.
[[nodiscard]] Result<std::vector<std::int64_t>> lock_members(Connection& db,
                                                             std::vector<std::int64_t> ids);

// Moves the members to the end of the change order terminals pull by.
[[nodiscard]] Result<void> mark_changed(Connection& db, std::span<const std::int64_t> members);

// A bigint[] parameter.
[[nodiscard]] std::string id_array(std::span<const std::int64_t> ids);

}  // namespace rapport::server::pg
