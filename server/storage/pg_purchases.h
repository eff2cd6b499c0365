// server/storage/pg_purchases.h
//
// Purchases, refunds and voids on PostgreSQL, as the value engine and the terminals read
// them: one row per purchase, and per member the distinct purchase days, first and last
// purchase day, revenue and margin net of refunds, spend by category and the usual order
// (sqlite_usual_order.h has the rule), kept in the transaction that stores the events. The SQLite twin is sqlite_purchases.h; the same store
// contract tests hold on both (tests/unit/store_contract_test.cpp).
//
// Set-based like the event recorder: a run's purchases go in with one INSERT through unnest,
// their categories with one upsert, and the members' totals are recounted with one UPDATE.
// The members are locked (pg_members.h, in id order) before anything reads their purchases:
// with several server instances on one database, two transactions recounting one member
// would otherwise each miss the other's purchase.
//
// Internal to the PostgreSQL backend. Thread-safety: as the Connection (one thread).
// Requires: inside a transaction.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/storage/pg_connection.h"
#include "shared/domain/event.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// An event of a batch that was new, with the member its card resolved to when stored.
struct StoredEvent {
  const domain::Event* event = nullptr;  // into the caller's batch
  std::optional<std::int64_t> member;
};

// Applies a run's new purchase, refund and void events (others are skipped): first its
// purchases, with any refund or void stored by an earlier batch before its purchase arrived,
// then its refunds and voids in order (one in the same run as its purchase applies once,
// wherever it stands). A refund never takes back more than is left. Returns the members
// whose purchases changed (to mark them changed once).
[[nodiscard]] Result<std::vector<std::int64_t>> apply_purchases(Connection& db,
                                                                std::span<const StoredEvent> run);

// Recounts the members' purchase totals (days, first and last day, revenue, margin) and
// usual orders from their purchases (a merge moved some). Requires: the members locked
// (pg_members.h, lock_members).
[[nodiscard]] Result<void> recount_purchases(Connection& db, std::span<const std::int64_t> members);
// Attributes purchases of `token` recorded while nobody held it to `member_id`, with their
// categories, and recounts the member's totals.
[[nodiscard]] Result<void> attach_card_purchases(Connection& db, const std::string& token,
                                                 std::int64_t member_id);

}  // namespace rapport::server::pg
