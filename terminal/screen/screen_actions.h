// terminal/screen/screen_actions.h
//
// What a signed-in cashier does on the screen besides watching scans (docs/cashier-screen.md):
// enroll the unknown card just read, and note a preference, feedback, complaint or advocacy
// about the member just greeted. Each writes its events to the outbox, the notes to
// local_notes and a staff_actions line naming the cashier, in one transaction: all or none.
// The forms are parsed here too (pure, fuzzed in tests/fuzz/screen_request_fuzz.cpp).
//
// Thread-safety: one thread (the screen listener's), on a Database of its own.

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/card/card_key.h"
#include "shared/card/phone_number.h"
#include "shared/protocol/event_payloads.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"
#include "terminal/screen/screen_board.h"
#include "terminal/screen/staff_pins.h"

namespace rapport::terminal {

// The enrollment form as the page sends it. `payload` lacks last4 and referred_by_token,
// which come from the scanned card and `referred_by_card`.
struct EnrollmentForm {
  std::uint64_t scan = 0;  // the scan (board seq) of the card to enroll
  protocol::EnrollmentPayload payload;
  std::optional<std::string> referred_by_card;  // the referrer's card number, as typed
  std::vector<std::string> needs;  // "question - answer", each a preference note, at most 2
};

struct NoteForm {
  std::uint64_t scan = 0;  // the scan (board seq) of the member the note is about
  protocol::NoteTopic topic = protocol::NoteTopic::kOther;
  std::string text;
};

// A form, or what is wrong with it in words for the cashier.
template <typename Form>
struct ParsedForm {
  std::optional<Form> form;
  std::string problem;
};

// A lost card replaced by a new one: the member (found by name), which of their cards was
// lost (its last four digits) and the new card's number as typed or scanned.
struct ReplaceCardForm {
  std::int64_t member_id = 0;
  std::string lost_last4;
  std::string new_card;
};

// A member found by name or phone, with their active cards' last four digits.
struct FoundMember {
  std::int64_t id = 0;
  std::string name;
  std::vector<std::string> cards;
};

[[nodiscard]] ParsedForm<EnrollmentForm> parse_enrollment_form(std::string_view json);
[[nodiscard]] ParsedForm<ReplaceCardForm> parse_replace_card_form(std::string_view json);
[[nodiscard]] ParsedForm<NoteForm> parse_note_form(std::string_view json);

class ScreenActions {
 public:
  struct Identity {
    std::string terminal_id;
    std::string store_id;
    std::string issuer_prefix;
  };
  // Requires: `db` outlives this object and is used on this object's thread only;
  // card::is_valid_country_code(phone_country_code) (terminal.toml [cards]).
  ScreenActions(storage::Database& db, card::CardKey key, Identity identity,
                std::string phone_country_code = std::string(card::kDefaultPhoneCountryCode))
      : db_(db),
        key_(std::move(key)),
        identity_(std::move(identity)),
        phone_country_code_(std::move(phone_country_code)) {}

  // The card token of a typed card number of this chain; nullopt when it is not one.
  [[nodiscard]] std::optional<std::string> card_token(std::string_view card_number) const;

  // Writes the enrollment of `card` (an unknown card), then one preference note per need;
  // returns the enrollment event's id. Requires: card.unknown, form checked by the parser.
  [[nodiscard]] Result<std::string> enroll(const EnrollmentForm& form, const ScanTarget& card,
                                           std::optional<std::string> referrer_token,
                                           const StaffMember& cashier,
                                           std::chrono::system_clock::time_point now);

  // Members of the local store whose name contains `query` (case-insensitive for ASCII), at
  // most `limit`, by name. A scan of the name column: fine for a cashier's search.
  [[nodiscard]] Result<std::vector<FoundMember>> find_members(std::string_view query, int limit);
  // Members of the local store whose phone is `typed` (normalised and digested as the server
  // does, shared/card/phone_number.h; the store holds digests only), at most `limit`, by
  // name. nullopt when `typed` is not a phone number.
  [[nodiscard]] Result<std::optional<std::vector<FoundMember>>> find_by_phone(
      std::string_view typed, int limit);

  // Replaces the member's lost card (blocked) by the new one, keeping their history: a
  // `card_linked` event with replaces_card on the lost card, and the same change in the local
  // store so the new card is greeted at once, offline too. Returns the event id, or
  // nullopt with what is wrong in `problem` (no such card, new card not ours or taken).
  [[nodiscard]] Result<std::optional<std::string>> replace_card(
      const ReplaceCardForm& form, const StaffMember& cashier,
      std::chrono::system_clock::time_point now, std::string& problem);

  // Writes a note about the holder of `card`; returns its event id.
  // Requires: card.card_token is set.
  [[nodiscard]] Result<std::string> note(const NoteForm& form, const ScanTarget& card,
                                         const StaffMember& cashier,
                                         std::chrono::system_clock::time_point now);

 private:
  [[nodiscard]] Result<std::string> append_note(const ScanTarget& card, protocol::NoteTopic topic,
                                                const std::string& text,
                                                const StaffMember& cashier,
                                                std::chrono::system_clock::time_point now);
  [[nodiscard]] domain::Event event_for(domain::EventKind kind, const ScanTarget& card,
                                        const std::string& at) const;

  storage::Database& db_;
  card::CardKey key_;
  Identity identity_;
  std::string phone_country_code_;
};

}  // namespace rapport::terminal
