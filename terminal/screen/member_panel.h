// terminal/screen/member_panel.h
//
// What the cashier's screen shows of the member on screen that changes while they stand at
// the counter (docs/cashier-screen.md, "The member panel"): their points as this terminal
// knows them (the server's last balance with what the outbox still owes it), their visits
// (the server's count with the visits waiting here), today's offers with what each still
// needs ("N points to go"), and their recent sales, at this terminal or at any till of the
// chain as the server sent them (local_sales.h), with what may still be refunded. Sent with the scan and again with every status event, so a sale, a refund, a
// redemption or a sync shows without a reload. Reads only: nothing is recorded here (the
// offers were recorded `shown` once, when the counter greeted the member).
//
// Thread-safety: one thread, on a Database of that thread.

#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "shared/storage/database.h"
#include "shared/util/result.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "terminal/screen/local_sales.h"

namespace rapport::terminal {

class MemberPanel {
 public:
  // Requires: `db` outlives this object.
  explicit MemberPanel(storage::Database& db) : cache_(db), outbox_(db), sales_(db) {}

  // {"points_balance"?, "visit_count", "offers": [{"id", "name", "kind", "points", "to_go"}],
  //  "sales": [{"id", "at", "summary", "total_cents", "refundable_cents", "store"}]} for the
  // member holding `card_token` (a sale's store: where it was rung up, "" for this terminal);
  // nullopt when the card has no member here. points_balance is absent while the server has
  // sent none and nothing is owed.
  [[nodiscard]] Result<std::optional<boost::json::object>> of(const std::string& card_token);

  static constexpr int kSalesShown = 5;

 private:
  MemberCache cache_;
  Outbox outbox_;
  LocalSales sales_;
};

}  // namespace rapport::terminal
