// shared/crypto/crypto_errc.h
//
// Failures of the crypto helpers, registered with boost::system so they travel in Result<T>.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::crypto {

enum class CryptoErrc {
  kOpenSsl = 1,  // an OpenSSL call failed; details are in the log
  kBadPem,       // text that should be a PEM key or certificate is not one
  kBadKey,       // a key of the wrong type or size (e.g. a card key that is not 32 bytes)
  kBadInput,     // a request that cannot be honoured (no name for a server certificate)
};

[[nodiscard]] const boost::system::error_category& crypto_category() noexcept;

inline ErrorCode make_error_code(CryptoErrc e) noexcept {
  return {static_cast<int>(e), crypto_category()};
}

}  // namespace rapport::crypto

template <>
struct boost::system::is_error_code_enum<rapport::crypto::CryptoErrc> : std::true_type {};
