// shared/crypto/hmac.cpp
#include "shared/crypto/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace rapport::crypto {

Sha256Digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  const auto* result = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                            digest.data(), &length);
  if (result == nullptr || length != digest.size()) {
    throw std::runtime_error("HMAC-SHA256 failed");  // only on a broken OpenSSL install
  }
  return digest;
}

}  // namespace rapport::crypto
