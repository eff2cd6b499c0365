// server/rewards/offers.cpp
#include "server/rewards/offers.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <set>

#include "server/rewards/uplift.h"
#include "shared/util/clock.h"
#include "shared/util/money.h"

namespace rapport::rewards {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr std::array<std::pair<OfferOutcome, std::string_view>, 4> kOutcomes{{
    {OfferOutcome::kShown, "shown"},
    {OfferOutcome::kHeldOut, "held_out"},
    {OfferOutcome::kAccepted, "accepted"},
    {OfferOutcome::kDeclined, "declined"},
}};

constexpr int kWinBackScore = 100;
constexpr int kTopCategoryScore = 30;
// Below the top category's 30: what a member buys outweighs what they said they come for.
constexpr int kWishScore = 25;
constexpr int kRhythmScore = 20;
constexpr int kRegularGestureScore = 15;
constexpr int kAcceptedKindScore = 10;
constexpr double kRegularRhythmDays = 14;  // a member who comes at least fortnightly
constexpr std::int64_t kBudgetYearDays = 365;
constexpr std::int64_t kContactWindowDays = 30;

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Lower-case words of `text` (letters and digits), a trailing plural 's' dropped.
std::set<std::string> words_of(std::string_view text) {
  std::set<std::string> words;
  std::string word;
  const auto flush = [&] {
    if (word.size() > 4 && word.back() == 's') word.pop_back();
    if (!word.empty()) words.insert(word);
    word.clear();
  };
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

// Words too common in reward names to say which reward a note means.
bool telling(const std::string& word) {
  static const std::set<std::string> kCommon{"free", "next", "your",  "shop",  "week",  "item",
                                             "with", "from", "point", "offer", "thank", "the",
                                             "for",  "our",  "off",   "you"};
  return word.size() >= 4 && kCommon.count(word) == 0;
}

// The first of `notes` (dislikes or wishes) that names this reward (a telling word of its id,
// name, product, category, partner or kind), or nullptr.
const std::string* named_by(const CatalogueItem& item, const std::vector<std::string>& notes) {
  std::set<std::string> keys;
  for (const std::string_view text :
       {std::string_view(item.id), std::string_view(item.name), to_string(item.kind)}) {
    keys.merge(words_of(text));
  }
  for (const auto* field : {&item.product, &item.category, &item.partner}) {
    if (*field) keys.merge(words_of(**field));
  }
  for (const auto& note : notes) {
    for (const auto& word : words_of(note)) {
      if (telling(word) && keys.count(word) != 0) return &note;
    }
  }
  return nullptr;
}

std::optional<sys_days> last_declined(const std::vector<OfferHistoryEntry>& history,
                                      const std::string& offer_id) {
  std::optional<sys_days> last;
  for (const auto& h : history) {
    if (h.offer_id == offer_id && h.outcome == OfferOutcome::kDeclined &&
        (!last || h.day > *last)) {
      last = h.day;
    }
  }
  return last;
}

bool valuable(value::ValueTier tier) {
  return tier == value::ValueTier::kMvc || tier == value::ValueTier::kMgc;
}

}  // namespace

std::string_view to_string(OfferOutcome outcome) {
  for (const auto& [o, name] : kOutcomes) {
    if (o == outcome) return name;
  }
  return "unknown";
}

std::optional<OfferOutcome> offer_outcome_from_string(std::string_view text) {
  for (const auto& [o, name] : kOutcomes) {
    if (name == text) return o;
  }
  return std::nullopt;
}

bool is_dislike_note(std::string_view text) {
  const auto t = lower(text);
  for (const char* marker : {"dislike", "hate", "don't like", "doesn't like", "does not like",
                             "do not like", "don't want", "doesn't want", "does not want",
                             "do not want", "no more", "not interested", "allergic"}) {
    if (t.find(marker) != std::string::npos) return true;
  }
  return false;
}

OfferChoice choose_offers(const MemberOfferFacts& member, const RewardsRules& rules,
                          const std::vector<OfferHistoryEntry>& history, sys_days today) {
  OfferChoice choice;
  const auto& treatment = rules.treatment(member.tier);
  const std::string tier_name(value::to_string(member.tier));
  choice.level =
      member.personalisation_consent ? treatment.personalisation : Personalisation::kNone;
  if (!member.personalisation_consent) {
    choice.notes.push_back("opted out of personalisation: standard offers only");
  }

  // Spend the right amount on the right customer: the tier's yearly budget, less what the
  // offers accepted in the last year cost.
  std::int64_t spent = 0;
  std::set<sys_days> contact_days;
  std::set<OfferKind> accepted_kinds;
  for (const auto& h : history) {
    const auto* item = rules.find_reward(h.offer_id);
    const auto age = (today - h.day).count();
    if (h.outcome == OfferOutcome::kAccepted && item) {
      accepted_kinds.insert(item->kind);
      if (age < kBudgetYearDays) spent += item->cost_cents;
    }
    if (h.outcome == OfferOutcome::kShown && age < kContactWindowDays) contact_days.insert(h.day);
  }
  choice.budget_left_cents = std::max<std::int64_t>(0, treatment.budget_cents_per_member - spent);
  choice.notes.push_back(tier_name + " treatment: budget " +
                         format_cents(treatment.budget_cents_per_member) + " a year, " + format_cents(spent) +
                         " used, " + format_cents(choice.budget_left_cents) + " left; personalisation " +
                         std::string(to_string(choice.level)));

  const bool contact_limit =
      static_cast<std::int64_t>(contact_days.size()) >= treatment.max_contacts_per_month;
  if (contact_limit) {
    choice.notes.push_back("contacted on " + std::to_string(contact_days.size()) +
                           " day(s) in the last 30; the " + tier_name + " treatment allows " +
                           std::to_string(treatment.max_contacts_per_month) + " a month");
  }
  const bool slipping =
      valuable(member.tier) && (member.at_risk || member.p_alive < rules.offers.win_back_p_alive);
  const bool win_back = slipping && choice.level != Personalisation::kNone;
  if (win_back) {
    char p[16];
    std::snprintf(p, sizeof p, "%.2f", member.p_alive);
    choice.notes.push_back("win-back: a valuable member who is slipping (probability alive " +
                           std::string(p) + (member.at_risk ? ", at risk" : "") + ")");
  }

  std::vector<ChosenOffer> candidates;
  for (const auto& item : rules.catalogue) {
    const auto exclude = [&](std::string reason) {
      choice.excluded.push_back({&item, std::move(reason)});
    };
    if (contact_limit) {
      exclude("contact limit reached");
      continue;
    }
    if (!treatment.allows(item.kind)) {
      exclude("the " + tier_name + " treatment offers no " + std::string(to_string(item.kind)));
      continue;
    }
    if (choice.level == Personalisation::kNone && !item.standard) {
      exclude("not a standard offer");
      continue;
    }
    if (const auto declined = last_declined(history, item.id);
        declined && (today - *declined).count() < rules.offers.decline_cooldown_days) {
      exclude("declined on " + to_iso8601_day(*declined) + "; not again before " +
              to_iso8601_day(*declined + days{rules.offers.decline_cooldown_days}));
      continue;
    }
    if (choice.level != Personalisation::kNone) {
      if (const auto* note = named_by(item, member.dislikes)) {
        exclude("the member told us: \"" + *note + "\"");
        continue;
      }
    }
    if (item.cost_cents > choice.budget_left_cents) {
      exclude("costs " + format_cents(item.cost_cents) + ", more than the budget left");
      continue;
    }

    ChosenOffer c{&item, 0, {}, false};
    if (item.standard) c.reasons.push_back("a standard offer");
    if (win_back && item.win_back) {
      c.score += kWinBackScore;
      c.reasons.push_back("win-back offer");
    }
    if (choice.level != Personalisation::kNone) {
      if (const auto* note = named_by(item, member.wishes)) {
        c.score += kWishScore;
        c.reasons.push_back("the member told us: \"" + *note + "\"");
      }
    }
    if (choice.level != Personalisation::kNone && item.category) {
      const auto& top = member.top_categories;
      for (std::size_t i = 0; i < top.size(); ++i) {
        if (lower(top[i]) != lower(*item.category)) continue;
        c.score += kTopCategoryScore - 5 * static_cast<int>(i);
        c.reasons.push_back("top category #" + std::to_string(i + 1) + ": " + top[i]);
        break;
      }
    }
    if (choice.level == Personalisation::kFull) {
      if (item.kind == OfferKind::kMultiplier && item.days && member.rhythm_days &&
          *member.rhythm_days <= static_cast<double>(*item.days)) {
        c.score += kRhythmScore;
        c.reasons.push_back("comes every ~" + std::to_string(std::lround(*member.rhythm_days)) +
                            " days: will use it within " + std::to_string(*item.days));
      }
      if (item.kind == OfferKind::kGesture && member.rhythm_days &&
          *member.rhythm_days <= kRegularRhythmDays) {
        c.score += kRegularGestureScore;
        c.reasons.push_back("a regular (every ~" +
                            std::to_string(std::lround(*member.rhythm_days)) +
                            " days): a thank-you");
      }
      if (accepted_kinds.count(item.kind) != 0) {
        c.score += kAcceptedKindScore;
        c.reasons.push_back("accepted a " + std::string(to_string(item.kind)) + " offer before");
      }
    }
    candidates.push_back(std::move(c));
  }

  // Best score first; then the costlier (the tier's budget already bounds it); then the
  // catalogue's order.
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.item->cost_cents > b.item->cost_cents;
  });
  std::int64_t committed = 0;
  for (auto& c : candidates) {
    if (static_cast<std::int64_t>(choice.offers.size()) >= rules.offers.max_offers) {
      choice.excluded.push_back(
          {c.item, "not among the best " + std::to_string(rules.offers.max_offers)});
      continue;
    }
    if (committed + c.item->cost_cents > choice.budget_left_cents) {
      choice.excluded.push_back({c.item, "over the budget left after better offers"});
      continue;
    }
    committed += c.item->cost_cents;
    c.reasons.push_back("costs " + format_cents(c.item->cost_cents));
    c.held_out = in_holdout(member.member_id, c.item->id, rules.offers.holdout_salt,
                            rules.offers.holdout_share);
    choice.offers.push_back(std::move(c));
  }
  return choice;
}

}  // namespace rapport::rewards
