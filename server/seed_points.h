// server/seed_points.h
//
// A points ledger for a seeded chain (`rapportctl seed --points`), so the rewards reports and
// their benchmarks read a real one: every seeded purchase of a member earns points as
// config/rewards.toml's [earning] points_per_unit = 1 would (a point per whole currency unit,
// no multipliers, no bonuses), a redemption of twice a purchase's points on every fifth
// purchase of a member who bought before, and the whole balance of a member with no purchase
// for 365 days expires on the 365th day. Double entry like the rewards engine (the member's
// entry and the chain's), set-based in chunks of purchases (a transaction each), through the
// ledger's triggers, so every summary kept from the ledger stays true. Dated at noon of the
// purchase day. docs/value-engine.md, "Seeding".
//
// Thread-safety: one thread; nothing else may write the file meanwhile.

#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

#include "server/analytics/progress.h"
#include "shared/util/result.h"

namespace rapport::server {

struct SeedPointsResult {
  std::size_t earned = 0;    // earn postings
  std::size_t redeemed = 0;  // redemption postings
  std::size_t expired = 0;   // expiry postings
};

// Requires: the file's ledger holds no seeded postings yet (causes "seed:...": a second run
// posts nothing new). `end`: the chain's end (expiries fall before it). Progress: "posting
// points", per purchase.
[[nodiscard]] Result<SeedPointsResult> seed_points_ledger(
    const std::filesystem::path& database, std::chrono::sys_days end,
    const analytics::ProgressCallback& progress = {});

}  // namespace rapport::server
