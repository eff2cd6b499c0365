// shared/protocol/enrollment_code.h
//
// The one-time enrollment code `rapportctl terminal add` prints and `rapport-terminal enroll`
// reads: the terminal id, a 128-bit secret and the SHA-256 fingerprint of the chain's CA, in
// Crockford base32 behind the prefix "RAP1-" (format: docs/protocol.md, "Enrollment code").
// Pure functions, no I/O; the parser takes any text (fuzzed: tests/fuzz/enrollment_fuzz.cpp).

#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "shared/crypto/hmac.h"
#include "shared/util/result.h"

namespace rapport::protocol {

inline constexpr std::size_t kEnrollmentSecretBytes = 16;
inline constexpr std::size_t kMaxTerminalIdLength = 64;

struct EnrollmentCode {
  std::string terminal_id;  // 1-64 of A-Z a-z 0-9 '-' '_'
  std::array<std::uint8_t, kEnrollmentSecretBytes> secret{};
  crypto::Sha256Digest ca_fingerprint{};  // SHA-256 of the CA certificate's DER form

  bool operator==(const EnrollmentCode&) const = default;
};

// True for an id rapportctl accepts for a terminal (it becomes the certificate's CN).
[[nodiscard]] bool is_valid_terminal_id(std::string_view id);

// "RAP1-" then groups of five characters joined by '-'.
// Requires: is_valid_terminal_id(code.terminal_id).
[[nodiscard]] std::string format_enrollment_code(const EnrollmentCode& code);

// Reads what format_enrollment_code wrote, forgiving what people do when copying: any case,
// spaces or line breaks anywhere, dashes anywhere after the prefix, O for 0 and I or L for 1.
// kNotACode for anything else, kCodeTypo when the check characters do not match.
[[nodiscard]] Result<EnrollmentCode> parse_enrollment_code(std::string_view text);

}  // namespace rapport::protocol
