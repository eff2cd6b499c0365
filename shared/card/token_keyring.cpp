// shared/card/token_keyring.cpp
#include "shared/card/token_keyring.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "shared/util/files.h"

namespace rapport::card {
namespace {

constexpr std::string_view kKeyIdLabel = "Key-Id:";
constexpr std::string_view kBegin = "-----BEGIN PUBLIC KEY-----";
constexpr std::string_view kEnd = "-----END PUBLIC KEY-----";

std::string_view trim(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

ErrorCode keyring_error(std::size_t line, std::string_view problem) {
  spdlog::error("token keys, line {}: {}", line, problem);
  return TokenErrc::kBadKeyring;
}

}  // namespace

std::optional<std::uint8_t> parse_token_key_id(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value == 0 || value > 255) return std::nullopt;
  return static_cast<std::uint8_t>(value);
}

Result<TokenKeyring> TokenKeyring::parse(std::string_view text) {
  TokenKeyring keyring;
  std::optional<std::uint8_t> pending_id;
  std::string block;  // the PEM block being collected, empty outside one
  bool in_block = false;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view raw = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    const std::string_view line = trim(raw);
    if (in_block) {
      block.append(line).push_back('\n');
      if (line != kEnd) continue;
      in_block = false;
      auto key = crypto::Ed25519PublicKey::from_pem(block);
      if (!key) return keyring_error(line_number, "the key above is not an Ed25519 public key");
      if (!keyring.add(*pending_id, std::move(*key))) {
        return keyring_error(line_number, "key id " + std::to_string(*pending_id) + " twice");
      }
      pending_id.reset();
      block.clear();
    } else if (line.empty() || line.front() == '#') {
      continue;
    } else if (line.starts_with(kKeyIdLabel)) {
      pending_id = parse_token_key_id(trim(line.substr(kKeyIdLabel.size())));
      if (!pending_id) return keyring_error(line_number, "a key id is a number from 1 to 255");
    } else if (line == kBegin) {
      if (!pending_id) return keyring_error(line_number, "a key without a Key-Id line before it");
      in_block = true;
      block.append(line).push_back('\n');
    } else {
      return keyring_error(line_number, "expected 'Key-Id: N', a PEM public key or a # comment");
    }
  }
  if (in_block) return keyring_error(line_number, "the last key has no END line");
  if (pending_id) return keyring_error(line_number, "a Key-Id line without a key after it");
  return keyring;
}

Result<TokenKeyring> TokenKeyring::load(const std::filesystem::path& file) {
  const auto content = read_file(file);
  if (!content) {
    spdlog::error(
        "token keys {} cannot be read; issue the terminal bundle again with "
        "`rapportctl terminal issue`",
        file.string());
    return TokenErrc::kBadKeyring;
  }
  auto keyring = parse(*content);
  if (!keyring) spdlog::error("token keys {} are malformed (see above)", file.string());
  return keyring;
}

Result<void> TokenKeyring::add(std::uint8_t id, crypto::Ed25519PublicKey key) {
  if (id == 0) return TokenErrc::kBadKeyring;
  if (!keys_.emplace(id, std::move(key)).second) return TokenErrc::kBadKeyring;
  return {};
}

std::string TokenKeyring::to_text() const {
  std::string text;
  for (const auto& [id, key] : keys_) {
    text += std::string(kKeyIdLabel) + " " + std::to_string(id) + "\n" + key.to_pem();
  }
  return text;
}

std::vector<std::uint8_t> TokenKeyring::key_ids() const {
  std::vector<std::uint8_t> ids;
  for (const auto& entry : keys_) ids.push_back(entry.first);
  return ids;
}

Result<VerifiedMemberToken> TokenKeyring::verify(std::span<const std::uint8_t> token,
                                                 std::optional<std::span<const std::uint8_t>> uid,
                                                 std::string_view issuer_prefix) const {
  auto decoded = decode_member_token(token);
  if (!decoded) return decoded.error();
  const auto key = keys_.find(decoded->key_id);
  if (key == keys_.end()) return TokenErrc::kUnknownKey;
  if (!key->second.verify(decoded->signed_bytes, decoded->signature)) {
    return TokenErrc::kBadSignature;
  }
  const auto& claims = decoded->claims;
  const bool bound = !claims.uid.empty();
  if (bound &&
      (!uid || !std::equal(uid->begin(), uid->end(), claims.uid.begin(), claims.uid.end()))) {
    return TokenErrc::kUidMismatch;
  }
  auto number = CardNumber::parse(claims.card_digits, issuer_prefix);
  if (!number) {
    return number.error() == CardErrc::kOtherIssuer ? TokenErrc::kOtherIssuer
                                                    : TokenErrc::kBadCheckDigit;
  }
  return VerifiedMemberToken{std::move(*number), claims.member_id, decoded->key_id, claims.issued,
                             bound};
}

}  // namespace rapport::card
