// server/storage/sqlite_acquisition_days.cpp
#include "server/storage/sqlite_acquisition_days.h"

#include <algorithm>
#include <unordered_map>

namespace rapport::server::sqlite {

Result<void> AcquisitionValueChanges::load(bool full) {
  full_ = full;
  {
    // Stores and regions first: a few hundred rows, read once.
    RAPPORT_TRY(auto stores, db_->prepare("SELECT id, coalesce(region, '') FROM stores"));
    std::unordered_map<std::string, std::int32_t> region_index;
    for (;;) {
      RAPPORT_TRY(const bool row, stores.step());
      if (!row) break;
      std::int32_t region_at = -1;
      if (std::string region = stores.column_text(1); !region.empty()) {
        auto [at, added] =
            region_index.try_emplace(region, static_cast<std::int32_t>(regions_.size()));
        if (added) regions_.push_back(std::move(region));
        region_at = at->second;
      }
      store_index_.emplace(stores.column_text(0), static_cast<std::int32_t>(stores_.size()));
      stores_.push_back(stores.column_text(0));
      store_region_.push_back(region_at);
    }
  }
  if (!full) return {};
  RAPPORT_TRY(auto largest, db_->prepare("SELECT coalesce(max(id), 0) FROM members"));
  RAPPORT_TRY(const bool any, largest.step());
  if (!any) return {};
  places_.assign(static_cast<std::size_t>(std::max<std::int64_t>(largest.column_int64(0), 0)) + 1,
                 Place{});
  // In index order: a day and channel run on for many members, so each is looked up once.
  RAPPORT_TRY(auto members,
              db_->prepare("SELECT id, coalesce(enrolled_on, ''), coalesce(channel, ''), "
                           "home_store FROM members INDEXED BY members_acquired "
                           "WHERE merged_into IS NULL"));
  std::string day, channel;
  std::int32_t key = -1;
  for (;;) {
    RAPPORT_TRY(const bool row, members.step());
    if (!row) break;
    const std::int64_t id = members.column_int64(0);
    if (id < 0 || static_cast<std::size_t>(id) >= places_.size()) continue;
    std::string d = members.column_text(1);
    std::string c = members.column_text(2);
    if (key < 0 || d != day || c != channel) {
      day = std::move(d);
      channel = std::move(c);
      key = key_of(day, channel);
    }
    const auto store = store_index_.find(members.column_text(3));
    places_[static_cast<std::size_t>(id)] =
        store == store_index_.end()
            ? Place{key, -1, -1}
            : Place{key, store_region_[static_cast<std::size_t>(store->second)], store->second};
  }
  return {};
}

std::int32_t AcquisitionValueChanges::key_of(const std::string& day, const std::string& channel) {
  std::string name = day;
  name += '\x1f';
  name += channel;
  auto [at, added] =
      key_index_.try_emplace(std::move(name), static_cast<std::int32_t>(keys_.size()));
  if (added) {
    keys_.emplace_back(day, channel);
    changes_.resize(keys_.size() * (regions_.size() + 1));
  }
  return at->second;
}

Result<AcquisitionValueChanges::Place> AcquisitionValueChanges::look_up(std::int64_t member_id) {
  if (full_) {
    if (member_id < 0 || static_cast<std::size_t>(member_id) >= places_.size()) return Place{};
    return places_[static_cast<std::size_t>(member_id)];
  }
  if (!member_) {
    RAPPORT_TRY(member_, db_->prepare("SELECT coalesce(enrolled_on, ''), coalesce(channel, ''), "
                                      "home_store FROM members WHERE id = ?1 AND "
                                      "merged_into IS NULL"));
  }
  auto& member = *member_;
  member.reset();
  member.bind(1, member_id);
  RAPPORT_TRY(const bool row, member.step());
  if (!row) return Place{};
  const auto store = store_index_.find(member.column_text(2));
  const Place place =
      store == store_index_.end()
          ? Place{key_of(member.column_text(0), member.column_text(1)), -1, -1}
          : Place{key_of(member.column_text(0), member.column_text(1)),
                  store_region_[static_cast<std::size_t>(store->second)], store->second};
  member.reset();
  return place;
}

AcquisitionValueChanges::Change& AcquisitionValueChanges::change(std::int32_t key,
                                                                  std::int32_t scope) {
  return changes_[static_cast<std::size_t>(key) * (regions_.size() + 1) +
                  static_cast<std::size_t>(scope)];
}

Result<void> AcquisitionValueChanges::add(std::int64_t member_id,
                                          std::optional<std::int64_t> before, std::int64_t after) {
  RAPPORT_TRY(const Place place, look_up(member_id));
  if (place.key < 0) return {};
  const Change delta{before ? 0 : 1, after - before.value_or(0)};
  if (delta.valued == 0 && delta.cents == 0) return {};
  const auto apply = [&](std::int32_t scope) {
    Change& c = change(place.key, scope);
    c.valued += delta.valued;
    c.cents += delta.cents;
  };
  apply(0);
  if (place.region >= 0) apply(place.region + 1);
  return {};
}

Result<void> AcquisitionValueChanges::write() {
  RAPPORT_TRY(auto upsert,
              db_->prepare("INSERT INTO acquisition_days(scope, day, channel, valued, "
                           "lifetime_value_cents) VALUES (?1, ?2, ?3, ?4, ?5) "
                           "ON CONFLICT(scope, day, channel) DO UPDATE SET "
                           "valued = valued + excluded.valued, "
                           "lifetime_value_cents = lifetime_value_cents + "
                           "excluded.lifetime_value_cents"));
  for (std::size_t key = 0; key < keys_.size(); ++key) {
    for (std::size_t scope = 0; scope <= regions_.size(); ++scope) {
      const Change& c = changes_[key * (regions_.size() + 1) + scope];
      if (c.valued == 0 && c.cents == 0) continue;
      const std::string_view name =
          scope == 0 ? std::string_view("") : std::string_view(regions_[scope - 1]);
      RAPPORT_TRY_VOID(upsert.bind(1, name)
                           .bind(2, std::string_view(keys_[key].first))
                           .bind(3, std::string_view(keys_[key].second))
                           .bind(4, c.valued)
                           .bind(5, c.cents)
                           .run());
    }
  }
  return {};
}

Result<std::optional<std::string>> AcquisitionValueChanges::counted_home_store(
    std::int64_t member_id) {
  RAPPORT_TRY(const Place place, look_up(member_id));
  if (place.key < 0 || place.store < 0) return std::optional<std::string>();
  return std::optional<std::string>(stores_[static_cast<std::size_t>(place.store)]);
}

}  // namespace rapport::server::sqlite
