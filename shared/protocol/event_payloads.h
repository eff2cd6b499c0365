// shared/protocol/event_payloads.h
//
// The payload of each event kind (docs/protocol.md, "Event kinds"): typed structs, their
// JSON form, and the check the server runs on every event it receives. Money is in whole
// cents of the chain's currency, so sums are exact.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/domain/event.h"
#include "shared/util/result.h"

namespace rapport::protocol {

// Bounds that keep one event small and sums far from overflow.
inline constexpr std::int64_t kMaxAmountCents = 100'000'000'000;  // 1e9 currency units
inline constexpr std::size_t kMaxSaleLines = 200;
inline constexpr std::size_t kMaxShortText = 200;   // names, products, rewards
inline constexpr std::size_t kMaxNoteText = 2000;

struct SaleLine {
  std::string product;
  std::string category;
  std::int64_t quantity = 1;      // > 0
  std::int64_t amount_cents = 0;  // the line's total, >= 0
  std::optional<std::int64_t> margin_cents;  // where the POS knows it; may be negative
};

struct PurchasePayload {
  std::vector<SaleLine> lines;     // at least one
  std::int64_t total_cents = 0;    // the sum of the lines' amounts
  std::optional<std::string> receipt;  // the POS's receipt number, when there is one
};

// Gives back (part of) an earlier purchase; the server reverses what it earned once.
struct RefundPayload {
  std::string purchase_id;        // the purchase event's id
  std::int64_t amount_cents = 0;  // > 0
};

struct VoidPayload {
  std::string purchase_id;
};

// Personal data travels only in this payload; the server moves it into its members table and
// stores the event without it.
struct EnrollmentPayload {
  std::string name;
  std::optional<std::string> birth_date;  // YYYY-MM-DD
  std::string last4;                      // of the new card (the event's card_token)
  std::optional<std::string> channel;     // how they heard of us
  std::optional<std::string> referred_by_token;  // the referrer's card token
  // Added by the cashier's screen (issue 9); optional, and sent only when set, so an
  // enrollment without them is byte for byte what it was before.
  std::optional<std::string> phone{};  // as the customer gave it, up to 40 characters
  std::optional<std::string> email{};  // up to 200 characters, with an '@'
  std::optional<bool> marketing_consent{};        // may we send them marketing
  std::optional<bool> personalisation_consent{};  // may offers be tailored to them
};

struct RedemptionPayload {
  std::string reward;
  std::int64_t points = 0;  // > 0
  std::optional<std::string> purchase_id;
  // The catalogue id of the offer redeemed, when it was one of the member's offers: the
  // server records it `accepted` in offer_events (docs/offers.md).
  std::optional<std::string> offer_id{};
};

// What became of an offer presented at the counter (docs/offers.md, "Offers at the counter").
enum class OfferResponse { kShown = 1, kDeclined, kAccepted };
[[nodiscard]] std::string_view to_string(OfferResponse outcome);

// kAccepted only for an offer that costs no points (a gesture, a gift): one with points is
// accepted by its redemption event.
struct OfferResponsePayload {
  std::string offer_id;  // the catalogue id
  OfferResponse outcome = OfferResponse::kShown;
};

// A cashier's goodwill points (docs/offers.md, "Goodwill gestures"): posted on the server as
// an adjustment with the reason and the cashier, within [gestures] cashier_points_per_day.
struct GesturePayload {
  std::int64_t points = 0;  // > 0
  std::string reason;
  std::string staff;  // the cashier who gave it
};

enum class NoteTopic { kPreference = 1, kFeedback, kComplaint, kAdvocacy, kOther };
[[nodiscard]] std::string_view to_string(NoteTopic topic);

// Free text is personal data: the server moves `text` into its notes table (which erasure
// clears) and keeps the event without it.
struct NotePayload {
  NoteTopic topic = NoteTopic::kOther;
  std::string text;
};

struct ReferralPayload {
  std::string referred_card_token;
};

// `new_card_token` joins the member of the event's card; with replaces_card the event's card
// is blocked in the same step (a lost card replaced, history kept).
struct CardLinkedPayload {
  std::string new_card_token;
  std::string last4;
  bool replaces_card = false;
};

struct CardBlockedPayload {
  std::string reason;
};

[[nodiscard]] std::string encode_payload(const PurchasePayload& p);
[[nodiscard]] std::string encode_payload(const RefundPayload& p);
[[nodiscard]] std::string encode_payload(const VoidPayload& p);
[[nodiscard]] std::string encode_payload(const EnrollmentPayload& p);
[[nodiscard]] std::string encode_payload(const RedemptionPayload& p);
[[nodiscard]] std::string encode_payload(const NotePayload& p);
[[nodiscard]] std::string encode_payload(const ReferralPayload& p);
[[nodiscard]] std::string encode_payload(const CardLinkedPayload& p);
[[nodiscard]] std::string encode_payload(const CardBlockedPayload& p);
[[nodiscard]] std::string encode_payload(const OfferResponsePayload& p);
[[nodiscard]] std::string encode_payload(const GesturePayload& p);

[[nodiscard]] Result<PurchasePayload> decode_purchase(std::string_view payload);
// "2 x Flat white, Croissant": what a purchase was, for a refund list (at most 200 bytes,
// cut at a UTF-8 character). The terminal's own sales and the server's recent purchases of a
// member (docs/protocol.md) are summed up by this one function, so both read alike.
[[nodiscard]] std::string sale_summary(const std::vector<SaleLine>& lines);
[[nodiscard]] Result<RefundPayload> decode_refund(std::string_view payload);
[[nodiscard]] Result<VoidPayload> decode_void(std::string_view payload);
[[nodiscard]] Result<RedemptionPayload> decode_redemption(std::string_view payload);
[[nodiscard]] Result<EnrollmentPayload> decode_enrollment(std::string_view payload);
[[nodiscard]] Result<CardLinkedPayload> decode_card_linked(std::string_view payload);
[[nodiscard]] Result<NotePayload> decode_note(std::string_view payload);
[[nodiscard]] Result<OfferResponsePayload> decode_offer_response(std::string_view payload);
[[nodiscard]] Result<GesturePayload> decode_gesture(std::string_view payload);

// Checks that `payload` (JSON text) has exactly the fields of `kind`, each valid, and
// returns it in compact form. ProtocolErrc::kBadPayload / kBadAmount otherwise.
[[nodiscard]] Result<std::string> check_payload(domain::EventKind kind, std::string_view payload);

// The payloads without their personal data, as the server keeps them in the event.
[[nodiscard]] std::string without_personal_data(const EnrollmentPayload& p);
[[nodiscard]] std::string without_personal_data(const NotePayload& p);

}  // namespace rapport::protocol
