// shared/card/card_key.h
//
// The chain's card key and the tokens it makes. A card token is HMAC-SHA256(card key, the
// 16 card digits) in hex: databases on the server and the terminals store tokens, never raw
// numbers, so a stolen database does not list working card numbers. The key is created once
// by `rapportctl init`, reaches each terminal with its certificate, and is kept mode 0600.

#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "shared/card/card_number.h"
#include "shared/util/result.h"

namespace rapport::card {

class CardKey {
 public:
  static constexpr std::size_t kBytes = 32;

  [[nodiscard]] static CardKey generate();
  // Reads a key file (64 hex digits). kBadKey when it is missing, malformed, or readable by
  // group or others (the error is logged with the fix: chmod 600).
  [[nodiscard]] static Result<CardKey> load(const std::filesystem::path& file);
  [[nodiscard]] static Result<CardKey> from_hex(std::string_view hex);

  // Writes the key readable by its owner only. Throws std::runtime_error on I/O failure.
  void save(const std::filesystem::path& file) const;

  // 64 hex characters; the same number and key always give the same token.
  [[nodiscard]] std::string token_for(const CardNumber& number) const;

  // A member's phone as terminals hold it (shared/card/phone_number.h): HMAC-SHA256 under this
  // key of "phone:" + `normalised` (normalise_phone()'s "+<digits>"), 64 hex characters. The
  // prefix keeps it apart from every card token (16 digits alone).
  [[nodiscard]] std::string phone_digest(std::string_view normalised) const;

 private:
  explicit CardKey(const std::array<std::uint8_t, kBytes>& bytes) : bytes_(bytes) {}
  std::array<std::uint8_t, kBytes> bytes_;
};

}  // namespace rapport::card
