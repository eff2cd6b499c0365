// server/storage/tier_checkpoint.cpp
#include "server/storage/tier_checkpoint.h"

#include <iterator>

namespace rapport::server {

void TierCheckpoint::set(std::int64_t member_id, std::uint8_t code) {
  if (member_id < 0) return;
  const auto at = static_cast<std::size_t>(member_id / 2);
  if (at >= packed_.size()) packed_.resize(at + 1, 0);  // the vector's growth is geometric
  auto& byte = packed_[at];
  byte = member_id % 2 == 0 ? static_cast<std::uint8_t>((byte & 0xf0) | code)
                            : static_cast<std::uint8_t>((byte & 0x0f) | (code << 4));
}

std::uint8_t tier_code(std::string_view tier) {
  for (std::size_t i = 0; i < std::size(kTierNames); ++i) {
    if (kTierNames[i] == tier) return static_cast<std::uint8_t>(i + 1);
  }
  return 0;
}

}  // namespace rapport::server
