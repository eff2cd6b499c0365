// terminal/rewards_prompt.h
//
// Rewards typed at the counter's prompt, for the member whose card was scanned last
// (docs/offers.md, "At the counter's prompt"): a thin text front over RewardsDesk, so a
// person can try what the cashier's screen and the POS API will call.
//
//   offers                          the member's offers again (recorded shown)
//   redeem OFFER_ID                 redeem one of them
//   redeem-points N [REWARD]        redeem N points
//   decline OFFER_ID                the customer said no
//   gesture N CASHIER REASON...     goodwill points from a cashier
//
// Threading: the counter's thread.

#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "terminal/redemption.h"

namespace rapport::terminal {

class RewardsPrompt {
 public:
  // Requires: `desk` outlives this.
  explicit RewardsPrompt(RewardsDesk& desk) : desk_(desk) {}

  // After a member's card was greeted: remembers the card and presents the member's offers
  // (recorded shown). The line to print, or nullopt when there are none.
  std::optional<std::string> scanned(const std::string& card_token,
                                     std::chrono::system_clock::time_point now);
  // Forgets the member (another card, or not a member's).
  void forget() { card_token_.reset(); }

  // The answer to a typed rewards command, or nullopt when `line` is not one (a card number).
  std::optional<std::string> command(std::string_view line,
                                     std::chrono::system_clock::time_point now);

 private:
  RewardsDesk& desk_;
  std::optional<std::string> card_token_;
};

}  // namespace rapport::terminal
