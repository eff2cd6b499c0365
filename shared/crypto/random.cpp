// shared/crypto/random.cpp
#include "shared/crypto/random.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace rapport::crypto {

std::vector<std::uint8_t> random_bytes(std::size_t count) {
  std::vector<std::uint8_t> bytes(count);
  if (count > 0 && RAND_bytes(bytes.data(), static_cast<int>(count)) != 1) {
    throw std::runtime_error("the system random number generator failed");
  }
  return bytes;
}

std::uint64_t random_below(std::uint64_t bound) {
  // Rejection sampling: drop the top partial range so every value is equally likely.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  for (;;) {
    const auto bytes = random_bytes(sizeof(std::uint64_t));
    std::uint64_t value = 0;
    for (const std::uint8_t b : bytes) value = (value << 8) | b;
    if (value < limit) return value % bound;
  }
}

}  // namespace rapport::crypto
