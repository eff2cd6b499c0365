// terminal/screen/counter_actions.h
//
// What a signed-in cashier does at the till from the screen for the member on screen
// (docs/cashier-screen.md, "Sales, refunds, offers"): record a sale with its lines, refund
// one of the member's recent sales, here or at any till (whole or an amount), redeem one of their offers in
// one touch, give goodwill points. Sales and refunds go through Sales::record (the one entry
// point; it writes the outbox event and the staff_actions line in one transaction, with the
// local_sales row); offers and gestures through RewardsDesk (its balance check with the
// server, the offline limit, the gesture limit), then a staff_actions line (`redeem`,
// `gesture`) naming the cashier, written just after RewardsDesk's own transaction.
//
// Thread-safety: one thread (the screen listener's), on a Database of its own. Refund checks
// and the refund are not raced by another refund: only this thread records them.

#pragma once

#include <chrono>
#include <optional>
#include <type_traits>

#include "shared/storage/database.h"
#include "shared/util/result.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "terminal/redemption.h"
#include "terminal/sales.h"
#include "terminal/screen/local_sales.h"
#include "terminal/screen/member_panel.h"
#include "terminal/screen/sale_forms.h"
#include "terminal/screen/screen_board.h"
#include "terminal/screen/staff_pins.h"

namespace rapport::terminal {

enum class RefundErrc {
  kUnknownSale = 1,  // not one of the member's sales recorded here or sent by the server
  kAlreadyRefunded,  // all of it has been refunded already
  kTooMuch,          // more than what is left of it to refund
};

[[nodiscard]] const boost::system::error_category& refund_category() noexcept;

inline ErrorCode make_error_code(RefundErrc e) noexcept {
  return {static_cast<int>(e), refund_category()};
}

class CounterActions {
 public:
  struct Identity {
    std::string terminal_id;
    std::string store_id;
  };

  // Requires: `db` and `server` (when given) outlive this object; `db` is used on this
  // object's thread only. Without a server every redemption follows the offline rules.
  CounterActions(storage::Database& db, const Identity& identity, BalanceSource* server);

  // Requires for each: `member` is the board's target of a greeted member (card_token and
  // member_id set). Errors: the refusal (SalesErrc, ProtocolErrc, RefundErrc,
  // RedemptionErrc: its message says what to do), or a storage error (nothing recorded).
  [[nodiscard]] Result<RecordedSale> sale(const SaleForm& form, const ScanTarget& member,
                                          const StaffMember& cashier,
                                          std::chrono::system_clock::time_point now);
  [[nodiscard]] Result<RecordedSale> refund(const RefundForm& form, const ScanTarget& member,
                                            const StaffMember& cashier,
                                            std::chrono::system_clock::time_point now);
  [[nodiscard]] Result<RedeemReceipt> redeem(const RedeemForm& form, const ScanTarget& member,
                                             const StaffMember& cashier,
                                             std::chrono::system_clock::time_point now);
  // The customer said no to one of their offers: recorded `declined` (an offer_response
  // event, as the counter's `decline` command records it) with a `decline` audit line; the
  // offer leaves their list here. Returns the event id.
  [[nodiscard]] Result<std::string> decline(const RedeemForm& form, const ScanTarget& member,
                                            const StaffMember& cashier,
                                            std::chrono::system_clock::time_point now);
  [[nodiscard]] Result<RedeemReceipt> gesture(const GestureForm& form, const ScanTarget& member,
                                              const StaffMember& cashier,
                                              std::chrono::system_clock::time_point now);

  // The member panel (member_panel.h) of the member on screen.
  [[nodiscard]] Result<std::optional<boost::json::object>> panel(const ScanTarget& member) {
    return panel_.of(member.card_token);
  }

 private:
  void audit(const StaffMember& cashier, std::string_view action, const std::string& event_id,
             std::chrono::system_clock::time_point now);

  MemberCache cache_;
  Outbox outbox_;
  Sales sales_;
  RewardsDesk desk_;
  LocalSales local_;
  MemberPanel panel_;
  StaffPins audit_;
};

}  // namespace rapport::terminal

template <>
struct boost::system::is_error_code_enum<rapport::terminal::RefundErrc> : std::true_type {};
