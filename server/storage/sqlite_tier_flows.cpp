// server/storage/sqlite_tier_flows.cpp
#include "server/storage/sqlite_tier_flows.h"

#include <algorithm>
#include <string>

namespace rapport::server::sqlite {
namespace {

constexpr std::int64_t kPack = 1 << 10;  // stores, tiers: well under this many of each

// Migration 24's own backfill (sqlite_schema.h holds the same text; a test checks), from
// tier_history.
constexpr std::string_view kBackfill = R"sql(
INSERT INTO tier_moves(place, day, from_tier, to_tier, members)
  SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || m.home_store ELSE 'r:' || s.region END,
    c.day, c.from_tier, c.to_tier, count(*)
  FROM (SELECT member_id, day, from_tier, to_tier FROM (SELECT member_id,
      substr(changed_at, 1, 10) AS day, tier AS to_tier, coalesce(LAG(tier) OVER
      (PARTITION BY member_id ORDER BY changed_at, rowid), '') AS from_tier FROM tier_history)
    WHERE from_tier <> to_tier) c
  JOIN members m ON m.id = c.member_id LEFT JOIN stores s ON s.id = m.home_store
  JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
  WHERE k.k < 2 OR s.region <> '' GROUP BY 1, 2, 3, 4;
INSERT INTO tier_retierings(member_id, day, previous_day, from_tier, to_tier, home_store)
  SELECT member_id, day, previous_day, from_tier, to_tier,
    (SELECT home_store FROM members WHERE id = member_id) FROM (SELECT member_id, day,
      from_tier, to_tier, changed_at, id,
      LAG(day) OVER (PARTITION BY member_id ORDER BY changed_at, id) AS previous_day
    FROM (SELECT member_id, changed_at, rowid AS id, substr(changed_at, 1, 10) AS day,
        tier AS to_tier, coalesce(LAG(tier) OVER (PARTITION BY member_id
        ORDER BY changed_at, rowid), '') AS from_tier FROM tier_history)
    WHERE from_tier <> to_tier)
  WHERE from_tier <> '' AND member_id IN (SELECT id FROM members)
  ORDER BY member_id, changed_at, id;
)sql";

}  // namespace

std::string_view tier_flows_backfill_sql() { return kBackfill; }

std::int32_t TierFlowChanges::index_of(std::vector<std::string>& names, std::string_view name) {
  const auto at = std::find(names.begin(), names.end(), name);
  if (at != names.end()) return static_cast<std::int32_t>(at - names.begin());
  names.emplace_back(name);
  return static_cast<std::int32_t>(names.size() - 1);
}

void TierFlowChanges::add(std::int64_t member_id, std::optional<std::string_view> before,
                          std::string_view tier, const std::optional<std::string>& home_store) {
  if (before && *before == tier) return;
  if (tiers_.empty()) tiers_.emplace_back();
  const std::int32_t from = before ? index_of(tiers_, *before) : 0;
  const std::int32_t to = index_of(tiers_, tier);
  if (!home_store) return;
  // Hundreds of stores, a million first tiers on the first refresh: a hash, not a search.
  const auto [at, added] =
      store_index_.try_emplace(*home_store, static_cast<std::int32_t>(stores_.size()));
  if (added) stores_.push_back(*home_store);
  const std::int32_t store = at->second;
  if (before) retiered_.push_back({member_id, from, to, store});
  ++moves_[(store * kPack + from) * kPack + to];
}

Result<void> TierFlowChanges::write(std::string_view day) {
  RAPPORT_TRY(auto state, db_->prepare("SELECT stale FROM tier_flows_state"));
  RAPPORT_TRY(const bool row, state.step());
  const bool stale = row && state.column_int64(0) != 0;
  state.reset();
  if (stale) return rebuild_tier_flows(*db_);

  RAPPORT_TRY(auto upsert,
              db_->prepare("INSERT INTO tier_moves(place, day, from_tier, to_tier, members) "
                           "SELECT p.place, ?2, ?3, ?4, ?5 FROM (SELECT '' AS place "
                           "UNION ALL SELECT 's:' || ?1 UNION ALL SELECT 'r:' || region FROM "
                           "stores WHERE id = ?1 AND region <> '') p WHERE 1 "
                           "ON CONFLICT(place, day, from_tier, to_tier) DO UPDATE SET "
                           "members = members + excluded.members"));
  for (const auto& [packed, members] : moves_) {
    const auto to = static_cast<std::size_t>(packed % kPack);
    const auto from = static_cast<std::size_t>((packed / kPack) % kPack);
    const auto store = static_cast<std::size_t>(packed / kPack / kPack);
    RAPPORT_TRY_VOID(upsert.bind(1, std::string_view(stores_[store]))
                         .bind(2, day)
                         .bind(3, std::string_view(tiers_[from]))
                         .bind(4, std::string_view(tiers_[to]))
                         .bind(5, members)
                         .run());
  }
  // The previous change: the member's latest change from a tier, else their first tier.
  RAPPORT_TRY(auto retiered,
              db_->prepare("INSERT INTO tier_retierings(member_id, day, previous_day, "
                           "from_tier, to_tier, home_store) SELECT ?1, ?2, coalesce((SELECT "
                           "max(day) FROM tier_retierings WHERE member_id = ?1), (SELECT "
                           "substr(min(changed_at), 1, 10) FROM tier_history WHERE member_id = "
                           "?1), ?2), ?3, ?4, ?5"));
  for (const Retiering& r : retiered_) {
    RAPPORT_TRY_VOID(retiered.bind(1, r.member_id)
                         .bind(2, day)
                         .bind(3, std::string_view(tiers_[static_cast<std::size_t>(r.from)]))
                         .bind(4, std::string_view(tiers_[static_cast<std::size_t>(r.to)]))
                         .bind(5, std::string_view(stores_[static_cast<std::size_t>(r.store)]))
                         .run());
  }
  return {};
}

Result<void> rebuild_tier_flows(storage::Database& db) {
  return db.execute("DELETE FROM tier_moves; DELETE FROM tier_retierings;" + std::string(kBackfill) +
                    "UPDATE tier_flows_state SET stale = 0;");
}

}  // namespace rapport::server::sqlite
