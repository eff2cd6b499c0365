// shared/domain/member.h
//
// A member as the counter needs to see them, and the cards that identify them. Personal
// data (name, birth date) lives here and in the members table only, never in events.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rapport::domain {

enum class CardStatus {
  kActive = 1,
  kBlocked,  // lost, stolen or replaced: recognised, but refused at the counter
};

struct Card {
  std::string token;  // CardKey::token_for(number)
  std::string last4;  // the last four digits, so staff can say "the card ending 7897"
  CardStatus status = CardStatus::kActive;
};

// An offer the server chose for the member at the terminal's store (docs/offers.md,
// "Offers at the counter"): a catalogue reward, never one the member is held out of.
struct MemberOffer {
  std::string id;    // the catalogue id: redemption and offer_response events name it
  std::string name;  // for the cashier and the customer
  std::string kind;  // free_item, discount, multiplier, experience, partner, gesture
  std::int64_t points = 0;  // what redeeming it costs the member; 0 for a gesture or gift
};

// A note staff took at a counter of the chain (docs/offers.md, "Notes and the usual order at
// every counter"): what the customer told us, as the server keeps it. The same event id as the
// `note` event that carried it, so a terminal tells its own notes from the server's copy.
struct MemberNote {
  std::string event_id;
  std::string topic;     // preference, feedback, complaint, advocacy, other
  std::string text;      // the customer's words: personal data, which erasure clears
  std::string noted_at;  // ISO 8601 UTC, the clock of the terminal that took it
  std::string store_id;  // the store where it was taken
};

// One of the member's recent purchases at any till of the chain (docs/protocol.md, "Recent
// purchases"), sent so a terminal that did not ring it up can refund it. What is left to
// refund is the server's count when it sent the member: refunds made since at other tills
// are not in it, which is why the server takes back at most what is left whatever a
// terminal sends.
struct MemberPurchase {
  std::string event_id;        // the purchase event's id: a refund names it
  std::string occurred_at;     // ISO 8601 UTC, the clock of the terminal that rang it up
  std::string store_id;        // the store where it was rung up
  std::string summary;         // "2 x Flat white, Croissant" (protocol::sale_summary)
  std::int64_t total_cents = 0;
  std::int64_t refundable_cents = 0;  // what is left to refund, 0..total_cents
};

struct Member {
  std::int64_t id = 0;
  std::string name;
  std::string home_store;
  std::optional<std::string> birth_date;  // YYYY-MM-DD
  std::int64_t visit_count = 0;           // visits the server has stored
  std::optional<std::string> last_visit;  // ISO 8601, the terminal's clock of that visit
  std::vector<Card> cards;
  // From the latest value snapshot (docs/value-engine.md); for staff only, never shown to
  // the customer. Empty until the server has valued the member.
  std::optional<std::string> value_tier;  // "MVC", "MGC", "LMC" or "BZ"
  bool at_risk = false;                   // a valuable member who may be slipping away
  std::optional<double> rhythm_days;      // typical days between their purchase days
  // The points ledger (docs/rewards.md): the balance when the server last sent the member,
  // and the customer-facing reward tier ("Silver"); empty from a server without rewards.
  std::optional<std::int64_t> points_balance;
  std::optional<std::string> reward_tier;
  // The member's current offers for the terminal's store, best first; empty from a server
  // without rewards or when none is chosen.
  std::vector<MemberOffer> offers{};
  // The member's latest notes, newest first (at most protocol::kMaxNotesPerMember), and the
  // product they buy most often lately (docs/offers.md); empty from a server before them.
  std::vector<MemberNote> notes{};
  std::optional<std::string> usual_order{};
  // The member's recent purchases at any till, newest first (at most
  // protocol::kMaxPurchasesPerMember, of the last protocol::kRecentPurchaseDays days); empty
  // from a server before them, and from the PostgreSQL backend (it stores no purchases yet).
  std::vector<MemberPurchase> recent_purchases{};
  // Find by phone (docs/cards.md, "Phone digests"): CardKey::phone_digest of the member's
  // normalised phone, the only form of it terminals hold; empty without a phone.
  std::optional<std::string> phone_digest{};
  // Server side only, never encoded: the phone as the member gave it, read from the members
  // table for the sync handler to digest.
  std::optional<std::string> phone{};
};

}  // namespace rapport::domain
