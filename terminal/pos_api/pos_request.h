// terminal/pos_api/pos_request.h
//
// The POS integration API's request bodies (docs/pos-api.md) parsed into typed requests,
// with an error the POS can act on for anything else: not JSON, a field missing or of the
// wrong type, a field we do not know. Values are checked again by the sale check
// (terminal/sales.h) and the rewards desk (terminal/redemption.h); this only reads. Pure functions: fuzzed by tests/fuzz/pos_request_fuzz.cpp.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "shared/protocol/event_payloads.h"

namespace rapport::terminal::pos {

// The JSON error body every refusal of the API carries: {"error", "message", "what_to_do"}.
struct ApiError {
  unsigned status = 400;
  std::string error;       // stable code, e.g. "missing_field"
  std::string message;     // what is wrong, naming the field
  std::string what_to_do;  // the next step for the POS developer or the cashier
};

// Who a sale is for: a raw card read (as the counter's reader delivers it: a card number or
// a signed member token) or a member id from an earlier identify.
struct Customer {
  std::optional<std::string> card_read;
  std::optional<std::int64_t> member_id;
};

struct IdentifyRequest {
  std::string card_read;
};
// The POS's operator (`staff`, optional on every request that records something): the POS's
// own id of the person at its till, 1 to kMaxPosStaff bytes of UTF-8 text without control
// characters, kept with the terminal's audit line of the event (staff_actions.pos_staff).
inline constexpr std::size_t kMaxPosStaff = 64;

struct PurchaseRequest {
  Customer customer;
  protocol::PurchasePayload purchase;  // total_cents left 0: the sale sums the lines
  std::optional<std::string> staff{};
};
struct RefundRequest {
  Customer customer;
  protocol::RefundPayload refund;
  std::optional<std::string> staff{};
};
struct VoidRequest {
  Customer customer;
  protocol::VoidPayload void_sale;
  std::optional<std::string> staff{};
};

// An offer redeemed (offer_id: one of the member's current offers) or a number of points
// (points, spent on `reward`, "points" when absent): exactly one of offer_id and points.
struct RedemptionRequest {
  Customer customer;
  std::optional<std::string> offer_id;
  std::int64_t points = 0;                   // 1 to kMaxRedeemPoints when offer_id is empty
  std::string reward = "points";
  std::optional<std::string> purchase_id;    // the sale it was redeemed on, when known
  std::optional<std::string> staff{};
};

// More points than any one redemption spends: a typo, refused as a bad field.
inline constexpr std::int64_t kMaxRedeemPoints = 1'000'000'000;

template <typename T>
using Parsed = std::variant<T, ApiError>;

[[nodiscard]] Parsed<IdentifyRequest> parse_identify(std::string_view body);
[[nodiscard]] Parsed<PurchaseRequest> parse_purchase(std::string_view body);
[[nodiscard]] Parsed<RefundRequest> parse_refund(std::string_view body);
[[nodiscard]] Parsed<VoidRequest> parse_void(std::string_view body);
[[nodiscard]] Parsed<RedemptionRequest> parse_redemption(std::string_view body);

// The error as its JSON body.
[[nodiscard]] std::string error_json(const ApiError& e);

}  // namespace rapport::terminal::pos
