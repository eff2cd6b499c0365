// server/storage/sqlite_store_equity.cpp
#include "server/storage/sqlite_store_equity.h"

namespace rapport::server::sqlite {

void StoreEquityChanges::add(std::string_view home_store, const std::optional<Before>& before,
                             std::int64_t lifetime_value_cents, double p_alive) {
  auto at = parts_.find(home_store);
  if (at == parts_.end()) at = parts_.emplace(std::string(home_store), Parts{}).first;
  Parts& p = at->second;
  if (!before) {
    ++p.members;
    ++p.new_members;
    p.new_cents += lifetime_value_cents;
    p.equity += lifetime_value_cents;
    return;
  }
  const std::int64_t change = lifetime_value_cents - before->lifetime_value_cents;
  p.equity += change;
  if (before->p_alive >= kLostPAlive && p_alive < kLostPAlive) {
    ++p.lost_members;
    p.lost_cents += change;
  } else if (change > 0) {
    p.growth += change;
  } else {
    p.decline += change;
  }
}

Result<void> StoreEquityChanges::write(std::int64_t refresh_id, const std::string& as_of) {
  RAPPORT_TRY(auto last, db_->prepare("SELECT members, equity_cents FROM store_equity WHERE "
                                      "store_id = ?1 ORDER BY refresh_id DESC LIMIT 1"));
  RAPPORT_TRY(auto insert,
              db_->prepare("INSERT INTO store_equity(refresh_id, as_of, store_id, members, "
                           "equity_cents, new_members, new_cents, growth_cents, decline_cents, "
                           "lost_members, lost_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                           "?9, ?10, ?11)"));
  for (const auto& [store, p] : parts_) {
    last.reset();
    last.bind(1, std::string_view(store));
    RAPPORT_TRY(const bool had, last.step());
    const std::int64_t members = (had ? last.column_int64(0) : 0) + p.members;
    const std::int64_t equity = (had ? last.column_int64(1) : 0) + p.equity;
    RAPPORT_TRY_VOID(insert.bind(1, refresh_id)
                         .bind(2, std::string_view(as_of))
                         .bind(3, std::string_view(store))
                         .bind(4, members)
                         .bind(5, equity)
                         .bind(6, p.new_members)
                         .bind(7, p.new_cents)
                         .bind(8, p.growth)
                         .bind(9, p.decline)
                         .bind(10, p.lost_members)
                         .bind(11, p.lost_cents)
                         .run());
  }
  return {};
}

}  // namespace rapport::server::sqlite
