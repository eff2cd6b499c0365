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
    "m.changed_seq, m.value_tier, m.at_risk, m.rhythm_days, m.usual_order, m.phone";
inline constexpr int kMemberColumnCount = 12;

// A member from row `row` of `rows`, whose first columns are kMemberColumns (no cards).
// points_balance is 0: the PostgreSQL backend keeps no ledger yet and refuses every write
// that would post to one (docs/schema.md, "PostgreSQL").
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

// Moves the members to the end of the change order terminals pull by.
[[nodiscard]] Result<void> mark_changed(Connection& db, std::span<const std::int64_t> members);

// A bigint[] parameter.
[[nodiscard]] std::string id_array(std::span<const std::int64_t> ids);

}  // namespace rapport::server::pg
