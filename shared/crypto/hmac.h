// shared/crypto/hmac.h
//
// HMAC-SHA256, the keyed hash behind card tokens (docs/architecture.md, "Cards").

#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace rapport::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

[[nodiscard]] Sha256Digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);

}  // namespace rapport::crypto
