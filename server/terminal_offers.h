// server/terminal_offers.h
//
// Each member's current offers as terminals receive them (docs/offers.md, "Offers at the
// counter"): choose_offers on the member's facts and offer history for today, with the
// offers the member is held out of recorded `held_out` (once per member and offer) and never
// sent. The sync handler fills the `offers` of every member it sends (GET /sync/v1/changes
// and GET /sync/v1/cards/TOKEN). `shown` is recorded when a terminal says it presented them
// (an offer_response event), not here. An offer shown in the last 30 days and neither
// accepted nor declined since stays in the list (the contact limit bounds new offers, not
// the one the customer was just told about).
//
// Thread-safety: one thread (the sync listener's), as the OfferStore it is given.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/rewards/rewards_rules.h"
#include "server/storage/offer_store.h"
#include "shared/domain/member.h"
#include "shared/util/result.h"

namespace rapport::server {

class TerminalOffers {
 public:
  // Requires: `store` outlives this; `rules` is not null.
  TerminalOffers(OfferStore& store, std::shared_ptr<const rewards::RewardsRules> rules)
      : store_(store), rules_(std::move(rules)) {}

  // The member's offers for a terminal of `store_id`, best first (empty for an unknown
  // member). Records the held-out draws it leaves out.
  [[nodiscard]] Result<std::vector<domain::MemberOffer>> for_member(
      std::int64_t member_id, const std::string& store_id,
      std::chrono::system_clock::time_point now);

  [[nodiscard]] const rewards::RewardsRules& rules() const { return *rules_; }

 private:
  OfferStore& store_;
  std::shared_ptr<const rewards::RewardsRules> rules_;
};

}  // namespace rapport::server
