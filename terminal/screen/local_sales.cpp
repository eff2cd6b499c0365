// terminal/screen/local_sales.cpp
#include "terminal/screen/local_sales.h"

#include <initializer_list>
#include <string>

namespace rapport::terminal {
namespace {

// The sales recorded here (local_sales) and the member's recent purchases at other tills as
// the server sent them (member_purchases, terminal migration 12), each purchase once: a sale
// of this terminal that came back from the server is its local row, refunded by the larger
// of the two counts (refunded here, or at another till as the server last said). `filter`
// is the condition on `member_id` or `event_id` with ?1, the same for both halves.
std::string sales_query(std::string_view filter) {
  const std::string where(filter);
  return "SELECT event_id, member_id, occurred_at, summary, total_cents, refunded_cents, "
         "store_id FROM ("
         "SELECT l.event_id, l.member_id, l.occurred_at, l.summary, l.total_cents, "
         "  max(l.refunded_cents, coalesce((SELECT max(p.refunded_cents) FROM member_purchases p "
         "    WHERE p.event_id = l.event_id), 0)) AS refunded_cents, '' AS store_id, "
         "  l.rowid AS here "
         "FROM local_sales l WHERE l." + where +
         " UNION ALL "
         "SELECT p.event_id, p.member_id, p.occurred_at, p.summary, p.total_cents, "
         "  p.refunded_cents, p.store_id, -1 AS here "
         "FROM member_purchases p WHERE p." + where +
         " AND NOT EXISTS (SELECT 1 FROM local_sales l WHERE l.event_id = p.event_id)) ";
}

LocalSale sale_of(const storage::Statement& row) {
  return {row.column_text(0), row.column_int64(1), row.column_text(2), row.column_text(3),
          row.column_int64(4), row.column_int64(5), row.column_text(6)};
}

}  // namespace

Result<void> LocalSales::add(const LocalSale& sale) {
  RAPPORT_TRY(auto insert, db_.prepare("INSERT INTO local_sales(event_id, member_id, "
                                       "occurred_at, summary, total_cents, refunded_cents) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  insert.bind(1, sale.event_id)
      .bind(2, sale.member_id)
      .bind(3, sale.occurred_at)
      .bind(4, sale.summary)
      .bind(5, sale.total_cents)
      .bind(6, sale.refunded_cents);
  return insert.run();
}

Result<std::optional<LocalSale>> LocalSales::find(std::string_view event_id) {
  RAPPORT_TRY(auto select, db_.prepare(sales_query("event_id = ?1") + "LIMIT 1"));
  select.bind(1, event_id);
  RAPPORT_TRY(const bool row, select.step());
  if (!row) return std::optional<LocalSale>{};
  return std::optional<LocalSale>{sale_of(select)};
}

Result<void> LocalSales::keep(const RecordedSale& recorded) {
  switch (recorded.kind) {
    case domain::EventKind::kPurchase: {
      RAPPORT_TRY(const auto purchase, protocol::decode_purchase(recorded.payload));
      return add({recorded.event_id, recorded.holder.member.id, recorded.occurred_at,
                  protocol::sale_summary(purchase.lines), purchase.total_cents, 0});
    }
    case domain::EventKind::kRefund: {
      RAPPORT_TRY(const auto refund, protocol::decode_refund(recorded.payload));
      return add_refund(refund.purchase_id, refund.amount_cents);
    }
    case domain::EventKind::kVoid: {
      RAPPORT_TRY(const auto voided, protocol::decode_void(recorded.payload));
      for (const auto* table : {"local_sales", "member_purchases"}) {
        RAPPORT_TRY(auto update, db_.prepare(std::string("UPDATE ") + table +
                                             " SET refunded_cents = total_cents "
                                             "WHERE event_id = ?1"));
        RAPPORT_TRY_VOID(update.bind(1, voided.purchase_id).run());
      }
      return {};
    }
    default:
      return {};
  }
}

Result<void> LocalSales::add_refund(std::string_view event_id, std::int64_t cents) {
  // Both copies: a sale of this terminal may be in member_purchases too (back from the server).
  for (const auto* table : {"local_sales", "member_purchases"}) {
    RAPPORT_TRY(auto update, db_.prepare(std::string("UPDATE ") + table +
                                         " SET refunded_cents = min(total_cents, "
                                         "refunded_cents + ?2) WHERE event_id = ?1"));
    RAPPORT_TRY_VOID(update.bind(1, event_id).bind(2, cents).run());
  }
  return {};
}

Result<std::vector<LocalSale>> LocalSales::recent(std::int64_t member_id, int limit) {
  RAPPORT_TRY(auto select, db_.prepare(sales_query("member_id = ?1") +
                                       "ORDER BY occurred_at DESC, here DESC LIMIT ?2"));
  select.bind(1, member_id).bind(2, std::int64_t{limit});
  std::vector<LocalSale> sales;
  while (true) {
    RAPPORT_TRY(const bool row, select.step());
    if (!row) break;
    sales.push_back(sale_of(select));
  }
  return sales;
}

}  // namespace rapport::terminal
