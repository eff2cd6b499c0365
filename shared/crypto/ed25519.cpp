// shared/crypto/ed25519.cpp
//
// Ed25519 on the OpenSSL 3 EVP API: EVP_DigestSign/EVP_DigestVerify with no digest (Ed25519
// hashes internally), raw keys through EVP_PKEY_new_raw_*, PEM through the PEM_*_bio calls.
#include "shared/crypto/ed25519.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "shared/crypto/crypto_errc.h"
#include "shared/crypto/openssl_handles.h"
#include "shared/crypto/openssl_support.h"

namespace rapport::crypto {

struct Ed25519PublicKey::Key {
  ossl::KeyPtr pkey;
};
struct Ed25519PrivateKey::Key {
  ossl::KeyPtr pkey;
};

namespace {

using RawPublicKey = std::array<std::uint8_t, kEd25519PublicKeyBytes>;

Result<RawPublicKey> raw_public_key(EVP_PKEY* pkey) {
  RawPublicKey raw{};
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &length) != 1 || length != raw.size()) {
    return ossl::openssl_failure("EVP_PKEY_get_raw_public_key");
  }
  return raw;
}

std::string write_pem(EVP_PKEY* pkey, bool private_key) {
  // A secure-memory BIO wipes a private key's PEM text when it is freed.
  ossl::BioPtr bio(BIO_new(private_key ? BIO_s_secmem() : BIO_s_mem()));
  const int written = !bio          ? 0
                      : private_key ? PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0,
                                                               nullptr, nullptr)
                                    : PEM_write_bio_PUBKEY(bio.get(), pkey);
  auto text = written == 1 ? ossl::drain(bio.get()) : Result<std::string>(CryptoErrc::kOpenSsl);
  if (!text) {
    (void)ossl::openssl_failure("writing an Ed25519 key as PEM");
    throw std::runtime_error("cannot write an Ed25519 key as PEM (broken OpenSSL?)");
  }
  return std::move(*text);
}

}  // namespace

Result<Ed25519PublicKey> Ed25519PublicKey::from_pem(std::string_view pem) {
  auto bio = ossl::input_bio(pem);
  if (!bio) return bio.error();
  ossl::KeyPtr pkey(PEM_read_bio_PUBKEY(bio->get(), nullptr, ossl::refuse_password, nullptr));
  if (!pkey) return ossl::input_failure(CryptoErrc::kBadPem);
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return ossl::input_failure(CryptoErrc::kBadKey);
  }
  auto raw = raw_public_key(pkey.get());
  if (!raw) return raw.error();
  return Ed25519PublicKey(std::make_shared<const Key>(Key{std::move(pkey)}), *raw);
}

Result<Ed25519PublicKey> Ed25519PublicKey::from_raw(std::span<const std::uint8_t> raw) {
  if (raw.size() != kEd25519PublicKeyBytes) return CryptoErrc::kBadKey;
  ossl::KeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
  if (!pkey) return ossl::input_failure(CryptoErrc::kBadKey);
  RawPublicKey copy{};
  std::copy(raw.begin(), raw.end(), copy.begin());
  return Ed25519PublicKey(std::make_shared<const Key>(Key{std::move(pkey)}), copy);
}

std::string Ed25519PublicKey::to_pem() const { return write_pem(key_->pkey.get(), false); }

bool Ed25519PublicKey::verify(std::span<const std::uint8_t> message,
                              std::span<const std::uint8_t> signature) const {
  if (signature.size() != kEd25519SignatureBytes) return false;
  ossl::MdContextPtr context(EVP_MD_CTX_new());
  if (!context ||
      EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1) {
    (void)ossl::openssl_failure("EVP_DigestVerifyInit");
    return false;
  }
  const bool valid = EVP_DigestVerify(context.get(), signature.data(), signature.size(),
                                      message.data(), message.size()) == 1;
  // A bad signature leaves an entry on the error queue; it is an answer, not a failure.
  if (!valid) (void)ossl::input_failure(CryptoErrc::kBadInput);
  return valid;
}

namespace {

Result<Ed25519PublicKey> public_half(EVP_PKEY* pkey) {
  auto raw = raw_public_key(pkey);
  if (!raw) return raw.error();
  return Ed25519PublicKey::from_raw(*raw);
}

}  // namespace

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  ossl::KeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) {
    (void)ossl::openssl_failure("EVP_PKEY_Q_keygen(ED25519)");
    throw std::runtime_error("cannot generate an Ed25519 key (broken OpenSSL?)");
  }
  auto public_key = public_half(pkey.get());
  if (!public_key) throw std::runtime_error("cannot derive an Ed25519 public key");
  return Ed25519PrivateKey(std::make_shared<const Key>(Key{std::move(pkey)}),
                           std::move(*public_key));
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::from_pem(std::string_view pem) {
  auto bio = ossl::input_bio(pem);
  if (!bio) return bio.error();
  ossl::KeyPtr pkey(PEM_read_bio_PrivateKey(bio->get(), nullptr, ossl::refuse_password, nullptr));
  if (!pkey) return ossl::input_failure(CryptoErrc::kBadPem);
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return ossl::input_failure(CryptoErrc::kBadKey);
  }
  auto public_key = public_half(pkey.get());
  if (!public_key) return public_key.error();
  return Ed25519PrivateKey(std::make_shared<const Key>(Key{std::move(pkey)}),
                           std::move(*public_key));
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::from_seed(std::span<const std::uint8_t> seed) {
  if (seed.size() != kEd25519SeedBytes) return CryptoErrc::kBadKey;
  ossl::KeyPtr pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!pkey) return ossl::openssl_failure("EVP_PKEY_new_raw_private_key");
  auto public_key = public_half(pkey.get());
  if (!public_key) return public_key.error();
  return Ed25519PrivateKey(std::make_shared<const Key>(Key{std::move(pkey)}),
                           std::move(*public_key));
}

std::string Ed25519PrivateKey::to_pem() const { return write_pem(key_->pkey.get(), true); }

Ed25519Signature Ed25519PrivateKey::sign(std::span<const std::uint8_t> message) const {
  Ed25519Signature signature{};
  std::size_t length = signature.size();
  ossl::MdContextPtr context(EVP_MD_CTX_new());
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(context.get(), signature.data(), &length, message.data(), message.size()) !=
          1 ||
      length != signature.size()) {
    (void)ossl::openssl_failure("Ed25519 signing");
    throw std::runtime_error("cannot sign with Ed25519 (broken OpenSSL?)");
  }
  return signature;
}

}  // namespace rapport::crypto
