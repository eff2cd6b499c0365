// server/card_token_keys.cpp
#include "server/card_token_keys.h"

#include <algorithm>
#include <stdexcept>

#include "shared/util/clock.h"
#include "shared/util/files.h"

namespace rapport::server {
namespace {

namespace fs = std::filesystem;

std::string read_or_throw(const fs::path& file) {
  auto text = read_file(file);
  if (!text) throw std::runtime_error("cannot read " + file.string());
  return std::move(*text);
}

constexpr std::string_view kCreatedLabel = "# created ";

}  // namespace

CardTokenKeys::CardTokenKeys(const fs::path& data) : folder_(data / "token-keys") {}

std::vector<TokenKeyInfo> CardTokenKeys::list() const {
  std::vector<TokenKeyInfo> keys;
  if (!fs::is_directory(folder_)) return keys;
  const auto active = active_id();
  for (const auto& entry : fs::directory_iterator(folder_)) {
    if (entry.path().extension() != ".pub") continue;
    const auto id = card::parse_token_key_id(entry.path().stem().string());
    if (!id) continue;
    TokenKeyInfo info;
    info.id = *id;
    info.status = !fs::exists(folder_ / (std::to_string(*id) + ".key")) ? TokenKeyStatus::kRetired
                  : active == id                                        ? TokenKeyStatus::kActive
                                                                        : TokenKeyStatus::kValid;
    const std::string text = read_or_throw(entry.path());
    if (text.starts_with(kCreatedLabel)) {
      info.created = text.substr(kCreatedLabel.size(), text.find('\n') - kCreatedLabel.size());
    }
    keys.push_back(std::move(info));
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return keys;
}

std::optional<std::uint8_t> CardTokenKeys::create() {
  const auto keys = list();
  const unsigned next = keys.empty() ? 1U : keys.back().id + 1U;
  if (next > 255) return std::nullopt;
  const auto id = static_cast<std::uint8_t>(next);
  fs::create_directories(folder_);
  fs::permissions(folder_, fs::perms::owner_all);

  const auto key = crypto::Ed25519PrivateKey::generate();
  const std::string name = std::to_string(next);
  // The private key first: a .pub without its .key would read as a retired key.
  write_file_atomically(folder_ / (name + ".key"), key.to_pem(), /*owner_only=*/true);
  write_file_atomically(folder_ / (name + ".pub"),
                        std::string(kCreatedLabel) + now_iso8601() + "\nKey-Id: " + name + "\n" +
                            key.public_key().to_pem(),
                        /*owner_only=*/false);
  write_file_atomically(folder_ / "active", name + "\n", /*owner_only=*/false);
  return id;
}

RetireOutcome CardTokenKeys::retire(std::uint8_t id) {
  const auto keys = list();
  const auto it =
      std::find_if(keys.begin(), keys.end(), [id](const auto& k) { return k.id == id; });
  if (it == keys.end()) return RetireOutcome::kNoSuchKey;
  if (it->status == TokenKeyStatus::kRetired) return RetireOutcome::kAlreadyRetired;
  if (it->status == TokenKeyStatus::kActive) return RetireOutcome::kActiveKey;
  fs::remove(folder_ / (std::to_string(id) + ".key"));
  return RetireOutcome::kRetired;
}

card::TokenKeyring CardTokenKeys::public_keyring() const {
  // The public keys come from the private keys themselves; N.pub must agree, so a swapped
  // .pub file is noticed here rather than trusted by terminals later.
  card::TokenKeyring keyring;
  for (const auto& info : list()) {
    if (info.status == TokenKeyStatus::kRetired) continue;
    const std::string name = std::to_string(info.id);
    auto key = crypto::Ed25519PrivateKey::from_pem(read_or_throw(folder_ / (name + ".key")));
    if (!key) throw std::runtime_error("token key " + name + ".key is not an Ed25519 key");
    card::TokenKeyring expected;
    (void)expected.add(info.id, key->public_key());
    const auto published = card::TokenKeyring::parse(read_or_throw(folder_ / (name + ".pub")));
    if (!published || published->to_text() != expected.to_text()) {
      throw std::runtime_error((folder_ / (name + ".pub")).string() + " does not match " + name +
                               ".key (restore both from a backup)");
    }
    (void)keyring.add(info.id, key->public_key());
  }
  return keyring;
}

std::string CardTokenKeys::public_keyring_text() const {
  return "# Rapport member-token public keys (docs/cards.md), written by rapportctl.\n"
         "# Terminals verify signed cards with these; they cannot sign.\n" +
         public_keyring().to_text();
}

std::optional<std::uint8_t> CardTokenKeys::active_id() const {
  const auto text = read_file(folder_ / "active");
  return text ? card::parse_token_key_id(*text) : std::nullopt;
}

std::optional<SigningKey> CardTokenKeys::active_key() const {
  const auto id = active_id();
  if (!id) return std::nullopt;
  const auto file = folder_ / (std::to_string(*id) + ".key");
  if (!fs::exists(file)) return std::nullopt;
  if (readable_by_others(file)) {
    throw std::runtime_error(file.string() + " is readable by others; run `chmod 600 " +
                             file.string() + "`");
  }
  auto key = crypto::Ed25519PrivateKey::from_pem(read_or_throw(file));
  if (!key) throw std::runtime_error(file.string() + " is not an Ed25519 private key");
  return SigningKey{*id, std::move(*key)};
}

}  // namespace rapport::server
