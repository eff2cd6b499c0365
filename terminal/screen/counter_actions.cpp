// terminal/screen/counter_actions.cpp
#include "terminal/screen/counter_actions.h"

#include <spdlog/spdlog.h>

#include "shared/util/error_category.h"

namespace rapport::terminal {
namespace {

const char* describe(int value) {
  switch (static_cast<RefundErrc>(value)) {
    case RefundErrc::kUnknownSale:
      return "that sale is not one of this member's sales at this terminal - choose one from "
             "the list";
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

std::string sale_summary(const std::vector<protocol::SaleLine>& lines) {
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
  const std::string summary = sale_summary(form.lines);
  return sales_.record(SaleCustomer{member.card_token, std::nullopt}, std::move(purchase),
                       cashier.id, now, [&](const RecordedSale& recorded) -> Result<void> {
                         RAPPORT_TRY(const auto stored,
                                     protocol::decode_purchase(recorded.payload));
                         return local_.add({recorded.event_id, recorded.holder.member.id,
                                            recorded.occurred_at, summary, stored.total_cents, 0});
                       });
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
      [&](const RecordedSale&) { return local_.add_refund(sale->event_id, amount); });
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
