// server/value_refresh.cpp
#include "server/value_refresh.h"

#include <ctime>

#include "shared/util/clock.h"

namespace rapport::server {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Process CPU time (every thread), for the per-stage split.
double cpu_now() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }


void summarize(const std::vector<value::MemberValueInput>& inputs,
               const value::ValueRefresh& refresh, RefreshReport& report) {
  report.members = inputs.size();
  for (const auto& m : inputs) report.buyers += m.purchase_days > 0 ? 1 : 0;
  for (const auto& s : refresh.snapshots) {
    ++report.tiers[static_cast<std::size_t>(s.tier) - 1];
    report.at_risk += s.at_risk ? 1 : 0;
  }
  report.fit = refresh.fit;
}

}  // namespace

Result<RefreshReport> refresh_values(Store& store, const value::ValueConfig& config,
                                     std::chrono::sys_days as_of, const RefreshStage& stage) {
  RefreshReport report;
  if (stage) stage("reading members");
  auto start = Clock::now();
  auto cpu = cpu_now();
  // Read before the inputs: an event arriving meanwhile is valued again next time.
  RAPPORT_TRY(const std::int64_t events_seq, store.last_event_sequence());
  RAPPORT_TRY(const auto inputs, store.value_inputs());
  report.read_seconds = seconds_since(start);
  report.read_cpu_seconds = cpu_now() - cpu;

  if (stage) stage("fitting and valuing");
  start = Clock::now();
  cpu = cpu_now();
  RAPPORT_TRY(const auto refresh, value::compute_values(inputs, as_of, config));
  report.compute_seconds = seconds_since(start);
  report.compute_cpu_seconds = cpu_now() - cpu;

  if (stage) stage("saving snapshots");
  start = Clock::now();
  cpu = cpu_now();
  RAPPORT_TRY(report.migrated,
              store.save_value_refresh(refresh, to_iso8601_day(as_of), {true, events_seq, {}}));
  report.save_seconds = seconds_since(start);
  report.save_cpu_seconds = cpu_now() - cpu;
  summarize(inputs, refresh, report);
  return report;
}

Result<RefreshReport> refresh_changed_values(Store& store, const value::ValueConfig& config,
                                             std::chrono::sys_days as_of,
                                             std::size_t max_members, const RefreshStage& stage) {
  if (stage) stage("finding changed members");
  auto start = Clock::now();
  auto cpu = cpu_now();
  RAPPORT_TRY(const auto last, store.last_value_refresh());
  if (!last || !last->fit || !last->scales || !last->fit_id) {
    return refresh_values(store, config, as_of, stage);
  }
  RAPPORT_TRY(const std::int64_t events_seq, store.last_event_sequence());
  RAPPORT_TRY(const auto changed, store.members_changed_since(last->events_seq, max_members + 1));
  if (changed.size() > max_members) return refresh_values(store, config, as_of, stage);
  RefreshReport report;
  report.kind = RefreshKind::kIncremental;
  report.fit = last->fit;
  if (changed.empty()) {
    report.kind = RefreshKind::kNothing;
    report.read_seconds = seconds_since(start);
    return report;
  }
  RAPPORT_TRY(const auto inputs, store.value_inputs_of(changed));
  RAPPORT_TRY(const auto referees, store.referee_lifetime_values(changed));
  report.read_seconds = seconds_since(start);
  report.read_cpu_seconds = cpu_now() - cpu;

  if (stage) stage("valuing changed members");
  start = Clock::now();
  cpu = cpu_now();
  const auto refresh = value::value_some(inputs, as_of, config, *last->fit, *last->scales, referees);
  report.compute_seconds = seconds_since(start);
  report.compute_cpu_seconds = cpu_now() - cpu;

  if (stage) stage("saving snapshots");
  start = Clock::now();
  cpu = cpu_now();
  RAPPORT_TRY(report.migrated, store.save_value_refresh(refresh, to_iso8601_day(as_of),
                                                        {false, events_seq, last->fit_id}));
  report.save_seconds = seconds_since(start);
  report.save_cpu_seconds = cpu_now() - cpu;
  summarize(inputs, refresh, report);
  return report;
}

}  // namespace rapport::server
