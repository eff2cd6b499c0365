// server/storage/sqlite_store_equity.cpp
#include "server/storage/sqlite_store_equity.h"

#include <algorithm>

#include "shared/storage/storage_errc.h"

namespace rapport::server::sqlite {
namespace {

std::size_t index_of(std::vector<std::string>& stores,
                     std::map<std::string, std::size_t, std::less<>>& index, std::string store) {
  const auto [it, added] = index.try_emplace(store, stores.size());
  if (added) stores.push_back(std::move(store));
  return it->second;
}

}  // namespace

Result<StoreEquityChanges> StoreEquityChanges::start(storage::Database& db, bool full) {
  StoreEquityChanges changes(db);
  changes.full_ = full;
  if (!full) return changes;
  RAPPORT_TRY(auto read, db.prepare("SELECT id, home_store FROM members ORDER BY id"));
  for (;;) {
    RAPPORT_TRY(const bool row, read.step());
    if (!row) break;
    changes.homes_.emplace_back(read.column_int64(0),
                                index_of(changes.stores_, changes.index_, read.column_text(1)));
  }
  return changes;
}

Result<std::size_t> StoreEquityChanges::store_of(std::int64_t member_id) {
  const auto it = std::lower_bound(homes_.begin(), homes_.end(), member_id,
                                   [](const auto& home, std::int64_t id) { return home.first < id; });
  if (it != homes_.end() && it->first == member_id) return it->second;
  if (!lookup_) {
    RAPPORT_TRY(auto read, db_->prepare("SELECT home_store FROM members WHERE id = ?1"));
    lookup_.emplace(std::move(read));
  }
  lookup_->reset();
  lookup_->bind(1, member_id);
  RAPPORT_TRY(const bool row, lookup_->step());
  // A snapshot always has its member (a foreign key): this is a damaged file.
  if (!row) return storage::make_error_code(storage::StorageErrc::kCorrupt);
  const std::size_t store = index_of(stores_, index_, lookup_->column_text(0));
  homes_.insert(it, {member_id, store});
  return store;
}

Result<void> StoreEquityChanges::add(std::int64_t member_id, const std::optional<Before>& before,
                                     std::int64_t lifetime_value_cents, double p_alive) {
  RAPPORT_TRY(const std::size_t store, store_of(member_id));
  Parts& p = parts_[store];
  if (!before) {
    ++p.members;
    ++p.new_members;
    p.new_cents += lifetime_value_cents;
    p.equity += lifetime_value_cents;
    return {};
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
  return {};
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
    last.bind(1, std::string_view(stores_[store]));
    RAPPORT_TRY(const bool had, last.step());
    const std::int64_t members = (had ? last.column_int64(0) : 0) + p.members;
    const std::int64_t equity = (had ? last.column_int64(1) : 0) + p.equity;
    RAPPORT_TRY_VOID(insert.bind(1, refresh_id)
                         .bind(2, std::string_view(as_of))
                         .bind(3, std::string_view(stores_[store]))
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
