// server/seed_chain.h
//
// Writes a synthetic chain (server/value/synthetic_chain.h) into the server's SQLite file as
// the events its terminals would have sent: an enrollment per member, then a visit and a
// purchase per purchase day, at the member's home store. Two paths to the same tables:
// through Store::record_events (any data folder), or the bulk loader
// (server/storage/sqlite_bulk_load.h: a fresh one, benchmark-sized chains in minutes).
// Used by `rapportctl seed`, the benchmarks and the tests. docs/value-engine.md, "Seeding".

#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

#include "server/analytics/progress.h"
#include "server/value/synthetic_chain.h"
#include "shared/card/card_key.h"
#include "shared/util/result.h"

namespace rapport::server {

enum class SeedPath { kEvents, kBulk };

struct SeedTarget {
  std::filesystem::path database;  // the server's rapport.db
  card::CardKey key;               // the chain's card key, for the cards' tokens
  std::string issuer_prefix;       // the chain's 6-digit card prefix
};

struct SeedResult {
  std::size_t members = 0;
  std::size_t purchases = 0;
  std::size_t churned = 0;  // the generator's truth: members who left before the end
};

// Stores S1..S<spec.stores> are added when missing, in regions North, South, East, West
// in turn (S1 North, S5 North again). The chain ends at `end` (the day after
// its last purchase day). kBulk requires a file without members (kConstraint). Progress:
// "seeding members", per member.
[[nodiscard]] Result<SeedResult> seed_chain(const SeedTarget& target, const value::ChainSpec& spec,
                                            std::chrono::sys_days end, SeedPath path,
                                            const analytics::ProgressCallback& progress = {});

// The token of the card the seed gives member `index` (0-based, in enrollment order).
[[nodiscard]] std::string seeded_card_token(const SeedTarget& target, std::size_t index);

}  // namespace rapport::server
