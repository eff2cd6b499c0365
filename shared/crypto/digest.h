// shared/crypto/digest.h
//
// Plain SHA-256 and a comparison that takes the same time wherever two digests differ: for
// secrets kept only as their hash (enrollment codes, docs/protocol.md "Enrollment").

#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "shared/crypto/hmac.h"

namespace rapport::crypto {

[[nodiscard]] Sha256Digest sha256(std::span<const std::uint8_t> data);

// SHA-256 over data fed in pieces (a table's rows, docs/deployment.md "Moving from SQLite to
// PostgreSQL"), without holding it all. update() any number of times, then finish() once.
class Sha256Stream {
 public:
  Sha256Stream();
  Sha256Stream(Sha256Stream&&) noexcept;
  Sha256Stream& operator=(Sha256Stream&&) noexcept;
  ~Sha256Stream();

  void update(std::string_view data);
  // Requires: not finished yet.
  [[nodiscard]] Sha256Digest finish();

 private:
  struct Context;  // the EVP_MD_CTX; defined in digest.cpp
  std::unique_ptr<Context> context_;
};

// True when `a` and `b` hold the same bytes; the time taken depends only on their sizes.
[[nodiscard]] bool constant_time_equal(std::span<const std::uint8_t> a,
                                       std::span<const std::uint8_t> b);

}  // namespace rapport::crypto
