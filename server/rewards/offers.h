// server/rewards/offers.h
//
// The offers engine (docs/offers.md): from one member's facts (value tier, probability alive,
// rhythm, top categories, what they told us, consent), the rules (treatment per value tier,
// catalogue, [offers]) and the member's offer history, the next best offers with the reasons
// for each and for every reward left out. Value first, then needs: a tier's budget and offer
// kinds bound what it may get; personalisation only as far as the treatment and the member's
// consent allow. Pure computation: no database, no clock (`today` is given).

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/rewards/rewards_rules.h"
#include "server/value/value_model.h"

namespace rapport::rewards {

// What the server knows of a member, as the storage layer reads it (sqlite_offers.h).
struct MemberOfferFacts {
  std::int64_t member_id = 0;
  value::ValueTier tier = value::ValueTier::kLmc;
  bool at_risk = false;
  double p_alive = 1;
  std::optional<double> rhythm_days;        // typical days between purchase days
  std::vector<std::string> top_categories;  // by spend, most first
  bool personalisation_consent = true;      // false: opted out, standard offers only
  // Notes whose text says the member does not want something (is_dislike_note), verbatim.
  // A reward is excluded when such a note names it: a word of its id, name, product,
  // category, partner or kind ("doesn't like tours" excludes "roastery-tour").
  std::vector<std::string> dislikes;
  // The member's `preference` notes that are not dislikes, verbatim: what they told us they
  // come for or want (the cashier screen's enrollment questions, "Usually comes in for:
  // coffee"). A reward such a note names, by the same words as a dislike, scores higher
  // unless the member opted out of personalisation (docs/offers.md, "Choosing").
  std::vector<std::string> wishes;
};

enum class OfferOutcome { kShown = 1, kHeldOut, kAccepted, kDeclined };
[[nodiscard]] std::string_view to_string(OfferOutcome outcome);  // "shown", "held_out", ...
[[nodiscard]] std::optional<OfferOutcome> offer_outcome_from_string(std::string_view text);

struct OfferHistoryEntry {
  std::string offer_id;
  OfferOutcome outcome = OfferOutcome::kShown;
  std::chrono::sys_days day;
};

struct ChosenOffer {
  const CatalogueItem* item = nullptr;  // points into the rules' catalogue
  int score = 0;
  std::vector<std::string> reasons;  // why it was chosen, for `rapportctl offers for`
  bool held_out = false;             // in this offer's hold-out group: recorded, never shown
};

struct ExcludedOffer {
  const CatalogueItem* item = nullptr;
  std::string reason;
};

struct OfferChoice {
  Personalisation level = Personalisation::kNone;  // the level actually used
  std::int64_t budget_left_cents = 0;  // the tier's yearly budget less accepted offers' cost
  std::vector<ChosenOffer> offers;     // best first; at most rules.offers.max_offers
  std::vector<ExcludedOffer> excluded;
  std::vector<std::string> notes;  // member-level reasons (win-back, contact limit, opt-out)
};

// True when a note's text says the member does not want something ("doesn't like the
// cinema", "no partner offers please"): the words dislike, hate, don't / doesn't / does not
// like|want, no more, not interested, allergic.
[[nodiscard]] bool is_dislike_note(std::string_view text);

// Requires: `rules` outlives the result (items point into its catalogue).
[[nodiscard]] OfferChoice choose_offers(const MemberOfferFacts& member, const RewardsRules& rules,
                                        const std::vector<OfferHistoryEntry>& history,
                                        std::chrono::sys_days today);

}  // namespace rapport::rewards
