// server/terminal_offers.cpp
#include "server/terminal_offers.h"

#include <algorithm>
#include <map>

#include "server/rewards/offers.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {
constexpr std::chrono::days kShownOfferDays{30};
}  // namespace

Result<std::vector<domain::MemberOffer>> TerminalOffers::for_member(
    std::int64_t member_id, const std::string& store_id,
    std::chrono::system_clock::time_point now) {
  std::vector<domain::MemberOffer> offers;
  RAPPORT_TRY(const auto facts, store_.member_facts(member_id));
  if (!facts) return offers;
  RAPPORT_TRY(const auto history, store_.history(member_id));
  const auto today = std::chrono::floor<std::chrono::days>(now);
  const auto choice = rewards::choose_offers(*facts, *rules_, history, today);
  for (const auto& chosen : choice.offers) {
    const auto& item = *chosen.item;
    if (chosen.held_out) {
      // The draw is the same every time: its first record is what uplift measures from.
      const bool recorded =
          std::any_of(history.begin(), history.end(), [&](const rewards::OfferHistoryEntry& h) {
            return h.offer_id == item.id && h.outcome == rewards::OfferOutcome::kHeldOut;
          });
      if (!recorded) {
        RAPPORT_TRY_VOID(store_.record(
            {member_id, item.id, rewards::OfferOutcome::kHeldOut, to_iso8601(now), store_id}));
      }
      continue;
    }
    offers.push_back(
        {item.id, item.name, std::string(rewards::to_string(item.kind)), item.points});
  }
  // An offer already put to the customer stays theirs to take for kShownOfferDays while they
  // have neither taken nor declined it, even when the contact limit that counts its showing
  // now leaves new offers out.
  std::map<std::string, const rewards::OfferHistoryEntry*> last;
  for (const auto& h : history) last[h.offer_id] = &h;  // history is oldest first
  for (const auto& [offer_id, entry] : last) {
    if (entry->outcome != rewards::OfferOutcome::kShown || today - entry->day > kShownOfferDays ||
        std::any_of(offers.begin(), offers.end(),
                    [&](const domain::MemberOffer& o) { return o.id == offer_id; })) {
      continue;
    }
    if (const auto* item = rules_->find_reward(offer_id)) {
      offers.push_back(
          {item->id, item->name, std::string(rewards::to_string(item->kind)), item->points});
    }
  }
  return offers;
}

}  // namespace rapport::server
