// server/storage/pg_value.h
//
// The value engine's reads and writes on PostgreSQL (PostgreSQL migration 4), the twin of
// sqlite_value.h with the same answers: one input row per member read in one statement, a
// refresh saved whole in one transaction, set-based (the snapshots go in by one COPY into a
// temporary table; history, snapshots, members and forecasts follow from it in a statement
// each). Internal to the PostgreSQL backend. docs/value-engine.md, docs/schema.md.
//
// Thread-safety: as the Connection (one thread).

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "server/storage/pg_connection.h"
#include "server/storage/store.h"
#include "server/value/value_model.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// Store's methods of the same names (server/storage/store.h).
[[nodiscard]] Result<std::vector<value::MemberValueInput>> read_value_inputs(Connection& db);
[[nodiscard]] Result<std::vector<value::MemberValueInput>> read_value_inputs_of(
    Connection& db, std::span<const std::int64_t> members);

// The newest event sequence below which no event can still arrive: several instances draw
// events.seq when they insert, not when they commit, so max(seq) alone could pass a batch
// another instance has yet to commit (its members would never be valued again). Every event
// batch holds kEventOrderLock shared (pg_event_recorder.cpp); this takes it exclusively for
// an instant, so the batches in flight have ended and later ones draw larger numbers.
[[nodiscard]] Result<std::int64_t> settled_event_sequence(Connection& db);
// pg_advisory_xact_lock key of the event order (see above).
inline constexpr std::int64_t kEventOrderLock = 0x7261'7070'6f72'7402;
// pg_advisory_xact_lock key held by a value refresh's save for its transaction.
inline constexpr std::int64_t kValueSaveLock = 0x7261'7070'6f72'7403;

[[nodiscard]] Result<std::optional<LastValueRefresh>> read_last_value_refresh(Connection& db);
[[nodiscard]] Result<std::vector<std::int64_t>> members_changed_since(Connection& db,
                                                                      std::int64_t events_seq,
                                                                      std::size_t limit);
[[nodiscard]] Result<std::vector<std::pair<std::int64_t, std::int64_t>>> referee_lifetime_values(
    Connection& db, std::span<const std::int64_t> referrers);

// One transaction. Returns how many members changed tier or segment.
[[nodiscard]] Result<std::size_t> save_value_refresh(Connection& db,
                                                     const value::ValueRefresh& refresh,
                                                     const std::string& computed_at,
                                                     const std::string& as_of,
                                                     const ValueSaveMark& mark);

[[nodiscard]] Result<std::vector<ForecastCheck>> check_forecasts(Connection& db,
                                                                 double horizon_weeks,
                                                                 std::chrono::sys_days today);

[[nodiscard]] Result<std::optional<value::ValueSnapshot>> read_value_snapshot(
    Connection& db, std::int64_t member_id);

}  // namespace rapport::server::pg
