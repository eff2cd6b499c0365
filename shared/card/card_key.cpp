// shared/card/card_key.cpp
#include "shared/card/card_key.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "shared/crypto/hmac.h"
#include "shared/crypto/random.h"
#include "shared/util/files.h"
#include "shared/util/hex.h"

namespace rapport::card {

CardKey CardKey::generate() {
  const auto random = crypto::random_bytes(kBytes);
  std::array<std::uint8_t, kBytes> bytes{};
  std::copy(random.begin(), random.end(), bytes.begin());
  return CardKey(bytes);
}

Result<CardKey> CardKey::from_hex(std::string_view hex) {
  const auto decoded = rapport::from_hex(hex);
  if (!decoded || decoded->size() != kBytes) return CardErrc::kBadKey;
  std::array<std::uint8_t, kBytes> bytes{};
  std::copy(decoded->begin(), decoded->end(), bytes.begin());
  return CardKey(bytes);
}

Result<CardKey> CardKey::load(const std::filesystem::path& file) {
  const auto content = read_file(file);
  if (!content) {
    spdlog::error(
        "card key {} cannot be read; issue the terminal bundle again with "
        "`rapportctl terminal issue`",
        file.string());
    return CardErrc::kBadKey;
  }
  if (readable_by_others(file)) {
    spdlog::error("card key {} is readable by others; run `chmod 600 {}`", file.string(),
                  file.string());
    return CardErrc::kBadKey;
  }
  std::string_view text(*content);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  auto key = from_hex(text);
  if (!key) spdlog::error("card key {} is not 64 hex digits", file.string());
  return key;
}

void CardKey::save(const std::filesystem::path& file) const {
  write_file_atomically(file, to_hex(bytes_) + "\n", /*owner_only=*/true);
}

std::string CardKey::token_for(const CardNumber& number) const {
  return to_hex(crypto::hmac_sha256(bytes_, number.digits()));
}

std::string CardKey::phone_digest(std::string_view normalised) const {
  return to_hex(crypto::hmac_sha256(bytes_, "phone:" + std::string(normalised)));
}

}  // namespace rapport::card
