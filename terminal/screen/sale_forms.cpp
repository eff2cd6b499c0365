// terminal/screen/sale_forms.cpp
#include "terminal/screen/sale_forms.h"

#include <boost/json/array.hpp>

#include "terminal/screen/form_fields.h"

namespace rapport::terminal {
namespace {

constexpr std::int64_t kMaxQuantity = 10'000;
constexpr std::int64_t kMaxGesturePoints = 1'000'000;

// A whole number field within [1, max]; nullopt otherwise.
std::optional<std::int64_t> count_field(const boost::json::object& o, std::string_view key,
                                        std::int64_t max) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_string()) {  // as typed in a number box
    const auto text = trimmed(v->get_string());
    if (text.empty() || text.size() > 12) return std::nullopt;
    for (const char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
  } else {
    return std::nullopt;
  }
  if (n < 1 || n > max) return std::nullopt;
  return n;
}

// A short text field that must be there: nullopt when absent, too long or with control
// characters.
std::optional<std::string> short_text(const boost::json::object& o, std::string_view key,
                                      bool& bad) {
  auto text = text_field(o, key, bad);
  if (!text || text->size() > protocol::kMaxShortText || has_control(*text)) return std::nullopt;
  return text;
}

}  // namespace

std::optional<std::int64_t> parse_amount_cents(std::string_view text) {
  const std::string t = trimmed(text);
  std::int64_t units = 0;
  std::size_t i = 0;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
    if (i >= 10) return std::nullopt;  // beyond kMaxAmountCents' 1e9 units
    units = units * 10 + (t[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::int64_t cents = 0;
  if (i < t.size()) {
    if (t[i] != '.' && t[i] != ',') return std::nullopt;
    const std::string_view fraction = std::string_view(t).substr(i + 1);
    if (fraction.empty() || fraction.size() > 2) return std::nullopt;
    for (const char c : fraction) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    cents = (fraction[0] - '0') * 10 + (fraction.size() == 2 ? fraction[1] - '0' : 0);
  }
  const std::int64_t total = units * 100 + cents;
  if (total > protocol::kMaxAmountCents) return std::nullopt;
  return total;
}

ParsedForm<SaleForm> parse_sale_form(std::string_view body) {
  const auto o = json_object_of(body);
  if (!o) return {std::nullopt, "the sale was not sent as JSON"};
  SaleForm form;
  const auto scan = scan_field(*o);
  if (!scan) return {std::nullopt, "the sale does not say which member it is for"};
  form.scan = *scan;
  const auto* lines = o->if_contains("lines");
  const auto* list = lines != nullptr ? lines->if_array() : nullptr;
  if (list == nullptr || list->empty()) return {std::nullopt, "add at least one line"};
  if (list->size() > kMaxSaleFormLines) {
    return {std::nullopt, "at most 50 lines: record the rest as a second sale"};
  }
  bool bad = false;
  for (std::size_t n = 0; n < list->size(); ++n) {
    const std::string which = "line " + std::to_string(n + 1) + ": ";
    const auto* line = (*list)[n].if_object();
    if (line == nullptr) return {std::nullopt, which + "reload the page"};
    protocol::SaleLine sale_line;
    const auto product = short_text(*line, "product", bad);
    if (!product) return {std::nullopt, which + "type the product (up to 200 characters)"};
    sale_line.product = *product;
    const auto category = short_text(*line, "category", bad);
    if (!category) return {std::nullopt, which + "choose the category"};
    sale_line.category = *category;
    const auto quantity = count_field(*line, "quantity", kMaxQuantity);
    if (!quantity) return {std::nullopt, which + "the quantity is a whole number from 1 to 10000"};
    sale_line.quantity = *quantity;
    const auto amount = text_field(*line, "amount", bad);
    const auto cents = amount ? parse_amount_cents(*amount) : std::nullopt;
    if (!cents) return {std::nullopt, which + "type the amount as 7.50 (the line's total)"};
    sale_line.amount_cents = *cents;
    form.lines.push_back(std::move(sale_line));
  }
  if (bad) return {std::nullopt, "the sale has a field of the wrong kind: reload the page"};
  return {std::move(form), {}};
}

ParsedForm<RefundForm> parse_refund_form(std::string_view body) {
  const auto o = json_object_of(body);
  if (!o) return {std::nullopt, "the refund was not sent as JSON"};
  RefundForm form;
  const auto scan = scan_field(*o);
  if (!scan) return {std::nullopt, "the refund does not say which member it is for"};
  form.scan = *scan;
  bool bad = false;
  const auto sale = text_field(*o, "sale", bad);
  if (!sale || sale->size() > 100 || has_control(*sale)) {
    return {std::nullopt, "choose the sale to refund"};
  }
  form.sale = *sale;
  if (const auto amount = text_field(*o, "amount", bad)) {
    form.amount_cents = parse_amount_cents(*amount);
    if (!form.amount_cents || *form.amount_cents == 0) {
      return {std::nullopt, "type the amount to refund as 3.50, or leave it empty for all of it"};
    }
  }
  if (bad) return {std::nullopt, "the refund has a field of the wrong kind: reload the page"};
  return {std::move(form), {}};
}

ParsedForm<RedeemForm> parse_redeem_form(std::string_view body) {
  const auto o = json_object_of(body);
  if (!o) return {std::nullopt, "the redemption was not sent as JSON"};
  RedeemForm form;
  const auto scan = scan_field(*o);
  if (!scan) return {std::nullopt, "the redemption does not say which member it is for"};
  form.scan = *scan;
  bool bad = false;
  const auto offer = short_text(*o, "offer_id", bad);
  if (!offer || bad) return {std::nullopt, "choose one of the offers shown"};
  form.offer_id = *offer;
  return {std::move(form), {}};
}

ParsedForm<GestureForm> parse_gesture_form(std::string_view body) {
  const auto o = json_object_of(body);
  if (!o) return {std::nullopt, "the gesture was not sent as JSON"};
  GestureForm form;
  const auto scan = scan_field(*o);
  if (!scan) return {std::nullopt, "the gesture does not say which member it is for"};
  form.scan = *scan;
  const auto points = count_field(*o, "points", kMaxGesturePoints);
  if (!points) return {std::nullopt, "give a whole number of points above 0"};
  form.points = *points;
  bool bad = false;
  const auto reason = short_text(*o, "reason", bad);
  if (!reason || bad) return {std::nullopt, "say why (up to 200 characters)"};
  form.reason = *reason;
  return {std::move(form), {}};
}

}  // namespace rapport::terminal
