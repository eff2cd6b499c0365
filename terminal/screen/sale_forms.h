// terminal/screen/sale_forms.h
//
// The cashier screen's counter forms as the page sends them (docs/cashier-screen.md, "Sales,
// refunds, offers"): a sale with its lines, a refund of an earlier sale, an offer redeemed in
// one touch, a goodwill gesture. Each names the scan (board seq) of the member on screen.
// Pure; fuzzed in tests/fuzz/screen_request_fuzz.cpp. A refusal always says what to fix.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/protocol/event_payloads.h"
#include "terminal/screen/screen_actions.h"

namespace rapport::terminal {

struct SaleForm {
  std::uint64_t scan = 0;
  std::vector<protocol::SaleLine> lines;  // 1 to kMaxSaleFormLines, each checked
};

struct RefundForm {
  std::uint64_t scan = 0;
  std::string sale;                          // the purchase event's id
  std::optional<std::int64_t> amount_cents;  // nullopt: all that is left of it
};

struct RedeemForm {
  std::uint64_t scan = 0;
  std::string offer_id;
};

struct GestureForm {
  std::uint64_t scan = 0;
  std::int64_t points = 0;  // > 0
  std::string reason;
};

inline constexpr std::size_t kMaxSaleFormLines = 50;

// "7", "7.5", "7.50", "1234,50" (a comma as the decimal mark too) to cents; nullopt for
// anything else, a negative amount or one above protocol::kMaxAmountCents.
[[nodiscard]] std::optional<std::int64_t> parse_amount_cents(std::string_view text);

// {"scan": 12, "lines": [{"product": "Flat white", "category": "coffee", "quantity": 2,
//  "amount": "7.00"}]}: amount is the line's total as typed.
[[nodiscard]] ParsedForm<SaleForm> parse_sale_form(std::string_view json);
// {"scan": 12, "sale": "<event id>", "amount": "3.00"} (amount absent or blank: the rest).
[[nodiscard]] ParsedForm<RefundForm> parse_refund_form(std::string_view json);
// {"scan": 12, "offer_id": "free-coffee"}
[[nodiscard]] ParsedForm<RedeemForm> parse_redeem_form(std::string_view json);
// {"scan": 12, "points": 20, "reason": "coffee was cold"}
[[nodiscard]] ParsedForm<GestureForm> parse_gesture_form(std::string_view json);

}  // namespace rapport::terminal
