// shared/crypto/crypto_errc.cpp
#include "shared/crypto/crypto_errc.h"

#include "shared/util/error_category.h"

namespace rapport::crypto {
namespace {

const char* describe(int value) {
  switch (static_cast<CryptoErrc>(value)) {
    case CryptoErrc::kOpenSsl:
      return "an OpenSSL operation failed";
    case CryptoErrc::kBadPem:
      return "not a valid PEM key or certificate";
    case CryptoErrc::kBadKey:
      return "key of the wrong type or size";
    case CryptoErrc::kBadInput:
      return "invalid request";
  }
  return "unknown crypto error";
}

}  // namespace

const boost::system::error_category& crypto_category() noexcept {
  static const NamedErrorCategory category("rapport.crypto", &describe);
  return category;
}

}  // namespace rapport::crypto
