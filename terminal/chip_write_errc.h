// terminal/chip_write_errc.h
//
// Why writing a member's token to a blank contactless card at the counter failed, beyond the
// reader's own errors (drivers::CcidErrc, ReaderErrc) and the token checks (card::TokenErrc).
// Each says what went wrong; terminal/chip_enrollment.cpp adds what the cashier does next.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::terminal {

enum class ChipWriteErrc {
  kOffline = 1,    // the server did not answer: a token can only be signed there
  kUnknownCard,    // the server knows no member with this card (404)
  kCardBlocked,    // the card is blocked on the server (409)
  kServerRefused,  // any other refusal (400, 403, 5xx); the log has the server's words
  kNotBlank,       // the chip holds another card's token: not overwritten
  kNoReader,       // the tap came from a reader that cannot write cards
};

[[nodiscard]] const boost::system::error_category& chip_write_category() noexcept;

inline ErrorCode make_error_code(ChipWriteErrc e) noexcept {
  return {static_cast<int>(e), chip_write_category()};
}

}  // namespace rapport::terminal

template <>
struct boost::system::is_error_code_enum<rapport::terminal::ChipWriteErrc> : std::true_type {};
