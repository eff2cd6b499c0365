// terminal/redemption_errc.cpp
#include "terminal/redemption_errc.h"

#include "shared/util/error_category.h"

namespace rapport::terminal {
namespace {

const char* describe(int value) {
  switch (static_cast<RedemptionErrc>(value)) {
    case RedemptionErrc::kUnknownCard:
      return "not a member's card this terminal knows - scan the member's card first";
    case RedemptionErrc::kBlockedCard:
      return "the card is blocked - ask for the member's current card";
    case RedemptionErrc::kNoSuchOffer:
      return "not one of the member's current offers - choose one of the offers shown";
    case RedemptionErrc::kNotEnoughPoints:
      return "not enough points for this - redeem fewer points";
    case RedemptionErrc::kOfflineLimit:
      return "the server cannot be reached and this is beyond what may be redeemed offline "
             "for this member today - redeem fewer points or try again when online";
    case RedemptionErrc::kGestureLimit:
      return "beyond this cashier's goodwill limit for today - ask a manager";
    case RedemptionErrc::kBadRequest:
      return "give a number of points above 0, a reason and the cashier's name";
    case RedemptionErrc::kNotRecorded:
      return "NOT recorded: the terminal could not write it - the terminal needs attention";
  }
  return "unknown redemption error";
}

}  // namespace

const boost::system::error_category& redemption_category() noexcept {
  static const NamedErrorCategory category("rapport.redemption", &describe);
  return category;
}

}  // namespace rapport::terminal
