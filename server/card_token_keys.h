// server/card_token_keys.h
//
// The chain's member-token signing keys in a server data folder (docs/cards.md, "Keys and
// rotation"). Only the server holds private keys; terminals get the public keyring.
//
//   DIR/token-keys/          folder 0700
//     N.key                  Ed25519 private key, PKCS#8 PEM, mode 0600; deleted when retired
//     N.pub                  "# created ..." + "Key-Id: N" + public key PEM; kept when retired,
//                            so a key id is never used twice
//     active                 the id new tokens are signed with
//     token-keys.pem         the public keyring (valid keys) for terminals, rewritten by
//                            rapportctl after every change
//
// A key is valid while its N.key exists; valid keys form the public keyring terminals verify
// with, so retiring a key (deleting N.key) makes every card signed with it invalid once the
// terminals have the new keyring.
//
// Thread-safety: none; one admin command (or the enrollment endpoint) at a time. I/O
// failures throw std::runtime_error naming the file, as write_file_atomically does.

#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "shared/card/token_keyring.h"
#include "shared/crypto/ed25519.h"

namespace rapport::server {

enum class TokenKeyStatus {
  kActive = 1,  // valid, and signs new tokens
  kValid,       // still accepted: cards signed with it keep working
  kRetired,     // private key destroyed, no longer in the keyring: its cards are refused
};

struct TokenKeyInfo {
  std::uint8_t id = 0;
  TokenKeyStatus status = TokenKeyStatus::kValid;
  std::string created;  // ISO 8601, from the N.pub comment; empty if absent
};

struct SigningKey {
  std::uint8_t id;
  crypto::Ed25519PrivateKey key;
};

enum class RetireOutcome {
  kRetired = 1,
  kNoSuchKey,
  kAlreadyRetired,
  kActiveKey,  // refused: make a new key first (`card-keys new`), then retire the old one
};

// The public keyring's file name, in token-keys/ and in each terminal's bundle.
inline constexpr const char* kPublicKeyringFile = "token-keys.pem";

class CardTokenKeys {
 public:
  // <data>/token-keys
  explicit CardTokenKeys(const std::filesystem::path& data);

  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }

  // Every key ever made, by id.
  [[nodiscard]] std::vector<TokenKeyInfo> list() const;

  // Makes a new key with the next unused id (1..255) and makes it the active one; the
  // folder is created (0700) if needed. Nullopt when all 255 ids have been used.
  [[nodiscard]] std::optional<std::uint8_t> create();

  [[nodiscard]] RetireOutcome retire(std::uint8_t id);

  // The public keys of the valid keys: what terminals verify with.
  [[nodiscard]] card::TokenKeyring public_keyring() const;
  // public_keyring() as the file terminals load, after a comment saying what it is.
  [[nodiscard]] std::string public_keyring_text() const;

  // The active key, or nullopt when there is none (no key made yet).
  [[nodiscard]] std::optional<SigningKey> active_key() const;

 private:
  [[nodiscard]] std::optional<std::uint8_t> active_id() const;

  std::filesystem::path folder_;
};

}  // namespace rapport::server
