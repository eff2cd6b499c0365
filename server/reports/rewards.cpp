// server/reports/rewards.cpp
#include "server/reports/rewards.h"

#include <array>
#include <string>

#include "server/reports/filter_sql.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 13> kColumns{{
    {"tier", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"points_outstanding", ColumnKind::kInteger},
    {"points_issued", ColumnKind::kInteger},
    {"points_redeemed", ColumnKind::kInteger},
    {"points_expired", ColumnKind::kInteger},
    {"gesture_points", ColumnKind::kInteger},
    {"offers_shown", ColumnKind::kInteger},
    {"offers_held_out", ColumnKind::kInteger},
    {"offers_accepted", ColumnKind::kInteger},
    {"reward_cost_cents", ColumnKind::kCents},
    {"points_liability_cents", ColumnKind::kCents},
    {"cents_per_100_points", ColumnKind::kInteger},
}};

// Without a period: the sums kept per home store and tier in rewards_by_place (server
// migration 22, kept by triggers as ledger entries, offer events and reward costs are
// written and as members move), a few thousand rows at most instead of every member and
// ledger entry. Same figures as query() with no period (tests/unit/reports_issue11_test.cpp).
std::string summary_query(const Filter& filter) {
  return "SELECT tier, sum(members), sum(outstanding), sum(issued), sum(redeemed), "
         "  sum(expired), sum(gestures), sum(shown), sum(held_out), sum(accepted), "
         "  CASE WHEN EXISTS (SELECT 1 FROM reward_costs) THEN sum(cost_cents) END "
         "FROM rewards_by_place WHERE " + place_condition("store_id", filter) +
         " GROUP BY tier HAVING sum(members) > 0 ORDER BY tier";
}

// ?1 store, ?2 region (home store), ?3 from, ?4 to. Outstanding: the balance at the end of
// the period (every posting up to `to`); the flows: postings, offer events and rewards
// handed over (reward_costs, at their cost of the day) in the period. Reward cost is no
// value while no reward has ever been costed (nothing to report, not 0). Driven from the
// selected members, so a store's view reads its members' rows through the member indexes
// (points_entries_member, offer_events_member, reward_costs_member), not the whole ledger.
std::string query(const Filter& filter) {
  const std::string in_period = "(?3 IS NULL OR substr(p.occurred_at, 1, 10) >= ?3)";
  return "WITH chosen AS MATERIALIZED ("
         "  SELECT m.id, coalesce(m.value_tier, 'none') AS tier FROM members m "
         "  WHERE m.merged_into IS NULL AND " + place_condition("m.home_store", filter) + "), "
         "member_points AS ("
         "  SELECT e.member_id AS member_id, sum(e.points) AS outstanding, "
         "    sum(CASE WHEN p.kind IN ('earn', 'bonus') AND " + in_period +
         "      THEN e.points ELSE 0 END) AS issued, "
         "    sum(CASE WHEN p.kind = 'redemption' AND " + in_period +
         "      THEN -e.points ELSE 0 END) AS redeemed, "
         "    sum(CASE WHEN p.kind = 'expiry' AND " + in_period +
         "      THEN -e.points ELSE 0 END) AS expired, "
         "    sum(CASE WHEN p.cause LIKE 'gesture:%' AND " + in_period +
         "      THEN e.points ELSE 0 END) AS gestures "
         "  FROM chosen c JOIN points_entries e ON e.member_id = c.id "
         "  JOIN points_postings p ON p.id = e.posting_id "
         "  WHERE (?4 IS NULL OR substr(p.occurred_at, 1, 10) <= ?4) "
         "  GROUP BY e.member_id), "
         "member_offers AS ("
         "  SELECT o.member_id, sum(o.outcome = 'shown') AS shown, "
         "    sum(o.outcome = 'held_out') AS held_out, sum(o.outcome = 'accepted') AS accepted "
         "  FROM chosen c JOIN offer_events o ON o.member_id = c.id "
         "  WHERE " + period_condition("substr(o.at, 1, 10)", filter) +
         "  GROUP BY o.member_id), "
         "member_costs AS ("
         "  SELECT r.member_id, sum(r.cost_cents) AS cost "
         "  FROM chosen c JOIN reward_costs r ON r.member_id = c.id "
         "  WHERE " + period_condition("substr(r.occurred_at, 1, 10)", filter) +
         "  GROUP BY r.member_id) "
         "SELECT c.tier, count(*), "
         "  coalesce(sum(mp.outstanding), 0), coalesce(sum(mp.issued), 0), "
         "  coalesce(sum(mp.redeemed), 0), coalesce(sum(mp.expired), 0), "
         "  coalesce(sum(mp.gestures), 0), coalesce(sum(mo.shown), 0), "
         "  coalesce(sum(mo.held_out), 0), coalesce(sum(mo.accepted), 0), "
         "  CASE WHEN EXISTS (SELECT 1 FROM reward_costs) THEN coalesce(sum(mc.cost), 0) END "
         "FROM chosen c LEFT JOIN member_points mp ON mp.member_id = c.id "
         "LEFT JOIN member_offers mo ON mo.member_id = c.id "
         "LEFT JOIN member_costs mc ON mc.member_id = c.id "
         "GROUP BY 1 ORDER BY 1";
}

class Rewards final : public Report {
 public:
  explicit Rewards(std::optional<std::int64_t> cents_per_100_points)
      : cents_per_100_points_(cents_per_100_points) {}
  std::string_view name() const override { return "rewards"; }
  std::string_view description() const override {
    return "Points liability (in points and money) and points issued, redeemed, expired and "
           "given as gestures, offers shown, held out and accepted, and reward cost, by value "
           "tier";
  }
  std::span<const Column> columns() const override { return kColumns; }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    const auto value = cents_per_100_points_;
    const bool period = filter.from || filter.to;
    const std::string sql = period ? query(filter) : summary_query(filter);
    return stream_rows(db, sql, filter, kColumns, sink,
                       [value](const storage::Statement& stmt, std::span<Cell> cells) {
                         cells[0] = stmt.column_text(0);
                         for (std::size_t i = 1; i <= 9; ++i) {
                           cells[i] = stmt.column_int64(static_cast<int>(i));
                         }
                         cells[10] = optional_int(stmt, 10);
                         // The liability valued at the configured value, rounded to a cent.
                         cells[11] = value ? rounded_ratio(stmt.column_int64(2) * *value, 100)
                                           : Cell{};
                         cells[12] = value ? Cell{*value} : Cell{};
                       });
  }

 private:
  std::optional<std::int64_t> cents_per_100_points_;
};

}  // namespace

std::unique_ptr<Report> rewards_report(std::optional<std::int64_t> cents_per_100_points) {
  return std::make_unique<Rewards>(cents_per_100_points);
}

}  // namespace rapport::server::reports
