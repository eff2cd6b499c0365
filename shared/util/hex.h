// shared/util/hex.h
//
// Lower-case hexadecimal text for bytes: how keys, tokens and ids appear in files and JSON.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rapport {

[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
// Nullopt unless `text` is an even number of hex digits (either case).
[[nodiscard]] std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

}  // namespace rapport
