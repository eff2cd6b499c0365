// server/storage/tier_checkpoint.h
//
// Every member's value tier at the end of one day, 4 bits per member id (docs/schema.md,
// tier_checkpoints on both backends): tier migrations between any two days is two such rows
// read and one pass over an array, whatever the number of members who changed tier in
// between. Each backend keeps them its own way (sqlite_tier_checkpoints.h,
// pg_tier_checkpoints.h); this is the value both read and write.
//
// Thread-safety: a value; no shared state.

#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace rapport::server {

// 0 none (no tier yet), else 1 MVC, 2 MGC, 3 LMC, 4 BZ (kTierNames[code - 1]); the low half
// of byte k is member 2k's.
class TierCheckpoint {
 public:
  TierCheckpoint() = default;
  explicit TierCheckpoint(std::vector<std::uint8_t> packed) : packed_(std::move(packed)) {}

  [[nodiscard]] std::uint8_t tier_of(std::int64_t member_id) const {
    const auto at = static_cast<std::size_t>(member_id / 2);
    if (member_id < 0 || at >= packed_.size()) return 0;
    return member_id % 2 == 0 ? packed_[at] & 0x0f : packed_[at] >> 4;
  }
  void set(std::int64_t member_id, std::uint8_t code);
  // One past the highest member id it can hold a tier for.
  [[nodiscard]] std::int64_t end_id() const { return static_cast<std::int64_t>(packed_.size()) * 2; }
  [[nodiscard]] const std::vector<std::uint8_t>& packed() const { return packed_; }

 private:
  std::vector<std::uint8_t> packed_;
};

inline constexpr std::string_view kTierNames[] = {"MVC", "MGC", "LMC", "BZ"};

// 1-4 for a tier's name (kTierNames); 0 for any other text.
[[nodiscard]] std::uint8_t tier_code(std::string_view tier);

}  // namespace rapport::server
