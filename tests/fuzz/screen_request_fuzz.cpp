// tests/fuzz/screen_request_fuzz.cpp
//
// Whatever a browser (or anyone) sends the cashier screen as a Cookie header or a sign-in
// body, enrollment form, card replacement, note, sale, refund, redemption or gesture: parsing
// never crashes, and what parses respects its bounds.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shared/util/clock.h"
#include "terminal/screen/sale_forms.h"
#include "terminal/screen/screen_actions.h"
#include "terminal/screen/screen_handler.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::terminal;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (screen_cookie_value(text, "rapport_screen").size() > text.size()) std::abort();
  if (const auto login = parse_pin_login(text); login) {
    if (!is_valid_staff_name(login->name) || login->pin.size() > 64) std::abort();
  }
  if (const auto enroll = parse_enrollment_form(text); enroll.form) {
    const auto& p = enroll.form->payload;
    if (p.name.empty() || p.name.size() > 200 || enroll.form->needs.size() > 2) std::abort();
    if (p.birth_date && !rapport::is_valid_date(*p.birth_date)) std::abort();
    if (!p.marketing_consent || !p.personalisation_consent) std::abort();
  } else if (enroll.problem.empty()) {
    std::abort();  // a refusal always says why
  }
  if (const auto replace = parse_replace_card_form(text); replace.form) {
    if (replace.form->member_id <= 0 || replace.form->lost_last4.size() != 4) std::abort();
  }
  if (const auto note = parse_note_form(text); note.form) {
    if (note.form->text.empty() || note.form->text.size() > 2000) std::abort();
  }
  if (const auto sale = parse_sale_form(text); sale.form) {
    if (sale.form->lines.empty() || sale.form->lines.size() > kMaxSaleFormLines) std::abort();
    for (const auto& line : sale.form->lines) {
      if (line.product.empty() || line.category.empty() || line.quantity < 1 ||
          line.amount_cents < 0 || line.amount_cents > rapport::protocol::kMaxAmountCents) {
        std::abort();
      }
    }
  } else if (sale.problem.empty()) {
    std::abort();
  }
  if (const auto refund = parse_refund_form(text); refund.form) {
    const auto& cents = refund.form->amount_cents;
    if (refund.form->sale.empty() || (cents && *cents <= 0)) std::abort();
  }
  if (const auto redeem = parse_redeem_form(text); redeem.form) {
    if (redeem.form->offer_id.empty() || redeem.form->scan == 0) std::abort();
  }
  if (const auto gesture = parse_gesture_form(text); gesture.form) {
    if (gesture.form->points <= 0 || gesture.form->reason.empty()) std::abort();
  }
  if (const auto cents = parse_amount_cents(text); cents) {
    if (*cents < 0 || *cents > rapport::protocol::kMaxAmountCents) std::abort();
  }
  return 0;
}
