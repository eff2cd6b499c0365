// shared/protocol/enrollment_code.cpp
//
// Payload bytes: id length (1) | id | secret (16) | CA fingerprint (32) | check (2), where the
// check is the first two bytes of SHA-256 over everything before it. Crockford base32 (no
// I, L, O, U), most significant bit first, the last group padded with zero bits.

#include "shared/protocol/enrollment_code.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "shared/crypto/digest.h"
#include "shared/protocol/enrollment_errc.h"

namespace rapport::protocol {
namespace {

constexpr std::string_view kPrefix = "RAP1-";
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kGroup = 5;
constexpr std::size_t kCheckBytes = 2;
// Longest payload: a 64-character id. Anything much longer is refused before decoding.
constexpr std::size_t kMaxPayload =
    1 + kMaxTerminalIdLength + kEnrollmentSecretBytes + sizeof(crypto::Sha256Digest) + kCheckBytes;
constexpr std::size_t kMaxTextLength = 512;

std::string base32_encode(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const std::uint8_t byte : bytes) {
    buffer = (buffer << 8U) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(buffer >> static_cast<unsigned>(bits)) & 31U];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << static_cast<unsigned>(5 - bits)) & 31U];
  return out;
}

std::optional<unsigned> symbol_value(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (c == 'O') c = '0';
  if (c == 'I' || c == 'L') c = '1';
  const auto at = kAlphabet.find(c);
  if (at == std::string_view::npos) return std::nullopt;
  return static_cast<unsigned>(at);
}

// Nullopt unless every symbol is in the alphabet and the padding bits are zero (so each
// payload has exactly one spelling, up to the forgiven look-alikes).
std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view symbols) {
  std::vector<std::uint8_t> out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : symbols) {
    const auto value = symbol_value(c);
    if (!value) return std::nullopt;
    buffer = ((buffer << 5U) | *value) & 0xFFFU;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  if (bits >= 5 || (buffer & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0) return std::nullopt;
  return out;
}

std::array<std::uint8_t, kCheckBytes> check_of(std::span<const std::uint8_t> payload) {
  const auto digest = crypto::sha256(payload);
  return {digest[0], digest[1]};
}

bool starts_with_prefix(std::string_view text) {
  if (text.size() < kPrefix.size()) return false;
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != kPrefix[i]) return false;
  }
  return true;
}

}  // namespace

bool is_valid_terminal_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxTerminalIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
         });
}

std::string format_enrollment_code(const EnrollmentCode& code) {
  std::vector<std::uint8_t> payload;
  payload.push_back(static_cast<std::uint8_t>(code.terminal_id.size()));
  payload.insert(payload.end(), code.terminal_id.begin(), code.terminal_id.end());
  payload.insert(payload.end(), code.secret.begin(), code.secret.end());
  payload.insert(payload.end(), code.ca_fingerprint.begin(), code.ca_fingerprint.end());
  const auto check = check_of(payload);
  payload.insert(payload.end(), check.begin(), check.end());
  const std::string symbols = base32_encode(payload);
  std::string text(kPrefix);
  for (std::size_t i = 0; i < symbols.size(); i += kGroup) {
    if (i > 0) text += '-';
    text += symbols.substr(i, kGroup);
  }
  return text;
}

Result<EnrollmentCode> parse_enrollment_code(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  if (text.size() > kMaxTextLength || !starts_with_prefix(text)) return EnrollmentErrc::kNotACode;
  std::string symbols;
  for (const char c : text.substr(kPrefix.size())) {
    if (c != '-' && !is_space(c)) symbols += c;
  }
  const auto payload = base32_decode(symbols);
  constexpr std::size_t kMinPayload =
      1 + 1 + kEnrollmentSecretBytes + sizeof(crypto::Sha256Digest) + kCheckBytes;
  if (!payload || payload->size() < kMinPayload || payload->size() > kMaxPayload) {
    return EnrollmentErrc::kNotACode;
  }
  // The check comes first, so that a mistyped length byte is reported as the typo it is.
  const std::span<const std::uint8_t> bytes(*payload);
  const auto check = check_of(bytes.first(bytes.size() - kCheckBytes));
  if (!std::equal(check.begin(), check.end(), bytes.last(kCheckBytes).begin())) {
    return EnrollmentErrc::kCodeTypo;
  }
  const std::size_t id_length = payload->front();
  const std::size_t expected =
      1 + id_length + kEnrollmentSecretBytes + sizeof(crypto::Sha256Digest) + kCheckBytes;
  if (payload->size() != expected) return EnrollmentErrc::kNotACode;
  EnrollmentCode code;
  const auto id = bytes.subspan(1, id_length);
  code.terminal_id.assign(id.begin(), id.end());
  if (!is_valid_terminal_id(code.terminal_id)) return EnrollmentErrc::kNotACode;
  const auto secret = bytes.subspan(1 + id_length, kEnrollmentSecretBytes);
  std::copy(secret.begin(), secret.end(), code.secret.begin());
  const auto fingerprint =
      bytes.subspan(1 + id_length + kEnrollmentSecretBytes, sizeof(crypto::Sha256Digest));
  std::copy(fingerprint.begin(), fingerprint.end(), code.ca_fingerprint.begin());
  return code;
}

}  // namespace rapport::protocol
