// terminal/pos_api/pos_request.cpp
#include "terminal/pos_api/pos_request.h"

#include <algorithm>
#include <boost/json.hpp>
#include <initializer_list>

namespace rapport::terminal::pos {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxDepth = 8;  // our bodies nest three deep at most
constexpr std::size_t kMaxCardRead = 512;
constexpr std::string_view kSeeDocs = "see docs/pos-api.md for the request's fields";

ApiError bad(std::string error, std::string message, std::string what_to_do = std::string(kSeeDocs)) {
  return ApiError{400, std::move(error), std::move(message), std::move(what_to_do)};
}

ApiError missing(std::string_view field) {
  return bad("missing_field", "the field '" + std::string(field) + "' is missing");
}

ApiError wrong_type(std::string_view field, std::string_view type) {
  return bad("wrong_type",
             "the field '" + std::string(field) + "' must be " + std::string(type));
}

// Parses `body` into an object, or says why not.
std::variant<json::object, ApiError> object_of(std::string_view body) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value value = json::parse(body, ec, {}, options);
  if (ec) {
    return bad("bad_json", "the body is not valid JSON (" + ec.message() + ")",
               "send a JSON object with Content-Type: application/json");
  }
  if (!value.is_object()) {
    return bad("bad_json", "the body must be a JSON object", std::string(kSeeDocs));
  }
  return std::move(value.get_object());
}

std::optional<ApiError> unknown_field(const json::object& o,
                                      std::initializer_list<std::string_view> allowed,
                                      std::string_view where = "") {
  for (const auto& field : o) {
    bool known = false;
    for (const auto name : allowed) known = known || field.key() == name;
    if (!known) {
      return bad("unknown_field", "the field '" + std::string(where) + std::string(field.key()) +
                                      "' is not part of this request");
    }
  }
  return std::nullopt;
}

// An optional string field (absent or null: nullopt), a required one, an integer one.
std::variant<std::optional<std::string>, ApiError> optional_string(const json::object& o,
                                                                   std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return wrong_type(key, "a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

std::variant<std::string, ApiError> required_string(const json::object& o, std::string_view key,
                                                    std::string_view where = "") {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return missing(std::string(where) + std::string(key));
  if (!v->is_string()) return wrong_type(std::string(where) + std::string(key), "a string");
  return std::string(v->get_string());
}

std::variant<std::optional<std::int64_t>, ApiError> int_of(const json::object& o,
                                                           std::string_view key, bool required,
                                                           std::string_view where = "") {
  const std::string name = std::string(where) + std::string(key);
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) return missing(name);
    return std::optional<std::int64_t>{};
  }
  if (v->is_int64()) return std::optional<std::int64_t>(v->get_int64());
  if (v->is_uint64()) return wrong_type(name, "an integer (in range)");
  return wrong_type(name, "an integer (whole cents or units, no quotes)");
}

#define POS_TAKE(lhs, expr)                                          \
  auto lhs##_parsed = (expr);                                        \
  if (auto* e = std::get_if<ApiError>(&lhs##_parsed)) return *e;     \
  auto lhs = std::move(std::get<0>(lhs##_parsed))

std::variant<Customer, ApiError> customer_of(const json::object& o) {
  POS_TAKE(card_read, optional_string(o, "card_read"));
  POS_TAKE(member_id, int_of(o, "member_id", false));
  if (card_read.has_value() == member_id.has_value()) {
    return bad("missing_customer",
               card_read ? "give either 'card_read' or 'member_id', not both"
                         : "say who the sale is for: 'card_read' or 'member_id'",
               "send the card as read, or the member_id an earlier identify answered");
  }
  if (card_read && (card_read->empty() || card_read->size() > kMaxCardRead)) {
    return bad("bad_field", "the field 'card_read' must be 1 to 512 characters");
  }
  return Customer{std::move(card_read), member_id};
}

// The POS's operator id: absent, or 1 to kMaxPosStaff bytes with no control character (it
// goes into the audit and the logs as it is).
std::variant<std::optional<std::string>, ApiError> staff_of(const json::object& o) {
  POS_TAKE(staff, optional_string(o, "staff"));
  if (!staff) return staff;
  const bool control = std::any_of(staff->begin(), staff->end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  if (staff->empty() || staff->size() > kMaxPosStaff || control) {
    return bad("bad_field",
               "the field 'staff' must be 1 to 64 characters without control characters",
               "send the POS's id of the operator at the till (e.g. their user number), or "
               "leave 'staff' out");
  }
  return staff;
}

}  // namespace

std::string error_json(const ApiError& e) {
  json::object o;
  o["error"] = e.error;
  o["message"] = e.message;
  o["what_to_do"] = e.what_to_do;
  return json::serialize(o);
}

Parsed<IdentifyRequest> parse_identify(std::string_view body) {
  POS_TAKE(o, object_of(body));
  if (auto e = unknown_field(o, {"card_read"})) return *e;
  POS_TAKE(card_read, required_string(o, "card_read"));
  if (card_read.empty() || card_read.size() > kMaxCardRead) {
    return bad("bad_field", "the field 'card_read' must be 1 to 512 characters");
  }
  return IdentifyRequest{std::move(card_read)};
}

Parsed<PurchaseRequest> parse_purchase(std::string_view body) {
  POS_TAKE(o, object_of(body));
  if (auto e = unknown_field(o, {"card_read", "member_id", "lines", "receipt", "staff"})) {
    return *e;
  }
  POS_TAKE(customer, customer_of(o));
  POS_TAKE(staff, staff_of(o));
  PurchaseRequest r{std::move(customer), {}, std::move(staff)};
  POS_TAKE(receipt, optional_string(o, "receipt"));
  r.purchase.receipt = std::move(receipt);
  const auto* lines = o.if_contains("lines");
  if (lines == nullptr || lines->is_null()) return missing("lines");
  if (!lines->is_array()) return wrong_type("lines", "an array of sale lines");
  if (lines->get_array().empty() || lines->get_array().size() > protocol::kMaxSaleLines) {
    return bad("bad_field", "'lines' must hold 1 to 200 sale lines");
  }
  std::size_t index = 0;
  for (const auto& item : lines->get_array()) {
    const std::string where = "lines[" + std::to_string(index++) + "].";
    if (!item.is_object()) return wrong_type(where.substr(0, where.size() - 1), "an object");
    const auto& line = item.get_object();
    if (auto e = unknown_field(line, {"product", "category", "quantity", "amount_cents",
                                      "margin_cents"},
                               where)) {
      return *e;
    }
    protocol::SaleLine sale_line;
    POS_TAKE(product, required_string(line, "product", where));
    POS_TAKE(category, required_string(line, "category", where));
    POS_TAKE(quantity, int_of(line, "quantity", false, where));
    POS_TAKE(amount, int_of(line, "amount_cents", true, where));
    POS_TAKE(margin, int_of(line, "margin_cents", false, where));
    sale_line.product = std::move(product);
    sale_line.category = std::move(category);
    sale_line.quantity = quantity.value_or(1);
    sale_line.amount_cents = amount.value_or(0);  // required: always set
    sale_line.margin_cents = margin;
    r.purchase.lines.push_back(std::move(sale_line));
  }
  return r;
}

Parsed<RefundRequest> parse_refund(std::string_view body) {
  POS_TAKE(o, object_of(body));
  if (auto e = unknown_field(o, {"card_read", "member_id", "purchase_id", "amount_cents",
                                 "staff"})) {
    return *e;
  }
  POS_TAKE(customer, customer_of(o));
  POS_TAKE(purchase_id, required_string(o, "purchase_id"));
  POS_TAKE(amount, int_of(o, "amount_cents", true));
  POS_TAKE(staff, staff_of(o));
  return RefundRequest{std::move(customer), {std::move(purchase_id), amount.value_or(0)},
                       std::move(staff)};
}

Parsed<VoidRequest> parse_void(std::string_view body) {
  POS_TAKE(o, object_of(body));
  if (auto e = unknown_field(o, {"card_read", "member_id", "purchase_id", "staff"})) return *e;
  POS_TAKE(customer, customer_of(o));
  POS_TAKE(purchase_id, required_string(o, "purchase_id"));
  POS_TAKE(staff, staff_of(o));
  return VoidRequest{std::move(customer), {std::move(purchase_id)}, std::move(staff)};
}

Parsed<RedemptionRequest> parse_redemption(std::string_view body) {
  POS_TAKE(o, object_of(body));
  if (auto e = unknown_field(o, {"card_read", "member_id", "offer_id", "points", "reward",
                                 "purchase_id", "staff"})) {
    return *e;
  }
  POS_TAKE(customer, customer_of(o));
  POS_TAKE(offer_id, optional_string(o, "offer_id"));
  POS_TAKE(points, int_of(o, "points", false));
  POS_TAKE(reward, optional_string(o, "reward"));
  POS_TAKE(purchase_id, optional_string(o, "purchase_id"));
  POS_TAKE(staff, staff_of(o));
  if (offer_id.has_value() == points.has_value()) {
    return bad("missing_reward",
               offer_id ? "give either 'offer_id' or 'points', not both"
                        : "say what is redeemed: 'offer_id' (one of the member's offers) or "
                          "'points'",
               "send the offer_id of one of the member's offers, or a number of points");
  }
  const auto text_ok = [](const std::optional<std::string>& t) {
    return !t || (!t->empty() && t->size() <= protocol::kMaxShortText);
  };
  if (!text_ok(offer_id) || !text_ok(reward) || !text_ok(purchase_id)) {
    return bad("bad_field", "'offer_id', 'reward' and 'purchase_id' must be 1 to 200 characters");
  }
  if (offer_id && reward) {
    return bad("bad_field", "'reward' goes with 'points' only: an offer names its own reward");
  }
  if (points && (*points <= 0 || *points > kMaxRedeemPoints)) {
    return bad("bad_field", "'points' must be a whole number from 1 to 1000000000");
  }
  RedemptionRequest r{std::move(customer), std::move(offer_id), points.value_or(0),
                      reward.value_or("points"), std::move(purchase_id), std::move(staff)};
  return r;
}

}  // namespace rapport::terminal::pos
