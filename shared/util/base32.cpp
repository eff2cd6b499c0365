// shared/util/base32.cpp
#include "shared/util/base32.h"

namespace rapport {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string to_base32(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<std::vector<std::uint8_t>> from_base32(std::string_view text) {
  // Each 8 characters carry 5 bytes; a partial group of 1, 3 or 6 characters cannot come
  // from whole bytes.
  const std::size_t rest = text.size() % 8;
  if (rest == 1 || rest == 3 || rest == 6) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = base32_value(c);
    if (value < 0) return std::nullopt;
    buffer = ((buffer << 5) | static_cast<std::uint32_t>(value)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xff));
    }
  }
  if ((buffer & ((1U << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace rapport
