// terminal/screen/local_sales.cpp
#include "terminal/screen/local_sales.h"

namespace rapport::terminal {
namespace {

constexpr const char* kColumns =
    "SELECT event_id, member_id, occurred_at, summary, total_cents, refunded_cents "
    "FROM local_sales ";

LocalSale sale_of(const storage::Statement& row) {
  return {row.column_text(0), row.column_int64(1), row.column_text(2),
          row.column_text(3), row.column_int64(4), row.column_int64(5)};
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
  RAPPORT_TRY(auto select, db_.prepare(std::string(kColumns) + "WHERE event_id = ?1"));
  select.bind(1, event_id);
  RAPPORT_TRY(const bool row, select.step());
  if (!row) return std::optional<LocalSale>{};
  return std::optional<LocalSale>{sale_of(select)};
}

Result<void> LocalSales::add_refund(std::string_view event_id, std::int64_t cents) {
  RAPPORT_TRY(auto update, db_.prepare("UPDATE local_sales SET refunded_cents = "
                                       "refunded_cents + ?2 WHERE event_id = ?1"));
  update.bind(1, event_id).bind(2, cents);
  return update.run();
}

Result<std::vector<LocalSale>> LocalSales::recent(std::int64_t member_id, int limit) {
  RAPPORT_TRY(auto select, db_.prepare(std::string(kColumns) +
                                       "WHERE member_id = ?1 "
                                       "ORDER BY occurred_at DESC, rowid DESC LIMIT ?2"));
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
