// tests/fuzz/pos_request_fuzz.cpp
//
// Whatever a POS (or anyone on the machine) sends the POS API as a request body: each of the
// five parsers never crashes, a refusal always says what is wrong and what to do, and what
// it accepts respects the bounds the sale check relies on.

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "terminal/pos_api/pos_request.h"

namespace {

using namespace rapport::terminal::pos;

template <typename T>
const T* accepted(const Parsed<T>& parsed) {
  if (const auto* e = std::get_if<ApiError>(&parsed)) {
    if (e->error.empty() || e->message.empty() || e->what_to_do.empty()) std::abort();
    if (error_json(*e).empty()) std::abort();
    return nullptr;
  }
  return &std::get<T>(parsed);
}

void check_customer(const Customer& c) {
  if (c.card_read.has_value() == c.member_id.has_value()) std::abort();
  if (c.card_read && (c.card_read->empty() || c.card_read->size() > 512)) std::abort();
}

// The POS's operator, when given: 1 to kMaxPosStaff bytes, no control character.
void check_staff(const std::optional<std::string>& staff) {
  if (!staff) return;
  if (staff->empty() || staff->size() > kMaxPosStaff) std::abort();
  for (const char c : *staff) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto identify = parse_identify(body);
  if (const auto* r = accepted(identify)) {
    if (r->card_read.empty() || r->card_read.size() > 512) std::abort();
  }
  const auto purchase = parse_purchase(body);
  if (const auto* r = accepted(purchase)) {
    check_customer(r->customer);
    check_staff(r->staff);
    if (r->purchase.lines.empty() || r->purchase.lines.size() > 200) std::abort();
  }
  const auto refund = parse_refund(body);
  if (const auto* r = accepted(refund)) {
    check_customer(r->customer);
    check_staff(r->staff);
  }
  const auto void_sale = parse_void(body);
  if (const auto* r = accepted(void_sale)) {
    check_customer(r->customer);
    check_staff(r->staff);
  }
  const auto redemption = parse_redemption(body);
  if (const auto* r = accepted(redemption)) {
    check_customer(r->customer);
    check_staff(r->staff);
    // Exactly one of an offer and a number of points, within bounds.
    if (r->offer_id.has_value() == (r->points != 0)) std::abort();
    if (!r->offer_id && (r->points < 1 || r->points > kMaxRedeemPoints)) std::abort();
    if (r->offer_id && (r->offer_id->empty() || r->offer_id->size() > 200)) std::abort();
    if (r->reward.empty() || r->reward.size() > 200) std::abort();
  }
  return 0;
}
