// server/value_refresh.h
//
// One value refresh of the whole chain through the Store: read every member's purchase
// totals, fit and value (server/value/value_model.h), save the snapshots. Used by the
// server's schedule and by `rapportctl value refresh` (docs/value-engine.md).

#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "server/storage/store.h"
#include "server/value/value_model.h"

namespace rapport::server {

enum class RefreshKind { kNothing, kIncremental, kFull };

struct RefreshReport {
  RefreshKind kind = RefreshKind::kFull;
  std::size_t members = 0;
  std::size_t buyers = 0;    // members with a purchase: what the model was fitted on
  std::size_t migrated = 0;  // members whose tier or segment changed
  std::size_t at_risk = 0;
  std::array<std::size_t, 4> tiers{};  // members per tier: MVC, MGC, LMC, BZ
  std::optional<value::ValueFitInfo> fit;
  double read_seconds = 0;
  double compute_seconds = 0;
  double save_seconds = 0;
  // Process CPU time of each stage (all threads; std::clock), beside the wall times above.
  double read_cpu_seconds = 0;
  double compute_cpu_seconds = 0;
  double save_cpu_seconds = 0;
};

// `stage` is called with "reading members", "fitting and valuing", "saving snapshots".
using RefreshStage = std::function<void(std::string_view stage)>;

// A full refresh: every member, a new fit and new scales.
[[nodiscard]] Result<RefreshReport> refresh_values(Store& store, const value::ValueConfig& config,
                                                   std::chrono::sys_days as_of,
                                                   const RefreshStage& stage = {});

// Only the members whose inputs changed since the last refresh (and those who referred
// them), on the last full refresh's fit and scales; nothing when none changed. A full
// refresh instead when more than `max_members` changed (a large sync) or there is no
// earlier full refresh to build on. docs/value-engine.md, "Incremental refresh".
[[nodiscard]] Result<RefreshReport> refresh_changed_values(Store& store,
                                                           const value::ValueConfig& config,
                                                           std::chrono::sys_days as_of,
                                                           std::size_t max_members,
                                                           const RefreshStage& stage = {});

}  // namespace rapport::server
