// tests/fuzz/rewards_rules_fuzz.cpp
//
// Any rewards.toml: loading either gives rules that keep their promises (tiers ascending from
// 0, every value tier treated, unique reward ids) or throws ConfigError, never anything else.

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "server/rewards/rewards_config.h"
#include "shared/config/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::rewards;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto rules = parse_rewards_rules(text, "fuzz-rewards.toml");
    const auto& tiers = rules.reward_tiers.tiers;
    if (tiers.empty() || tiers.front().threshold != 0) std::abort();
    for (std::size_t i = 1; i < tiers.size(); ++i) {
      if (tiers[i].threshold <= tiers[i - 1].threshold) std::abort();
    }
    std::set<std::string> ids;
    for (const auto& item : rules.catalogue) {
      if (!ids.insert(item.id).second) std::abort();
    }
  } catch (const rapport::config::ConfigError&) {
  }
  return 0;
}
