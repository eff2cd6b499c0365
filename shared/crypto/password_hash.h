// shared/crypto/password_hash.h
//
// Staff passwords kept as a slow, salted scrypt hash (OpenSSL 3's EVP_KDF "SCRYPT"). The
// stored text carries its parameters, so the cost can be raised later: a hash made with
// weaker parameters still verifies, and needs_rehash() says to store a new one.
//
// Stored form (docs/dashboard.md): scrypt$ln=17,r=8,p=1$<salt, 32 hex>$<hash, 64 hex>
// where ln is log2 of scrypt's N.
//
// Thread-safety: free functions, no shared state. Each hash takes ~128 MiB for ~0.3 s at
// the default cost: call it where a slow request is acceptable (login, rapportctl).

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/util/result.h"

namespace rapport::crypto {

struct ScryptParams {
  int log2_n = 17;  // N = 2^17: OWASP's recommended minimum (2023)
  int r = 8;
  int p = 1;
};

// The cost new hashes get.
inline constexpr ScryptParams kDefaultScrypt{};

// A new random salt and the stored form. kOpenSsl when OpenSSL refuses (e.g. out of memory);
// kBadInput for parameters outside ln 10..22, r 1..32, p 1..16.
[[nodiscard]] Result<std::string> hash_password(std::string_view password,
                                                const ScryptParams& params = kDefaultScrypt);

// True when `password` matches `stored` (compared in constant time). kBadInput when `stored`
// is not a hash this module wrote (a damaged row), never true for it.
[[nodiscard]] Result<bool> verify_password(std::string_view password, std::string_view stored);

// True when `stored` was made with a lower cost than `wanted` (or cannot be read).
[[nodiscard]] bool needs_rehash(std::string_view stored,
                                const ScryptParams& wanted = kDefaultScrypt);

}  // namespace rapport::crypto
