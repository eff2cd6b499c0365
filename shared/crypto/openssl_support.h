// shared/crypto/openssl_support.h
//
// Internal to shared/crypto: the error reporting and memory-BIO plumbing every OpenSSL
// caller here shares (certificates.cpp, ed25519.cpp). Includes OpenSSL, so only .cpp files
// of this folder include it.

#pragma once

#include <openssl/bio.h>

#include <string>
#include <string_view>

#include "shared/crypto/crypto_errc.h"
#include "shared/crypto/openssl_handles.h"
#include "shared/util/result.h"

namespace rapport::crypto::ossl {

// Logs and empties the OpenSSL error queue; the caller returns the kOpenSsl it yields.
[[nodiscard]] ErrorCode openssl_failure(std::string_view operation);

// A failure caused by the caller's input: reported by code alone, the queue is discarded.
[[nodiscard]] ErrorCode input_failure(CryptoErrc code);

// Never prompts on a terminal: an encrypted PEM key simply fails to parse.
int refuse_password(char* buffer, int size, int writing, void* user);

// A read-only memory BIO over `text` (which must outlive it); kBadPem when over INT_MAX.
[[nodiscard]] Result<BioPtr> input_bio(std::string_view text);

// Moves everything written to a memory BIO into a string.
[[nodiscard]] Result<std::string> drain(BIO* bio);

}  // namespace rapport::crypto::ossl
