// shared/card/member_token.cpp
//
// The version 1 layout (docs/cards.md, "Token format"), big-endian throughout:
//   0 version | 1 key id | 2 UID length L | 3..9 card number | 10..13 member id |
//   14..15 issue date (days since 1970-01-01) | 16..16+L-1 UID | 64-byte Ed25519 signature
#include "shared/card/member_token.h"

#include <algorithm>

#include "shared/util/base32.h"

namespace rapport::card {
namespace {

constexpr std::size_t kNumberOffset = 3;
constexpr std::size_t kNumberBytes = 7;  // 10^16 - 1 < 2^56
constexpr std::size_t kMemberIdOffset = 10;
constexpr std::size_t kDateOffset = 14;
constexpr std::uint64_t kNumberLimit = 10'000'000'000'000'000ULL;  // 10^16

bool is_valid_uid_length(std::size_t length) {
  return length == 0 || length == 4 || length == 7 || length == 10;
}

std::uint64_t read_big_endian(std::span<const std::uint8_t> bytes) {
  std::uint64_t value = 0;
  for (const std::uint8_t b : bytes) value = (value << 8) | b;
  return value;
}

void append_big_endian(std::vector<std::uint8_t>& out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = bytes; i-- > 0;) {
    out.push_back(static_cast<std::uint8_t>((value >> (8 * i)) & 0xff));
  }
}

bool is_valid_card_digits(std::string_view digits) {
  return digits.size() == kCardNumberDigits &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         luhn_check_digit(digits.substr(0, kCardNumberDigits - 1)) == digits.back();
}

}  // namespace

Result<std::size_t> member_token_size(std::span<const std::uint8_t> first) {
  if (first.size() < 3) return TokenErrc::kMalformed;
  if (first[0] != kMemberTokenVersion) {
    return first[0] == 0 ? TokenErrc::kMalformed : TokenErrc::kUnknownVersion;
  }
  if (!is_valid_uid_length(first[2])) return TokenErrc::kMalformed;
  return kMemberTokenHeaderBytes + first[2] + crypto::kEd25519SignatureBytes;
}

Result<DecodedMemberToken> decode_member_token(std::span<const std::uint8_t> bytes) {
  auto size = member_token_size(bytes);
  if (!size) return size.error();
  if (bytes.size() != *size) return TokenErrc::kMalformed;

  DecodedMemberToken token;
  token.version = bytes[0];
  token.key_id = bytes[1];
  const std::size_t uid_length = bytes[2];
  const std::uint64_t number = read_big_endian(bytes.subspan(kNumberOffset, kNumberBytes));
  if (number >= kNumberLimit) return TokenErrc::kMalformed;
  std::string digits = std::to_string(number);
  digits.insert(0, kCardNumberDigits - digits.size(), '0');
  if (!is_valid_card_digits(digits)) return TokenErrc::kBadCheckDigit;
  token.claims.card_digits = std::move(digits);
  token.claims.member_id =
      static_cast<std::uint32_t>(read_big_endian(bytes.subspan(kMemberIdOffset, 4)));
  if (token.claims.member_id == 0) return TokenErrc::kMalformed;
  token.claims.issued = std::chrono::sys_days(
      std::chrono::days(static_cast<int>(read_big_endian(bytes.subspan(kDateOffset, 2)))));
  const auto uid = bytes.subspan(kMemberTokenHeaderBytes, uid_length);
  token.claims.uid.assign(uid.begin(), uid.end());
  const std::size_t signed_length = kMemberTokenHeaderBytes + uid_length;
  token.signed_bytes = bytes.first(signed_length);
  token.signature = bytes.subspan(signed_length);
  return token;
}

std::string member_token_text(std::span<const std::uint8_t> bytes) {
  return std::string(kMemberTokenTextPrefix) + to_base32(bytes);
}

bool is_member_token_text(std::string_view text) {
  if (text.size() < kMemberTokenTextPrefix.size()) return false;
  for (std::size_t i = 0; i < kMemberTokenTextPrefix.size(); ++i) {
    const char c = text[i];
    const char upper = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (upper != kMemberTokenTextPrefix[i]) return false;
  }
  return true;
}

Result<std::vector<std::uint8_t>> member_token_from_text(std::string_view text) {
  if (!is_member_token_text(text)) return TokenErrc::kMalformed;
  text.remove_prefix(kMemberTokenTextPrefix.size());
  // A longer text could not hold a token; refusing it early bounds the work on junk.
  if (text.empty() || text.size() > (kMemberTokenMaxBytes * 8 + 4) / 5) {
    return TokenErrc::kMalformed;
  }
  auto bytes = from_base32(text);
  if (!bytes) return TokenErrc::kMalformed;
  return std::move(*bytes);
}

Result<std::vector<std::uint8_t>> sign_member_token(const MemberTokenClaims& claims,
                                                    std::uint8_t key_id,
                                                    const crypto::Ed25519PrivateKey& key) {
  if (!is_valid_card_digits(claims.card_digits)) return TokenErrc::kBadCheckDigit;
  const auto days = claims.issued.time_since_epoch().count();
  if (key_id == 0 || claims.member_id == 0 || !is_valid_uid_length(claims.uid.size()) || days < 0 ||
      days > 0xffff) {
    return TokenErrc::kBadClaims;
  }
  std::vector<std::uint8_t> token;
  token.reserve(kMemberTokenMaxBytes);
  token.push_back(kMemberTokenVersion);
  token.push_back(key_id);
  token.push_back(static_cast<std::uint8_t>(claims.uid.size()));
  append_big_endian(token, std::stoull(claims.card_digits), kNumberBytes);
  append_big_endian(token, claims.member_id, 4);
  append_big_endian(token, static_cast<std::uint64_t>(days), 2);
  token.insert(token.end(), claims.uid.begin(), claims.uid.end());
  const auto signature = key.sign(token);
  token.insert(token.end(), signature.begin(), signature.end());
  return token;
}

}  // namespace rapport::card
