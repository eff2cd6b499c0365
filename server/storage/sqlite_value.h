// server/storage/sqlite_value.h
//
// The value engine's reads and writes on the server's SQLite file: one input row per member,
// and a refresh saved whole (fit, snapshots, tier history, the members terminals must pull
// again). Internal to the SQLite backend. docs/value-engine.md.
//
// Thread-safety: as the Database (one thread).

#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/storage/store.h"
#include "server/value/value_model.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

[[nodiscard]] Result<std::vector<value::MemberValueInput>> read_value_inputs(storage::Database& db);
[[nodiscard]] Result<std::vector<value::MemberValueInput>> read_value_inputs_of(
    storage::Database& db, std::span<const std::int64_t> members);

// One transaction. Returns how many members changed tier or segment.
[[nodiscard]] Result<std::size_t> save_value_refresh(storage::Database& db,
                                                     const value::ValueRefresh& refresh,
                                                     const std::string& computed_at,
                                                     const std::string& as_of,
                                                     const ValueSaveMark& mark);

// Store's methods of the same names (server/storage/store.h).
[[nodiscard]] Result<std::int64_t> last_event_sequence(storage::Database& db);
[[nodiscard]] Result<std::optional<LastValueRefresh>> read_last_value_refresh(storage::Database& db);
[[nodiscard]] Result<std::vector<std::int64_t>> members_changed_since(storage::Database& db,
                                                                      std::int64_t events_seq,
                                                                      std::size_t limit);
[[nodiscard]] Result<std::vector<std::pair<std::int64_t, std::int64_t>>> referee_lifetime_values(
    storage::Database& db, std::span<const std::int64_t> referrers);

[[nodiscard]] Result<std::vector<ForecastCheck>> check_forecasts(storage::Database& db,
                                                                double horizon_weeks,
                                                                std::chrono::sys_days today);

[[nodiscard]] Result<std::optional<value::ValueSnapshot>> read_value_snapshot(
    storage::Database& db, std::int64_t member_id);

}  // namespace rapport::server::sqlite
