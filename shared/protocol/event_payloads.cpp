// shared/protocol/event_payloads.cpp
//
// One decoder per kind, strict: every field checked, unknown fields refused (a field this
// version does not define would otherwise be dropped without anyone noticing). The check the
// server runs is the decoder with its result thrown away, so the two cannot disagree.

#include "shared/protocol/event_payloads.h"

#include <algorithm>
#include <array>

#include "shared/domain/event_id.h"
#include "shared/protocol/detail/payload_check.h"
#include "shared/util/clock.h"

namespace rapport::protocol {
namespace {

namespace json = boost::json;
using detail::has_only;
using detail::int_field;
using detail::optional_string_field;
using detail::string_field;

constexpr std::size_t kMaxPhone = 40;

constexpr std::array<std::pair<NoteTopic, std::string_view>, 5> kTopics{{
    {NoteTopic::kPreference, "preference"},
    {NoteTopic::kFeedback, "feedback"},
    {NoteTopic::kComplaint, "complaint"},
    {NoteTopic::kAdvocacy, "advocacy"},
    {NoteTopic::kOther, "other"},
}};

Result<std::string> text_field(const json::object& o, std::string_view key, std::size_t max) {
  RAPPORT_TRY(auto text, string_field(o, key));
  if (text.empty() || text.size() > max) return ProtocolErrc::kBadPayload;
  return text;
}

Result<std::optional<std::string>> optional_text_field(const json::object& o,
                                                       std::string_view key, std::size_t max) {
  RAPPORT_TRY(auto text, optional_string_field(o, key));
  if (text && (text->empty() || text->size() > max)) return ProtocolErrc::kBadPayload;
  return text;
}

Result<std::optional<bool>> optional_bool_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<bool>{};
  if (!v->is_bool()) return ProtocolErrc::kBadPayload;
  return std::optional<bool>{v->get_bool()};
}

Result<std::int64_t> amount_field(const json::object& o, std::string_view key) {
  RAPPORT_TRY(const auto amount, int_field(o, key));
  if (amount < 0 || amount > kMaxAmountCents) return ProtocolErrc::kBadAmount;
  return amount;
}

Result<std::string> event_id_field(const json::object& o, std::string_view key) {
  RAPPORT_TRY(auto id, string_field(o, key));
  if (!domain::is_valid_event_id(id)) return ProtocolErrc::kBadPayload;
  return id;
}

Result<std::string> token_field(const json::object& o, std::string_view key) {
  RAPPORT_TRY(auto token, string_field(o, key));
  if (!detail::is_card_token(token)) return ProtocolErrc::kBadCardToken;
  return token;
}

Result<std::string> last4_field(const json::object& o) {
  RAPPORT_TRY(auto last4, string_field(o, "last4"));
  const bool digits = last4.size() == 4 && std::all_of(last4.begin(), last4.end(), [](char c) {
                        return c >= '0' && c <= '9';
                      });
  if (!digits) return ProtocolErrc::kBadPayload;
  return last4;
}

Result<json::object> as_object(const json::value& v) {
  if (!v.is_object()) return ProtocolErrc::kBadPayload;
  return v.get_object();
}

Result<PurchasePayload> purchase_from(const json::object& o) {
  if (!has_only(o, {"lines", "total_cents", "receipt"})) return ProtocolErrc::kBadPayload;
  PurchasePayload p;
  RAPPORT_TRY(const json::array* lines, detail::array_field(o, "lines"));
  if (lines->empty() || lines->size() > kMaxSaleLines) return ProtocolErrc::kBadPayload;
  std::int64_t sum = 0;
  for (const auto& v : *lines) {
    RAPPORT_TRY(const auto line, as_object(v));
    if (!has_only(line, {"product", "category", "quantity", "amount_cents", "margin_cents"})) {
      return ProtocolErrc::kBadPayload;
    }
    SaleLine l;
    RAPPORT_TRY(l.product, text_field(line, "product", kMaxShortText));
    RAPPORT_TRY(l.category, text_field(line, "category", kMaxShortText));
    RAPPORT_TRY(l.quantity, int_field(line, "quantity"));
    if (l.quantity <= 0 || l.quantity > 1'000'000) return ProtocolErrc::kBadPayload;
    RAPPORT_TRY(l.amount_cents, amount_field(line, "amount_cents"));
    if (const auto* margin = line.if_contains("margin_cents"); margin && !margin->is_null()) {
      if (!margin->is_int64()) return ProtocolErrc::kWrongShape;
      l.margin_cents = margin->get_int64();
      if (*l.margin_cents > l.amount_cents || *l.margin_cents < -kMaxAmountCents) {
        return ProtocolErrc::kBadAmount;  // a margin above the price is a typo
      }
    }
    sum += l.amount_cents;  // at most 200 lines of 1e11: no overflow
    p.lines.push_back(std::move(l));
  }
  RAPPORT_TRY(p.total_cents, amount_field(o, "total_cents"));
  if (sum != p.total_cents) return ProtocolErrc::kBadAmount;
  RAPPORT_TRY(p.receipt, optional_text_field(o, "receipt", kMaxShortText));
  return p;
}

Result<RefundPayload> refund_from(const json::object& o) {
  if (!has_only(o, {"purchase_id", "amount_cents"})) return ProtocolErrc::kBadPayload;
  RefundPayload p;
  RAPPORT_TRY(p.purchase_id, event_id_field(o, "purchase_id"));
  RAPPORT_TRY(p.amount_cents, amount_field(o, "amount_cents"));
  if (p.amount_cents == 0) return ProtocolErrc::kBadAmount;
  return p;
}

Result<VoidPayload> void_from(const json::object& o) {
  if (!has_only(o, {"purchase_id"})) return ProtocolErrc::kBadPayload;
  VoidPayload p;
  RAPPORT_TRY(p.purchase_id, event_id_field(o, "purchase_id"));
  return p;
}

Result<EnrollmentPayload> enrollment_from(const json::object& o) {
  if (!has_only(o, {"name", "birth_date", "last4", "channel", "referred_by_token", "phone",
                    "email", "marketing_consent", "personalisation_consent"})) {
    return ProtocolErrc::kBadPayload;
  }
  EnrollmentPayload p;
  RAPPORT_TRY(p.name, text_field(o, "name", kMaxShortText));
  RAPPORT_TRY(p.birth_date, optional_string_field(o, "birth_date"));
  if (p.birth_date && !is_valid_date(*p.birth_date)) return ProtocolErrc::kBadPayload;
  RAPPORT_TRY(p.last4, last4_field(o));
  RAPPORT_TRY(p.channel, optional_text_field(o, "channel", kMaxShortText));
  if (o.contains("referred_by_token") && !o.at("referred_by_token").is_null()) {
    RAPPORT_TRY(p.referred_by_token, token_field(o, "referred_by_token"));
  }
  RAPPORT_TRY(p.phone, optional_text_field(o, "phone", kMaxPhone));
  RAPPORT_TRY(p.email, optional_text_field(o, "email", kMaxShortText));
  if (p.email && p.email->find('@') == std::string::npos) return ProtocolErrc::kBadPayload;
  RAPPORT_TRY(p.marketing_consent, optional_bool_field(o, "marketing_consent"));
  RAPPORT_TRY(p.personalisation_consent, optional_bool_field(o, "personalisation_consent"));
  return p;
}

Result<RedemptionPayload> redemption_from(const json::object& o) {
  if (!has_only(o, {"reward", "points", "purchase_id", "offer_id"})) {
    return ProtocolErrc::kBadPayload;
  }
  RedemptionPayload p;
  RAPPORT_TRY(p.reward, text_field(o, "reward", kMaxShortText));
  RAPPORT_TRY(p.points, amount_field(o, "points"));
  if (p.points == 0) return ProtocolErrc::kBadAmount;
  if (o.contains("purchase_id") && !o.at("purchase_id").is_null()) {
    RAPPORT_TRY(p.purchase_id, event_id_field(o, "purchase_id"));
  }
  RAPPORT_TRY(p.offer_id, optional_text_field(o, "offer_id", kMaxShortText));
  return p;
}

constexpr std::array<std::pair<OfferResponse, std::string_view>, 3> kOfferResponses{{
    {OfferResponse::kShown, "shown"},
    {OfferResponse::kDeclined, "declined"},
    {OfferResponse::kAccepted, "accepted"},
}};

Result<OfferResponsePayload> offer_response_from(const json::object& o) {
  if (!has_only(o, {"offer_id", "outcome"})) return ProtocolErrc::kBadPayload;
  OfferResponsePayload p;
  RAPPORT_TRY(p.offer_id, text_field(o, "offer_id", kMaxShortText));
  RAPPORT_TRY(const auto outcome, string_field(o, "outcome"));
  const auto found = std::find_if(kOfferResponses.begin(), kOfferResponses.end(),
                                  [&](const auto& r) { return r.second == outcome; });
  if (found == kOfferResponses.end()) return ProtocolErrc::kBadPayload;
  p.outcome = found->first;
  return p;
}

Result<GesturePayload> gesture_from(const json::object& o) {
  if (!has_only(o, {"points", "reason", "staff"})) return ProtocolErrc::kBadPayload;
  GesturePayload p;
  RAPPORT_TRY(p.points, amount_field(o, "points"));
  if (p.points == 0) return ProtocolErrc::kBadAmount;
  RAPPORT_TRY(p.reason, text_field(o, "reason", kMaxShortText));
  RAPPORT_TRY(p.staff, text_field(o, "staff", kMaxShortText));
  return p;
}

Result<NotePayload> note_from(const json::object& o) {
  if (!has_only(o, {"topic", "text"})) return ProtocolErrc::kBadPayload;
  NotePayload p;
  RAPPORT_TRY(const auto topic, string_field(o, "topic"));
  const auto found = std::find_if(kTopics.begin(), kTopics.end(),
                                  [&](const auto& t) { return t.second == topic; });
  if (found == kTopics.end()) return ProtocolErrc::kBadPayload;
  p.topic = found->first;
  RAPPORT_TRY(p.text, text_field(o, "text", kMaxNoteText));
  return p;
}

Result<ReferralPayload> referral_from(const json::object& o) {
  if (!has_only(o, {"referred_card_token"})) return ProtocolErrc::kBadPayload;
  ReferralPayload p;
  RAPPORT_TRY(p.referred_card_token, token_field(o, "referred_card_token"));
  return p;
}

Result<CardLinkedPayload> card_linked_from(const json::object& o) {
  if (!has_only(o, {"new_card_token", "last4", "replaces_card"})) return ProtocolErrc::kBadPayload;
  CardLinkedPayload p;
  RAPPORT_TRY(p.new_card_token, token_field(o, "new_card_token"));
  RAPPORT_TRY(p.last4, last4_field(o));
  if (const auto* r = o.if_contains("replaces_card"); r != nullptr) {
    if (!r->is_bool()) return ProtocolErrc::kBadPayload;
    p.replaces_card = r->get_bool();
  }
  return p;
}

Result<CardBlockedPayload> card_blocked_from(const json::object& o) {
  if (!has_only(o, {"reason"})) return ProtocolErrc::kBadPayload;
  CardBlockedPayload p;
  RAPPORT_TRY(p.reason, text_field(o, "reason", kMaxShortText));
  return p;
}

template <typename Payload>
Result<Payload> decode_text(std::string_view text,
                            Result<Payload> (*from)(const json::object&)) {
  RAPPORT_TRY(const auto value, detail::parse_json(text));
  if (!value.is_object()) return ProtocolErrc::kBadPayload;
  return from(value.get_object());
}

json::value optional_json(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

std::string compact(const json::object& o) { return json::serialize(o); }

}  // namespace

std::string_view to_string(NoteTopic topic) {
  for (const auto& [t, name] : kTopics) {
    if (t == topic) return name;
  }
  return "other";
}

std::string encode_payload(const PurchasePayload& p) {
  json::array lines;
  for (const auto& l : p.lines) {
    json::object line{{"product", l.product},
                      {"category", l.category},
                      {"quantity", l.quantity},
                      {"amount_cents", l.amount_cents}};
    if (l.margin_cents) line["margin_cents"] = *l.margin_cents;
    lines.emplace_back(std::move(line));
  }
  json::object o{{"lines", std::move(lines)}, {"total_cents", p.total_cents}};
  if (p.receipt) o["receipt"] = *p.receipt;
  return compact(o);
}

std::string encode_payload(const RefundPayload& p) {
  return compact({{"purchase_id", p.purchase_id}, {"amount_cents", p.amount_cents}});
}

std::string encode_payload(const VoidPayload& p) {
  return compact({{"purchase_id", p.purchase_id}});
}

namespace {
// The consents, only when given (older enrollments have none).
void add_consents(json::object& o, const EnrollmentPayload& p) {
  if (p.marketing_consent) o["marketing_consent"] = *p.marketing_consent;
  if (p.personalisation_consent) o["personalisation_consent"] = *p.personalisation_consent;
}
}  // namespace

std::string encode_payload(const EnrollmentPayload& p) {
  json::object o{{"name", p.name},
                 {"birth_date", optional_json(p.birth_date)},
                 {"last4", p.last4},
                 {"channel", optional_json(p.channel)},
                 {"referred_by_token", optional_json(p.referred_by_token)}};
  if (p.phone) o["phone"] = *p.phone;
  if (p.email) o["email"] = *p.email;
  add_consents(o, p);
  return compact(o);
}

// Name, birth date, phone and email are personal data: they stay in the members table.
std::string without_personal_data(const EnrollmentPayload& p) {
  json::object o{{"last4", p.last4},
                 {"channel", optional_json(p.channel)},
                 {"referred_by_token", optional_json(p.referred_by_token)}};
  add_consents(o, p);
  return compact(o);
}

std::string without_personal_data(const NotePayload& p) {
  return compact({{"topic", to_string(p.topic)}});
}

std::string encode_payload(const RedemptionPayload& p) {
  json::object o{{"reward", p.reward}, {"points", p.points}};
  if (p.purchase_id) o["purchase_id"] = *p.purchase_id;
  if (p.offer_id) o["offer_id"] = *p.offer_id;
  return compact(o);
}

std::string_view to_string(OfferResponse outcome) {
  for (const auto& [o, name] : kOfferResponses) {
    if (o == outcome) return name;
  }
  return "shown";
}

std::string encode_payload(const OfferResponsePayload& p) {
  return compact({{"offer_id", p.offer_id}, {"outcome", to_string(p.outcome)}});
}

std::string encode_payload(const GesturePayload& p) {
  return compact({{"points", p.points}, {"reason", p.reason}, {"staff", p.staff}});
}

std::string encode_payload(const NotePayload& p) {
  return compact({{"topic", to_string(p.topic)}, {"text", p.text}});
}

std::string encode_payload(const ReferralPayload& p) {
  return compact({{"referred_card_token", p.referred_card_token}});
}

std::string encode_payload(const CardLinkedPayload& p) {
  return compact({{"new_card_token", p.new_card_token},
                    {"last4", p.last4},
                    {"replaces_card", p.replaces_card}});
}

std::string encode_payload(const CardBlockedPayload& p) {
  return compact({{"reason", p.reason}});
}

Result<PurchasePayload> decode_purchase(std::string_view payload) {
  return decode_text(payload, &purchase_from);
}

Result<RefundPayload> decode_refund(std::string_view payload) {
  return decode_text(payload, &refund_from);
}

Result<VoidPayload> decode_void(std::string_view payload) {
  return decode_text(payload, &void_from);
}

Result<RedemptionPayload> decode_redemption(std::string_view payload) {
  return decode_text(payload, &redemption_from);
}

Result<EnrollmentPayload> decode_enrollment(std::string_view payload) {
  return decode_text(payload, &enrollment_from);
}

Result<CardLinkedPayload> decode_card_linked(std::string_view payload) {
  return decode_text(payload, &card_linked_from);
}

Result<NotePayload> decode_note(std::string_view payload) {
  return decode_text(payload, &note_from);
}

Result<OfferResponsePayload> decode_offer_response(std::string_view payload) {
  return decode_text(payload, &offer_response_from);
}

Result<GesturePayload> decode_gesture(std::string_view payload) {
  return decode_text(payload, &gesture_from);
}

Result<std::string> check_payload(domain::EventKind kind, std::string_view payload) {
  RAPPORT_TRY(const auto value, detail::parse_json(payload));
  if (!value.is_object()) return ProtocolErrc::kBadPayload;
  RAPPORT_TRY_VOID(detail::check_payload_object(kind, value.get_object()));
  return json::serialize(value);
}

namespace detail {

Result<void> check_payload_object(domain::EventKind kind, const json::object& o) {
  using domain::EventKind;
  auto check = [](auto decoded) -> Result<void> {
    if (!decoded) return decoded.error();
    return {};
  };
  switch (kind) {
    case EventKind::kVisit:
      if (!o.empty()) return ProtocolErrc::kBadPayload;
      return {};
    case EventKind::kPurchase:
      return check(purchase_from(o));
    case EventKind::kRefund:
      return check(refund_from(o));
    case EventKind::kVoid:
      return check(void_from(o));
    case EventKind::kEnrollment:
      return check(enrollment_from(o));
    case EventKind::kRedemption:
      return check(redemption_from(o));
    case EventKind::kNote:
      return check(note_from(o));
    case EventKind::kReferral:
      return check(referral_from(o));
    case EventKind::kCardLinked:
      return check(card_linked_from(o));
    case EventKind::kCardBlocked:
      return check(card_blocked_from(o));
    case EventKind::kOfferResponse:
      return check(offer_response_from(o));
    case EventKind::kGesture:
      return check(gesture_from(o));
  }
  return ProtocolErrc::kUnknownEventKind;
}

}  // namespace detail
std::string sale_summary(const std::vector<SaleLine>& lines) {
  std::string summary;
  for (const auto& line : lines) {
    if (!summary.empty()) summary += ", ";
    if (line.quantity != 1) summary += std::to_string(line.quantity) + " x ";
    summary += line.product;
  }
  constexpr std::size_t kMax = 200;
  if (summary.size() > kMax) {
    summary.resize(kMax - 3);
    // Do not leave half of a UTF-8 character behind.
    while (!summary.empty() && (static_cast<unsigned char>(summary.back()) & 0xC0) == 0x80) {
      summary.pop_back();
    }
    if (!summary.empty() && static_cast<unsigned char>(summary.back()) >= 0xC0) summary.pop_back();
    summary += "...";
  }
  return summary;
}

}  // namespace rapport::protocol
