// server/storage/sqlite_rewards_days.cpp
#include "server/storage/sqlite_rewards_days.h"

#include <algorithm>
#include <string>

namespace rapport::server::sqlite {
namespace {

constexpr std::int64_t kPack = 1 << 10;  // stores, tiers: well under this many of each

// Migration 26's own backfill (sqlite_schema.h holds the same text; a test checks).
constexpr std::string_view kBackfill = R"sql(
WITH changes AS (
  SELECT member_id, changed_at, day, from_tier, to_tier FROM (SELECT member_id, changed_at,
      substr(changed_at, 1, 10) AS day, tier AS to_tier, coalesce(LAG(tier) OVER
      (PARTITION BY member_id ORDER BY changed_at, rowid), 'none') AS from_tier
    FROM tier_history) WHERE from_tier <> to_tier),
flows(member_id, day, tier, members, net, issued, redeemed, expired, gestures, shown, held_out,
    accepted, cost_cents) AS (
  SELECT e.member_id, substr(p.occurred_at, 1, 10),
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = e.member_id
      AND h.changed_at <= p.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
      'none'), 0, e.points, CASE WHEN p.kind IN ('earn', 'bonus') THEN e.points ELSE 0 END,
    CASE WHEN p.kind = 'redemption' THEN -e.points ELSE 0 END,
    CASE WHEN p.kind = 'expiry' THEN -e.points ELSE 0 END,
    CASE WHEN p.cause LIKE 'gesture:%' THEN e.points ELSE 0 END, 0, 0, 0, 0
  FROM points_entries e JOIN points_postings p ON p.id = e.posting_id
  WHERE e.member_id IS NOT NULL
  UNION ALL
  SELECT c.member_id, c.day, CASE WHEN side.sign < 0 THEN c.from_tier ELSE c.to_tier END,
    side.sign, side.sign * coalesce((SELECT sum(e.points) FROM points_entries e
      JOIN points_postings p ON p.id = e.posting_id WHERE e.member_id = c.member_id
      AND p.occurred_at < c.changed_at), 0), 0, 0, 0, 0, 0, 0, 0, 0
  FROM changes c JOIN (SELECT -1 AS sign UNION ALL SELECT 1) side
  JOIN members m ON m.id = c.member_id
  WHERE m.merged_into IS NULL OR c.changed_at < m.merged_at
  UNION ALL
  SELECT id, coalesce(enrolled_on, substr(created_at, 1, 10)), 'none', 1, 0, 0, 0, 0, 0, 0, 0,
    0, 0 FROM members
  UNION ALL
  SELECT m.id, substr(m.merged_at, 1, 10),
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = m.id
      AND h.changed_at <= m.merged_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
      'none'), -1, -coalesce((SELECT sum(points) FROM points_entries
      WHERE member_id = m.id), 0), 0, 0, 0, 0, 0, 0, 0, 0
  FROM members m WHERE m.merged_into IS NOT NULL
  UNION ALL
  SELECT o.member_id, substr(o.at, 1, 10),
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = o.member_id
      AND h.changed_at <= o.at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1), 'none'),
    0, 0, 0, 0, 0, 0, o.outcome = 'shown', o.outcome = 'held_out', o.outcome = 'accepted', 0
  FROM offer_events o
  UNION ALL
  SELECT r.member_id, substr(r.occurred_at, 1, 10),
    coalesce((SELECT h.tier FROM tier_history h WHERE h.member_id = r.member_id
      AND h.changed_at <= r.occurred_at ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1),
      'none'), 0, 0, 0, 0, 0, 0, 0, 0, 0, r.cost_cents
  FROM reward_costs r WHERE r.member_id IS NOT NULL),
by_store(store, day, tier, members, net, issued, redeemed, expired, gestures, shown,
    held_out, accepted, cost_cents) AS (
  SELECT m.home_store, f.day, f.tier, sum(f.members), sum(f.net), sum(f.issued),
    sum(f.redeemed), sum(f.expired), sum(f.gestures), sum(f.shown), sum(f.held_out),
    sum(f.accepted), sum(f.cost_cents)
  FROM flows f JOIN members m ON m.id = f.member_id GROUP BY 1, 2, 3)
INSERT INTO rewards_days(place, day, tier, members, net, issued, redeemed, expired, gestures,
  shown, held_out, accepted, cost_cents)
  SELECT CASE k.k WHEN 0 THEN '' WHEN 1 THEN 's:' || b.store ELSE 'r:' || s.region END,
    b.day, b.tier, sum(b.members), sum(b.net), sum(b.issued), sum(b.redeemed), sum(b.expired),
    sum(b.gestures), sum(b.shown), sum(b.held_out), sum(b.accepted), sum(b.cost_cents)
  FROM by_store b LEFT JOIN stores s ON s.id = b.store
  JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
  WHERE k.k < 2 OR s.region <> '' GROUP BY 1, 2, 3;
)sql";

}  // namespace

std::string_view rewards_days_backfill_sql() { return kBackfill; }

Result<void> rebuild_rewards_days(storage::Database& db) {
  return db.execute("DELETE FROM rewards_days;" + std::string(kBackfill));
}

Result<void> RewardsTierMoves::read_balances() {
  std::sort(changes_.begin(), changes_.end(),
            [](const Change& x, const Change& y) { return x.member_id < y.member_id; });
  if (changes_.size() > scan_above_) {
    RAPPORT_TRY(auto read, db_->prepare("SELECT member_id, outstanding FROM member_rewards "
                                        "WHERE outstanding <> 0 ORDER BY member_id"));
    auto next = changes_.begin();
    for (;;) {
      RAPPORT_TRY(const bool row, read.step());
      if (!row) break;
      const std::int64_t id = read.column_int64(0);
      while (next != changes_.end() && next->member_id < id) ++next;
      for (; next != changes_.end() && next->member_id == id; ++next) {
        next->balance = read.column_int64(1);
      }
      if (next == changes_.end()) break;
    }
    return {};
  }
  RAPPORT_TRY(auto read,
              db_->prepare("SELECT outstanding FROM member_rewards WHERE member_id = ?1"));
  for (Change& c : changes_) {
    read.bind(1, c.member_id);
    RAPPORT_TRY(const bool row, read.step());
    c.balance = row ? read.column_int64(0) : 0;
    read.reset();
  }
  return {};
}

std::int32_t RewardsTierMoves::index_of(std::vector<std::string>& names, std::string_view name) {
  const auto at = std::find(names.begin(), names.end(), name);
  if (at != names.end()) return static_cast<std::int32_t>(at - names.begin());
  names.emplace_back(name);
  return static_cast<std::int32_t>(names.size() - 1);
}

void RewardsTierMoves::add(std::int64_t member_id, std::optional<std::string_view> before,
                           std::string_view tier, const std::optional<std::string>& home_store) {
  const std::string_view from = before.value_or("none");
  if (from == tier || !home_store) return;
  // Hundreds of stores, a million first tiers on the first refresh: a hash, not a search.
  const auto [at, added] =
      store_index_.try_emplace(*home_store, static_cast<std::int32_t>(stores_.size()));
  if (added) stores_.push_back(*home_store);
  changes_.push_back({member_id, at->second, index_of(tiers_, from), index_of(tiers_, tier), 0});
}

Result<void> RewardsTierMoves::write(std::string_view day) {
  if (changes_.empty()) return {};
  RAPPORT_TRY_VOID(read_balances());
  std::unordered_map<std::int64_t, Move> moves;  // (store, from, to) packed -> the sums
  for (const Change& c : changes_) {
    Move& move = moves[(c.store * kPack + c.from) * kPack + c.to];
    ++move.members;
    move.points += c.balance;
  }
  RAPPORT_TRY(auto upsert,
              db_->prepare("INSERT INTO rewards_days(place, day, tier, members, net) "
                           "SELECT p.place, ?2, t.tier, t.sign * ?5, t.sign * ?6 FROM "
                           "(SELECT '' AS place UNION ALL SELECT 's:' || ?1 UNION ALL "
                           "SELECT 'r:' || region FROM stores WHERE id = ?1 AND region <> '') p "
                           "JOIN (SELECT ?3 AS tier, -1 AS sign UNION ALL SELECT ?4, 1) t "
                           "WHERE 1 ON CONFLICT(place, day, tier) DO UPDATE SET "
                           "members = members + excluded.members, net = net + excluded.net"));
  for (const auto& [packed, move] : moves) {
    const auto to = static_cast<std::size_t>(packed % kPack);
    const auto from = static_cast<std::size_t>((packed / kPack) % kPack);
    const auto store = static_cast<std::size_t>(packed / kPack / kPack);
    RAPPORT_TRY_VOID(upsert.bind(1, std::string_view(stores_[store]))
                         .bind(2, day)
                         .bind(3, std::string_view(tiers_[from]))
                         .bind(4, std::string_view(tiers_[to]))
                         .bind(5, move.members)
                         .bind(6, move.points)
                         .run());
  }
  return {};
}

}  // namespace rapport::server::sqlite
