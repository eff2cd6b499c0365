// shared/crypto/digest.h
//
// Plain SHA-256 and a comparison that takes the same time wherever two digests differ: for
// secrets kept only as their hash (enrollment codes, docs/protocol.md "Enrollment").

#pragma once

#include <cstdint>
#include <span>

#include "shared/crypto/hmac.h"

namespace rapport::crypto {

[[nodiscard]] Sha256Digest sha256(std::span<const std::uint8_t> data);

// True when `a` and `b` hold the same bytes; the time taken depends only on their sizes.
[[nodiscard]] bool constant_time_equal(std::span<const std::uint8_t> a,
                                       std::span<const std::uint8_t> b);

}  // namespace rapport::crypto
