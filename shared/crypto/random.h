// shared/crypto/random.h
//
// Cryptographically strong random bytes (OpenSSL's DRBG): for keys, event ids and card
// account numbers that must not be guessable.

#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rapport::crypto {

// Throws std::runtime_error if the system cannot provide randomness (a broken invariant).
[[nodiscard]] std::vector<std::uint8_t> random_bytes(std::size_t count);

// Uniform in [0, bound). Requires: bound > 0.
[[nodiscard]] std::uint64_t random_below(std::uint64_t bound);

}  // namespace rapport::crypto
