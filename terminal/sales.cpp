// terminal/sales.cpp
#include "terminal/sales.h"

#include <spdlog/spdlog.h>

#include "shared/domain/event_id.h"
#include "shared/util/clock.h"
#include "shared/util/error_category.h"
#include "terminal/screen/staff_pins.h"

namespace rapport::terminal {
namespace {

const char* describe(int value) {
  switch (static_cast<SalesErrc>(value)) {
    case SalesErrc::kNoCustomer:
      return "say who the sale is for: one card or one member";
    case SalesErrc::kUnknownCard:
      return "this card is not known to this store: enroll it first";
    case SalesErrc::kUnknownMember:
      return "no member with this id in this store";
    case SalesErrc::kBlockedCard:
      return "this card is blocked (reported lost or replaced): ask for the member's current "
             "card";
    case SalesErrc::kNoActiveCard:
      return "this member holds no card that is not blocked: link a new card first";
  }
  return "unknown sales error";
}

struct Encoded {
  domain::EventKind kind;
  std::string payload;
  std::string_view action;  // for staff_actions
};

Encoded encode(SaleAction& action) {
  if (auto* purchase = std::get_if<protocol::PurchasePayload>(&action)) {
    // The total is the lines' sum by definition; checked again (overflow, bounds) below.
    std::int64_t total = 0;
    for (const auto& line : purchase->lines) {
      if (line.amount_cents < 0 || line.amount_cents > protocol::kMaxAmountCents) break;
      total += line.amount_cents;
    }
    purchase->total_cents = total;
    return {domain::EventKind::kPurchase, protocol::encode_payload(*purchase), "purchase"};
  }
  if (auto* refund = std::get_if<protocol::RefundPayload>(&action)) {
    return {domain::EventKind::kRefund, protocol::encode_payload(*refund), "refund"};
  }
  return {domain::EventKind::kVoid, protocol::encode_payload(std::get<protocol::VoidPayload>(action)),
          "void"};
}

}  // namespace

const boost::system::error_category& sales_category() noexcept {
  static const NamedErrorCategory category("rapport.sales", &describe);
  return category;
}

Result<CardHolder> Sales::holder_of_member(std::int64_t member_id) {
  RAPPORT_TRY(auto card, db_.prepare("SELECT c.token FROM cards c WHERE c.member_id = ?1 "
                                     "ORDER BY (c.status = 'blocked'), c.rowid LIMIT 1"));
  card.bind(1, member_id);
  RAPPORT_TRY(const bool has_card, card.step());
  if (!has_card) {
    RAPPORT_TRY(auto member, db_.prepare("SELECT 1 FROM members WHERE id = ?1"));
    member.bind(1, member_id);
    RAPPORT_TRY(const bool known, member.step());
    return make_error_code(known ? SalesErrc::kNoActiveCard : SalesErrc::kUnknownMember);
  }
  RAPPORT_TRY(auto holder, cache_.find_by_token(card.column_text(0)));
  if (!holder) return make_error_code(SalesErrc::kUnknownMember);
  if (holder->card.status == domain::CardStatus::kBlocked) {
    return make_error_code(SalesErrc::kNoActiveCard);
  }
  return *holder;
}

Result<CardHolder> Sales::resolve(const SaleCustomer& customer) {
  if (customer.card_token.has_value() == customer.member_id.has_value()) {
    return make_error_code(SalesErrc::kNoCustomer);
  }
  if (customer.member_id) return holder_of_member(*customer.member_id);
  RAPPORT_TRY(auto holder, cache_.find_by_token(*customer.card_token));
  if (!holder) return make_error_code(SalesErrc::kUnknownCard);
  if (holder->card.status == domain::CardStatus::kBlocked) {
    return make_error_code(SalesErrc::kBlockedCard);
  }
  return *holder;
}

Result<RecordedSale> Sales::record(const SaleCustomer& customer, SaleAction action,
                                   std::optional<std::int64_t> staff_id,
                                   std::chrono::system_clock::time_point now,
                                   const SaleAlsoInTransaction& also) {
  const Encoded encoded = encode(action);
  RAPPORT_TRY(auto payload, protocol::check_payload(encoded.kind, encoded.payload));
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  RAPPORT_TRY(auto holder, resolve(customer));

  RecordedSale sale;
  sale.event_id = domain::new_event_id();
  sale.kind = encoded.kind;
  sale.payload = std::move(payload);
  sale.occurred_at = to_iso8601(now);

  domain::Event event;
  event.id = sale.event_id;
  event.kind = sale.kind;
  event.terminal_id = identity_.terminal_id;
  event.store_id = identity_.store_id;
  event.card_token = holder.card.token;
  event.member_id = holder.member.id;
  event.occurred_at = sale.occurred_at;
  event.payload = sale.payload;
  sale.holder = std::move(holder);

  RAPPORT_TRY_VOID(outbox_.append(event));
  if (staff_id) {
    StaffPins audit(db_);
    RAPPORT_TRY_VOID(audit.record(staff_id, encoded.action, sale.event_id, now));
  }
  if (also) RAPPORT_TRY_VOID(also(sale));
  RAPPORT_TRY_VOID(tx.commit());
  spdlog::info("{} {} recorded for member {}", encoded.action, sale.event_id, sale.holder.member.id);
  return sale;
}

}  // namespace rapport::terminal
