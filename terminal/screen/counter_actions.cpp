// terminal/screen/counter_actions.cpp
#include "terminal/screen/counter_actions.h"

#include <spdlog/spdlog.h>

#include "shared/util/error_category.h"

namespace rapport::terminal {
namespace {

const char* describe(int value) {
  switch (static_cast<RefundErrc>(value)) {
    case RefundErrc::kUnknownSale:
      return "that sale is not one of this member's recent sales - choose one from the list";
    case RefundErrc::kAlreadyRefunded:
      return "that sale has been refunded already - nothing is left to refund";
    case RefundErrc::kTooMuch:
      return "that is more than what is left of the sale to refund - refund less, or leave "
             "the amount empty for the rest";
  }
  return "unknown refund error";
}

}  // namespace

const boost::system::error_category& refund_category() noexcept {
  static const NamedErrorCategory category("rapport.screen.refund", &describe);
  return category;
}

CounterActions::CounterActions(storage::Database& db, const Identity& identity,
                               BalanceSource* server)
    : cache_(db),
      outbox_(db),
      sales_({identity.terminal_id, identity.store_id}, db, cache_, outbox_),
      desk_({identity.terminal_id, identity.store_id}, db, cache_, outbox_, server),
      local_(db),
      panel_(db),
      audit_(db) {}

Result<RecordedSale> CounterActions::sale(const SaleForm& form, const ScanTarget& member,
                                          const StaffMember& cashier,
                                          std::chrono::system_clock::time_point now) {
  protocol::PurchasePayload purchase;
  purchase.lines = form.lines;
  return sales_.record(SaleCustomer{member.card_token, std::nullopt}, std::move(purchase),
                       cashier.id, now,
                       [&](const RecordedSale& recorded) { return local_.keep(recorded); });
}

Result<RecordedSale> CounterActions::refund(const RefundForm& form, const ScanTarget& member,
                                            const StaffMember& cashier,
                                            std::chrono::system_clock::time_point now) {
  RAPPORT_TRY(const auto sale, local_.find(form.sale));
  if (!sale || !member.member_id || sale->member_id != *member.member_id) {
    return make_error_code(RefundErrc::kUnknownSale);
  }
  const std::int64_t left = sale->total_cents - sale->refunded_cents;
  if (left <= 0) return make_error_code(RefundErrc::kAlreadyRefunded);
  const std::int64_t amount = form.amount_cents.value_or(left);
  if (amount > left) return make_error_code(RefundErrc::kTooMuch);
  return sales_.record(
      SaleCustomer{member.card_token, std::nullopt},
      protocol::RefundPayload{sale->event_id, amount}, cashier.id, now,
      [&](const RecordedSale& recorded) { return local_.keep(recorded); });
}

Result<RedeemReceipt> CounterActions::redeem(const RedeemForm& form, const ScanTarget& member,
                                             const StaffMember& cashier,
                                             std::chrono::system_clock::time_point now) {
  RedeemRequest request;
  request.offer_id = form.offer_id;
  RAPPORT_TRY(auto receipt, desk_.redeem(member.card_token, request, now));
  audit(cashier, "redeem", receipt.event_id, now);
  return receipt;
}

Result<std::string> CounterActions::decline(const RedeemForm& form, const ScanTarget& member,
                                            const StaffMember& cashier,
                                            std::chrono::system_clock::time_point now) {
  RAPPORT_TRY(auto event_id, desk_.decline(member.card_token, form.offer_id, now));
  audit(cashier, "decline", event_id, now);
  return event_id;
}

Result<RedeemReceipt> CounterActions::gesture(const GestureForm& form, const ScanTarget& member,
                                              const StaffMember& cashier,
                                              std::chrono::system_clock::time_point now) {
  RAPPORT_TRY(auto receipt,
              desk_.give_gesture(member.card_token, cashier.name, form.points, form.reason, now));
  audit(cashier, "gesture", receipt.event_id, now);
  return receipt;
}

void CounterActions::audit(const StaffMember& cashier, std::string_view action,
                           const std::string& event_id, std::chrono::system_clock::time_point now) {
  // The event is recorded already (RewardsDesk committed it): a missing audit line is logged,
  // not a reason to tell the cashier it failed.
  if (auto r = audit_.record(cashier.id, action, event_id, now); !r) {
    spdlog::error("cashier screen: {} {} recorded, but not who did it ({}): {}", action, event_id,
                  cashier.name, r.error().message());
  }
}

}  // namespace rapport::terminal
