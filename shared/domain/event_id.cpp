// shared/domain/event_id.cpp
#include "shared/domain/event_id.h"

#include <chrono>
#include <cstdint>
#include <mutex>

#include "shared/crypto/random.h"
#include "shared/util/hex.h"

namespace rapport::domain {

namespace {

// The last id's time and 12-bit counter (RFC 9562, UUIDv7 "method 1"): ids made by one
// process are in the order they were made, even within a millisecond, so that "the latest"
// of two notes or events taken in the same millisecond is the one made last.
struct Sequence {
  std::mutex mutex;
  std::uint64_t ms = 0;
  std::uint16_t counter = 0;  // 12 bits
};

Sequence& sequence() {
  static Sequence s;
  return s;
}

}  // namespace

std::string new_event_id() {
  auto bytes = crypto::random_bytes(16);
  auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  std::uint16_t counter = 0;
  {
    auto& seq = sequence();
    const std::lock_guard lock(seq.mutex);
    if (ms <= seq.ms) {
      // Same millisecond, or the clock went back: count on from the last id; past 4095 ids
      // in one millisecond, borrow the next one.
      ms = seq.ms;
      counter = static_cast<std::uint16_t>(seq.counter + 1);
      if (counter > 0x0fff) {
        ++ms;
        counter = 0;
      }
    } else {
      // A new millisecond starts at a random count in the lower half, leaving room to count.
      counter = static_cast<std::uint16_t>(((bytes[6] << 8) | bytes[7]) & 0x07ff);
    }
    seq.ms = ms;
    seq.counter = counter;
  }
  for (int i = 0; i < 6; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  }
  bytes[6] = static_cast<std::uint8_t>(0x70 | (counter >> 8));  // version 7, counter's top 4 bits
  bytes[7] = static_cast<std::uint8_t>(counter & 0xff);
  bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3f));  // RFC 4122 variant
  const std::string hex = to_hex(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

bool is_valid_event_id(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace rapport::domain
