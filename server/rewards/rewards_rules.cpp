// server/rewards/rewards_rules.cpp
#include "server/rewards/rewards_rules.h"

#include <algorithm>

namespace rapport::rewards {
namespace {

constexpr std::array<std::pair<OfferKind, std::string_view>, 6> kOfferKinds{{
    {OfferKind::kFreeItem, "free_item"},
    {OfferKind::kDiscount, "discount"},
    {OfferKind::kMultiplier, "multiplier"},
    {OfferKind::kExperience, "experience"},
    {OfferKind::kPartner, "partner"},
    {OfferKind::kGesture, "gesture"},
}};

constexpr std::array<std::pair<Personalisation, std::string_view>, 3> kLevels{{
    {Personalisation::kNone, "none"},
    {Personalisation::kSegment, "segment"},
    {Personalisation::kFull, "full"},
}};

}  // namespace

std::string_view to_string(OfferKind kind) {
  for (const auto& [k, name] : kOfferKinds) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<OfferKind> offer_kind_from_string(std::string_view text) {
  for (const auto& [k, name] : kOfferKinds) {
    if (name == text) return k;
  }
  return std::nullopt;
}

std::string_view to_string(Personalisation level) {
  for (const auto& [l, name] : kLevels) {
    if (l == level) return name;
  }
  return "unknown";
}

std::optional<Personalisation> personalisation_from_string(std::string_view text) {
  for (const auto& [l, name] : kLevels) {
    if (name == text) return l;
  }
  return std::nullopt;
}

bool Treatment::allows(OfferKind kind) const {
  return std::find(offer_kinds.begin(), offer_kinds.end(), kind) != offer_kinds.end();
}

const Treatment& RewardsRules::treatment(value::ValueTier tier) const {
  return treatments.at(static_cast<std::size_t>(tier) - 1);
}

const CatalogueItem* RewardsRules::find_reward(std::string_view id) const {
  for (const auto& item : catalogue) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

}  // namespace rapport::rewards
