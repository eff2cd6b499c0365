// shared/domain/event.cpp
#include "shared/domain/event.h"

#include <array>
#include <utility>

namespace rapport::domain {
namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 12> kNames{{
    {EventKind::kVisit, "visit"},
    {EventKind::kPurchase, "purchase"},
    {EventKind::kRefund, "refund"},
    {EventKind::kVoid, "void"},
    {EventKind::kEnrollment, "enrollment"},
    {EventKind::kRedemption, "redemption"},
    {EventKind::kNote, "note"},
    {EventKind::kReferral, "referral"},
    {EventKind::kCardLinked, "card_linked"},
    {EventKind::kCardBlocked, "card_blocked"},
    {EventKind::kOfferResponse, "offer_response"},
    {EventKind::kGesture, "gesture"},
}};

constexpr std::array<EventKind, kNames.size()> kKinds = [] {
  std::array<EventKind, kNames.size()> kinds{};
  for (std::size_t i = 0; i < kNames.size(); ++i) kinds[i] = kNames[i].first;
  return kinds;
}();

}  // namespace

std::span<const EventKind> all_event_kinds() { return kKinds; }

std::string_view to_string(EventKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<EventKind> event_kind_from_string(std::string_view text) {
  for (const auto& [k, name] : kNames) {
    if (name == text) return k;
  }
  return std::nullopt;
}

}  // namespace rapport::domain
