// terminal/redemption_errc.h
//
// Why a redemption, a declined offer or a goodwill gesture at the counter was refused
// (terminal/redemption.h). Each message says what the cashier can do next.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::terminal {

enum class RedemptionErrc {
  kUnknownCard = 1,   // the card is not a member's card this terminal knows
  kBlockedCard,       // the card is blocked
  kNoSuchOffer,       // not one of the member's current offers
  kNotEnoughPoints,   // the balance (the server's, or offline the cached one) does not cover it
  kOfflineLimit,      // offline, beyond the chain's limit per member per day
  kGestureLimit,      // beyond the cashier's goodwill limit for the day
  kBadRequest,        // no points, no reason or no cashier given
  kNotRecorded,       // the terminal's store could not write it
};

[[nodiscard]] const boost::system::error_category& redemption_category() noexcept;

inline ErrorCode make_error_code(RedemptionErrc e) noexcept {
  return {static_cast<int>(e), redemption_category()};
}

}  // namespace rapport::terminal

template <>
struct boost::system::is_error_code_enum<rapport::terminal::RedemptionErrc> : std::true_type {};
