// server/rewards/rewards_config.h
//
// Loads config/rewards.toml (docs/rewards.md) into RewardsRules, checking every key: a
// missing or misspelt key, a wrong type, a value out of range, an unknown offer kind, tiers
// out of order, a duplicate reward id, a reward lacking its kind's fields. Misconfiguration
// is a start-up failure: throws config::ConfigError naming the file, the key and the line.

#pragma once

#include <filesystem>
#include <string_view>

#include "server/rewards/rewards_rules.h"

namespace rapport::rewards {

[[nodiscard]] RewardsRules load_rewards_rules(const std::filesystem::path& file);
// The same for text (tests, generated rules), reported as the file `origin`.
[[nodiscard]] RewardsRules parse_rewards_rules(std::string_view text,
                                               const std::filesystem::path& origin);

}  // namespace rapport::rewards
