// shared/domain/event.h
//
// Events recorded at terminals: immutable, uniquely identified, and keyed to cards by token
// (never the raw number). Each kind carries a small JSON payload whose fields docs/protocol.md
// lists ("Event kinds"); shared/protocol validates it, the server applies it.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rapport::domain {

enum class EventKind {
  kVisit = 1,     // a card was presented at the counter
  kPurchase,      // a sale with lines, against the card's member
  kRefund,        // money (and the points it earned) given back for an earlier purchase
  kVoid,          // an earlier purchase cancelled whole
  kEnrollment,    // a new member enrolled on the card at the counter
  kRedemption,    // a reward or points spent
  kNote,          // something the customer told us: preference, feedback, advocacy
  kReferral,      // the card's member brought in another card's member
  kCardLinked,    // another card now belongs to the card's member (replacement, household)
  kCardBlocked,   // the card is refused from now on (lost, stolen)
  kOfferResponse, // an offer presented at the counter: shown, declined, or accepted (no points)
  kGesture,       // a cashier's goodwill points, within their limit (docs/offers.md)
};

// Every kind, in the order above: for docs, tests and validation tables.
[[nodiscard]] std::span<const EventKind> all_event_kinds();
[[nodiscard]] std::string_view to_string(EventKind kind);
[[nodiscard]] std::optional<EventKind> event_kind_from_string(std::string_view text);

struct Event {
  std::string id;  // new_event_id(): unique across the chain
  EventKind kind = EventKind::kVisit;
  std::string terminal_id;
  std::string store_id;
  std::string card_token;  // CardKey::token_for(); never the raw number
  // The member the terminal recognised; empty for a card the terminal did not know (the
  // server resolves it from the token when it can).
  std::optional<std::int64_t> member_id;
  // The terminal's clock, ISO 8601 UTC. Kept as told: terminal clocks are wrong, so the
  // server orders events by its own arrival sequence and records its own time beside this.
  std::string occurred_at;
  // The kind's fields as a compact JSON object ("{}" for a visit); validated on decode.
  std::string payload = "{}";
};

}  // namespace rapport::domain
