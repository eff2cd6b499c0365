// shared/protocol/enrollment_errc.h
//
// Why an enrollment code or an enrollment message was refused (docs/protocol.md,
// "Enrollment"). The code is typed or pasted by a person, so its errors say what to check.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::protocol {

enum class EnrollmentErrc {
  kNotACode = 1,  // wrong prefix, a character outside the alphabet, or the wrong length
  kCodeTypo,      // the code's check characters do not match: a typo while copying it
  kBadMessage,    // an enrollment request or answer that is not the JSON docs/protocol.md shows
};

[[nodiscard]] const boost::system::error_category& enrollment_category() noexcept;

inline ErrorCode make_error_code(EnrollmentErrc e) noexcept {
  return {static_cast<int>(e), enrollment_category()};
}

}  // namespace rapport::protocol

template <>
struct boost::system::is_error_code_enum<rapport::protocol::EnrollmentErrc> : std::true_type {};
