// server/reports/rewards.cpp
#include "server/reports/rewards.h"

#include <array>

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

// ?1 store, ?2 region (home store), ?3 from, ?4 to. Outstanding: the balance at the end of
// the period (every posting up to `to`); the flows: postings, offer events and rewards
// handed over (reward_costs, at their cost of the day) in the period. Reward cost is no
// value while no reward has ever been costed (nothing to report, not 0).
std::string query() {
  const std::string in_period = "(?3 IS NULL OR substr(p.occurred_at, 1, 10) >= ?3)";
  return "WITH member_points AS ("
         "  SELECT e.member_id AS member_id, sum(e.points) AS outstanding, "
         "    sum(CASE WHEN p.kind IN ('earn', 'bonus') AND " + in_period +
         "      THEN e.points ELSE 0 END) AS issued, "
         "    sum(CASE WHEN p.kind = 'redemption' AND " + in_period +
         "      THEN -e.points ELSE 0 END) AS redeemed, "
         "    sum(CASE WHEN p.kind = 'expiry' AND " + in_period +
         "      THEN -e.points ELSE 0 END) AS expired, "
         "    sum(CASE WHEN p.cause LIKE 'gesture:%' AND " + in_period +
         "      THEN e.points ELSE 0 END) AS gestures "
         "  FROM points_entries e JOIN points_postings p ON p.id = e.posting_id "
         "  WHERE e.member_id IS NOT NULL "
         "    AND (?4 IS NULL OR substr(p.occurred_at, 1, 10) <= ?4) "
         "  GROUP BY e.member_id), "
         "member_offers AS ("
         "  SELECT member_id, sum(outcome = 'shown') AS shown, "
         "    sum(outcome = 'held_out') AS held_out, sum(outcome = 'accepted') AS accepted "
         "  FROM offer_events WHERE " + period_condition("substr(at, 1, 10)") +
         "  GROUP BY member_id), "
         "member_costs AS ("
         "  SELECT member_id, sum(cost_cents) AS cost FROM reward_costs "
         "  WHERE member_id IS NOT NULL AND " + period_condition("substr(occurred_at, 1, 10)") +
         "  GROUP BY member_id) "
         "SELECT coalesce(m.value_tier, 'none'), count(*), "
         "  coalesce(sum(mp.outstanding), 0), coalesce(sum(mp.issued), 0), "
         "  coalesce(sum(mp.redeemed), 0), coalesce(sum(mp.expired), 0), "
         "  coalesce(sum(mp.gestures), 0), coalesce(sum(mo.shown), 0), "
         "  coalesce(sum(mo.held_out), 0), coalesce(sum(mo.accepted), 0), "
         "  CASE WHEN EXISTS (SELECT 1 FROM reward_costs) THEN coalesce(sum(mc.cost), 0) END "
         "FROM members m LEFT JOIN member_points mp ON mp.member_id = m.id "
         "LEFT JOIN member_offers mo ON mo.member_id = m.id "
         "LEFT JOIN member_costs mc ON mc.member_id = m.id "
         "WHERE m.merged_into IS NULL AND " + place_condition("m.home_store") +
         " GROUP BY 1 ORDER BY 1";
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
    return stream_rows(db, query(), filter, kColumns, sink,
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
