// shared/domain/event.h
//
// Events recorded at terminals: immutable, uniquely identified, and free of personal data
// (they refer to members by id and to cards by token). The skeleton records visits; the
// sync issue adds purchases, refunds, redemptions and the rest to EventKind.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rapport::domain {

enum class EventKind {
  kVisit = 1,  // a card was presented at the counter
};

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
};

}  // namespace rapport::domain
