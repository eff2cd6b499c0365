// shared/crypto/openssl_support.cpp
#include "shared/crypto/openssl_support.h"

#include <openssl/err.h>
#include <spdlog/spdlog.h>

#include <array>
#include <climits>

namespace rapport::crypto::ossl {

ErrorCode openssl_failure(std::string_view operation) {
  std::string details;
  for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    details += details.empty() ? "" : "; ";
    details += text.data();
  }
  spdlog::error("crypto: {} failed: {}", operation,
                details.empty() ? "(no OpenSSL error)" : details);
  ERR_clear_error();
  return CryptoErrc::kOpenSsl;
}

ErrorCode input_failure(CryptoErrc code) {
  ERR_clear_error();
  return code;
}

int refuse_password(char* /*buffer*/, int /*size*/, int /*writing*/, void* /*user*/) { return -1; }

Result<BioPtr> input_bio(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(INT_MAX)) return input_failure(CryptoErrc::kBadPem);
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return openssl_failure("BIO_new_mem_buf");
  return bio;
}

Result<std::string> drain(BIO* bio) {
  std::string text(BIO_ctrl_pending(bio), '\0');
  if (text.size() > static_cast<std::size_t>(INT_MAX)) return openssl_failure("BIO_ctrl_pending");
  const int size = static_cast<int>(text.size());
  if (size > 0 && BIO_read(bio, text.data(), size) != size) return openssl_failure("BIO_read");
  return text;
}

}  // namespace rapport::crypto::ossl
