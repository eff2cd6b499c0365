// server/value_refresh.cpp
#include "server/value_refresh.h"

#include "shared/util/clock.h"

namespace rapport::server {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Result<RefreshReport> refresh_values(Store& store, const value::ValueConfig& config,
                                     std::chrono::sys_days as_of, const RefreshStage& stage) {
  RefreshReport report;
  if (stage) stage("reading members");
  auto start = Clock::now();
  RAPPORT_TRY(const auto inputs, store.value_inputs());
  report.read_seconds = seconds_since(start);

  if (stage) stage("fitting and valuing");
  start = Clock::now();
  RAPPORT_TRY(const auto refresh, value::compute_values(inputs, as_of, config));
  report.compute_seconds = seconds_since(start);

  if (stage) stage("saving snapshots");
  start = Clock::now();
  const std::string day = to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(as_of))
                              .substr(0, 10);
  RAPPORT_TRY(report.migrated, store.save_value_refresh(refresh, day));
  report.save_seconds = seconds_since(start);

  report.members = inputs.size();
  for (const auto& m : inputs) report.buyers += m.purchase_days > 0 ? 1 : 0;
  for (const auto& s : refresh.snapshots) {
    ++report.tiers[static_cast<std::size_t>(s.tier) - 1];
    report.at_risk += s.at_risk ? 1 : 0;
  }
  report.fit = refresh.fit;
  return report;
}

}  // namespace rapport::server
