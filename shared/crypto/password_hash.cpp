// shared/crypto/password_hash.cpp
#include "shared/crypto/password_hash.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include "shared/crypto/digest.h"
#include "shared/crypto/openssl_support.h"
#include "shared/crypto/random.h"
#include "shared/util/hex.h"

namespace rapport::crypto {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::string_view kScheme = "scrypt";

bool valid(const ScryptParams& p) {
  return p.log2_n >= 10 && p.log2_n <= 22 && p.r >= 1 && p.r <= 32 && p.p >= 1 && p.p <= 16;
}

struct Parsed {
  ScryptParams params;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

std::optional<int> parse_field(std::string_view text, std::string_view key) {
  if (text.substr(0, key.size()) != key || text.size() <= key.size()) return std::nullopt;
  int value = 0;
  const auto* first = text.data() + key.size();
  const auto* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || end != last) return std::nullopt;
  return value;
}

// Splits "a$b$c$d" into exactly four parts.
std::optional<std::array<std::string_view, 4>> split4(std::string_view text) {
  std::array<std::string_view, 4> parts;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto dollar = text.find('$');
    if (dollar == std::string_view::npos) return std::nullopt;
    parts[i] = text.substr(0, dollar);
    text.remove_prefix(dollar + 1);
  }
  if (text.find('$') != std::string_view::npos) return std::nullopt;
  parts[3] = text;
  return parts;
}

std::optional<Parsed> parse(std::string_view stored) {
  const auto parts = split4(stored);
  if (!parts || (*parts)[0] != kScheme) return std::nullopt;
  // "ln=17,r=8,p=1"
  std::string_view fields = (*parts)[1];
  std::array<std::string_view, 3> f;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto comma = fields.find(',');
    f[i] = fields.substr(0, comma);
    if (i < 2 && comma == std::string_view::npos) return std::nullopt;
    fields = comma == std::string_view::npos ? std::string_view{} : fields.substr(comma + 1);
  }
  if (!fields.empty()) return std::nullopt;
  const auto ln = parse_field(f[0], "ln=");
  const auto r = parse_field(f[1], "r=");
  const auto p = parse_field(f[2], "p=");
  if (!ln || !r || !p) return std::nullopt;
  Parsed parsed{{*ln, *r, *p}, {}, {}};
  if (!valid(parsed.params)) return std::nullopt;
  auto salt = from_hex((*parts)[2]);
  auto hash = from_hex((*parts)[3]);
  if (!salt || !hash || salt->size() != kSaltBytes || hash->size() != kHashBytes) {
    return std::nullopt;
  }
  parsed.salt = std::move(*salt);
  parsed.hash = std::move(*hash);
  return parsed;
}

Result<std::vector<std::uint8_t>> derive(std::string_view password,
                                         const std::vector<std::uint8_t>& salt,
                                         const ScryptParams& params) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_SCRYPT, nullptr);
  if (kdf == nullptr) return ossl::openssl_failure("EVP_KDF_fetch(SCRYPT)");
  EVP_KDF_CTX* context = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (context == nullptr) return ossl::openssl_failure("EVP_KDF_CTX_new");
  std::uint64_t n = std::uint64_t{1} << params.log2_n;
  auto r = static_cast<std::uint32_t>(params.r);
  auto p = static_cast<std::uint32_t>(params.p);
  // 128 * N * r * p bytes, with headroom: OpenSSL's default cap (1 GiB) is enough at ln 22.
  std::uint64_t maxmem = 2 * 128 * n * r * p + (std::uint64_t{1} << 20);
  std::string secret(password);  // OSSL_PARAM takes a non-const pointer
  std::vector<std::uint8_t> salt_copy = salt;
  const std::array<OSSL_PARAM, 7> params_list{
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, secret.data(), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_copy.data(), salt_copy.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  std::vector<std::uint8_t> out(kHashBytes);
  const int ok = EVP_KDF_derive(context, out.data(), out.size(), params_list.data());
  EVP_KDF_CTX_free(context);
  OPENSSL_cleanse(secret.data(), secret.size());
  if (ok != 1) return ossl::openssl_failure("EVP_KDF_derive(SCRYPT)");
  return out;
}

}  // namespace

Result<std::string> hash_password(std::string_view password, const ScryptParams& params) {
  if (!valid(params)) return ossl::input_failure(CryptoErrc::kBadInput);
  const auto salt = random_bytes(kSaltBytes);
  RAPPORT_TRY(const auto hash, derive(password, salt, params));
  return std::string(kScheme) + "$ln=" + std::to_string(params.log2_n) +
         ",r=" + std::to_string(params.r) + ",p=" + std::to_string(params.p) + "$" +
         to_hex(salt) + "$" + to_hex(hash);
}

Result<bool> verify_password(std::string_view password, std::string_view stored) {
  const auto parsed = parse(stored);
  if (!parsed) return {boost::system::in_place_error, ossl::input_failure(CryptoErrc::kBadInput)};
  RAPPORT_TRY(const auto hash, derive(password, parsed->salt, parsed->params));
  return constant_time_equal(hash, parsed->hash);
}

bool needs_rehash(std::string_view stored, const ScryptParams& wanted) {
  const auto parsed = parse(stored);
  if (!parsed) return true;
  const auto& have = parsed->params;
  return have.log2_n < wanted.log2_n || have.r < wanted.r || have.p < wanted.p;
}

}  // namespace rapport::crypto
