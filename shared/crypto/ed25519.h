// shared/crypto/ed25519.h
//
// Ed25519 signatures (RFC 8032, OpenSSL 3 EVP) for signed member tokens (docs/cards.md):
// 64-byte signatures, 32-byte public keys, fast verification. Keys travel as PEM text
// (PKCS#8 private keys, SubjectPublicKeyInfo public keys) so callers never see OpenSSL.
//
// Thread-safety: both key types are immutable after creation; one key may sign or verify
// from several threads at once (each call uses its own OpenSSL context).

#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "shared/util/result.h"

namespace rapport::crypto {

inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
inline constexpr std::size_t kEd25519SeedBytes = 32;
inline constexpr std::size_t kEd25519SignatureBytes = 64;

using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureBytes>;

class Ed25519PublicKey {
 public:
  // Errors: kBadPem when `pem` holds no public key, kBadKey when it is not an Ed25519 key.
  [[nodiscard]] static Result<Ed25519PublicKey> from_pem(std::string_view pem);
  // kBadKey unless `raw` is 32 bytes.
  [[nodiscard]] static Result<Ed25519PublicKey> from_raw(std::span<const std::uint8_t> raw);

  [[nodiscard]] std::string to_pem() const;  // "-----BEGIN PUBLIC KEY-----..."
  [[nodiscard]] const std::array<std::uint8_t, kEd25519PublicKeyBytes>& raw() const { return raw_; }

  // True only for a valid signature of exactly `message` by this key's private key.
  [[nodiscard]] bool verify(std::span<const std::uint8_t> message,
                            std::span<const std::uint8_t> signature) const;

  friend bool operator==(const Ed25519PublicKey& a, const Ed25519PublicKey& b) {
    return a.raw_ == b.raw_;
  }

 private:
  struct Key;  // the OpenSSL EVP_PKEY, kept parsed for fast verification; ed25519.cpp
  Ed25519PublicKey(std::shared_ptr<const Key> key,
                   const std::array<std::uint8_t, kEd25519PublicKeyBytes>& raw)
      : key_(std::move(key)), raw_(raw) {}
  friend class Ed25519PrivateKey;

  std::shared_ptr<const Key> key_;
  std::array<std::uint8_t, kEd25519PublicKeyBytes> raw_;
};

class Ed25519PrivateKey {
 public:
  // A new key from OpenSSL's DRBG. Throws std::runtime_error only on a broken OpenSSL.
  [[nodiscard]] static Ed25519PrivateKey generate();
  // Errors: kBadPem when `pem` holds no (unencrypted) private key, kBadKey when not Ed25519.
  [[nodiscard]] static Result<Ed25519PrivateKey> from_pem(std::string_view pem);
  // The key RFC 8032 derives from a 32-byte seed: for fixed test vectors and fuzz corpora.
  [[nodiscard]] static Result<Ed25519PrivateKey> from_seed(std::span<const std::uint8_t> seed);

  // PKCS#8, unencrypted: store it readable by its owner only.
  [[nodiscard]] std::string to_pem() const;
  [[nodiscard]] const Ed25519PublicKey& public_key() const { return public_key_; }

  // Ed25519 is deterministic: the same key and message give the same signature.
  // Throws std::runtime_error only on a broken OpenSSL.
  [[nodiscard]] Ed25519Signature sign(std::span<const std::uint8_t> message) const;

 private:
  struct Key;  // defined in ed25519.cpp
  Ed25519PrivateKey(std::shared_ptr<const Key> key, Ed25519PublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}

  std::shared_ptr<const Key> key_;
  Ed25519PublicKey public_key_;
};

}  // namespace rapport::crypto
