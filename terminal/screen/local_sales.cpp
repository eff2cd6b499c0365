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

Result<void> LocalSales::keep(const RecordedSale& recorded) {
  switch (recorded.kind) {
    case domain::EventKind::kPurchase: {
      RAPPORT_TRY(const auto purchase, protocol::decode_purchase(recorded.payload));
      return add({recorded.event_id, recorded.holder.member.id, recorded.occurred_at,
                  sale_summary(purchase.lines), purchase.total_cents, 0});
    }
    case domain::EventKind::kRefund: {
      RAPPORT_TRY(const auto refund, protocol::decode_refund(recorded.payload));
      return add_refund(refund.purchase_id, refund.amount_cents);
    }
    case domain::EventKind::kVoid: {
      RAPPORT_TRY(const auto voided, protocol::decode_void(recorded.payload));
      RAPPORT_TRY(auto update, db_.prepare("UPDATE local_sales SET refunded_cents = total_cents "
                                           "WHERE event_id = ?1"));
      update.bind(1, voided.purchase_id);
      return update.run();
    }
    default:
      return {};
  }
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

}  // namespace rapport::terminal
