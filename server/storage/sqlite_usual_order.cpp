// server/storage/sqlite_usual_order.cpp
#include "server/storage/sqlite_usual_order.h"

#include <optional>
#include <set>

namespace rapport::server::sqlite {

std::string usual_order_sql(std::string_view member) {
  return "(SELECT pp.product FROM (SELECT p.event_id, p.occurred_at FROM purchases p WHERE "
         "p.member_id = " +
         std::string(member) +
         " AND NOT (p.refunded_cents > 0 AND p.refunded_cents >= p.amount_cents) ORDER BY "
         "p.occurred_at DESC, p.rowid DESC LIMIT " +
         std::to_string(kUsualOrderPurchases) +
         ") AS recent JOIN purchase_products pp ON pp.event_id = recent.event_id GROUP BY "
         "pp.product HAVING count(*) >= " +
         std::to_string(kUsualOrderMinPurchases) +
         " ORDER BY count(*) DESC, max(recent.occurred_at) DESC, pp.product LIMIT 1)";
}

Result<void> add_purchase_products(storage::Database& db, const std::string& purchase_id,
                                   const protocol::PurchasePayload& purchase) {
  RAPPORT_TRY(auto insert, db.prepare("INSERT OR IGNORE INTO purchase_products(event_id, "
                                      "product) VALUES (?1, ?2)"));
  std::set<std::string_view> products;
  for (const auto& line : purchase.lines) {
    if (!products.insert(line.product).second) continue;
    RAPPORT_TRY_VOID(insert.bind(1, purchase_id).bind(2, line.product).run());
  }
  return {};
}

Result<bool> UsualOrders::update(std::int64_t member_id) {
  if (!derive_) {
    RAPPORT_TRY(derive_, db_.prepare("SELECT " + usual_order_sql("?1")));
    RAPPORT_TRY(store_, db_.prepare("UPDATE members SET usual_order = ?2 WHERE id = ?1 AND "
                                    "erased_at IS NULL AND usual_order IS NOT ?2"));
  }
  derive_->bind(1, member_id);
  auto row = derive_->step();
  if (!row) {
    derive_->reset();
    return {boost::system::in_place_error, row.error()};
  }
  std::optional<std::string> usual;
  if (*row) usual = derive_->column_optional_text(0);
  derive_->reset();
  RAPPORT_TRY_VOID(store_->bind(1, member_id).bind_optional(2, usual).run());
  return db_.changes() > 0;
}

Result<bool> update_usual_order(storage::Database& db, std::int64_t member_id) {
  UsualOrders orders(db);
  return orders.update(member_id);
}

}  // namespace rapport::server::sqlite
