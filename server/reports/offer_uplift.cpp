// server/reports/offer_uplift.cpp
#include "server/reports/offer_uplift.h"

#include <array>
#include <cmath>
#include <vector>

#include "server/reports/filter_sql.h"
#include "server/reports/pg_report_sql.h"
#include "server/rewards/rewards_rules.h"
#include "server/rewards/uplift.h"
#include "shared/util/clock.h"

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 12> kColumns{{
    {"offer", ColumnKind::kText},
    {"tier", ColumnKind::kText},
    {"shown", ColumnKind::kInteger},
    {"held_out", ColumnKind::kInteger},
    {"shown_days_per_100", ColumnKind::kInteger},
    {"held_out_days_per_100", ColumnKind::kInteger},
    {"uplift_days_per_100", ColumnKind::kInteger},
    {"uplift_days_ci_per_100", ColumnKind::kInteger},
    {"shown_spend_cents", ColumnKind::kCents},
    {"held_out_spend_cents", ColumnKind::kCents},
    {"uplift_spend_cents", ColumnKind::kCents},
    {"uplift_spend_ci_cents", ColumnKind::kCents},
}};

// ?1 store, ?2 region (home store), ?3 from, ?4 to (the day of the member's first record
// of the offer), ?5 window days, ?6 the day windows must have ended by. As
// `rapportctl offers uplift` counts (server/storage/sqlite_offers.cpp), split by the
// member's current value tier.
std::string query(const Filter& filter, SqlDialect dialect) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  // A member's first record of an offer: SQLite takes the outcome of the row that has
  // min(at) (its bare-column rule); PostgreSQL says so with DISTINCT ON, ties by id.
  const std::string place = place_condition("m.home_store", filter, dialect);
  const std::string firsts =
      sqlite ? "SELECT o.member_id, o.offer_id, o.outcome, min(o.at) AS at, "
               "  substr(min(o.at), 1, 10) AS day FROM members m "
               "  JOIN offer_events o ON o.member_id = m.id "
               "  WHERE o.outcome IN ('shown', 'held_out') AND " + place +
               " GROUP BY o.member_id, o.offer_id"
             : "SELECT DISTINCT ON (o.member_id, o.offer_id) o.member_id, o.offer_id, "
               "  o.outcome, o.at, substr(o.at, 1, 10) AS day FROM members m "
               "  JOIN offer_events o ON o.member_id = m.id "
               "  WHERE o.outcome IN ('shown', 'held_out') AND " + place +
               " ORDER BY o.member_id, o.offer_id, o.at, o.id";
  const std::string window_end = sqlite ? "date(f.day, '+' || ?5 || ' days')"
                                        : "to_char(f.day::date + ?5::integer, 'YYYY-MM-DD')";
  // PostgreSQL groups by every column it shows; firsts has one row per member and offer, so
  // the extra columns split nothing.
  const std::string group = sqlite ? "f.member_id, f.offer_id"
                                   : "f.member_id, f.offer_id, f.outcome, m.value_tier";
  // Driven from the selected members (members_home_store, then offer_events_member), so a
  // store's view does not group the whole chain's offer events first.
  return "WITH firsts AS (" + firsts + ") "
         "SELECT f.offer_id, coalesce(m.value_tier, 'none') AS tier, f.outcome, "
         "  count(DISTINCT p.day), coalesce(sum(p.amount_cents - p.refunded_cents), 0) "
         "FROM firsts f JOIN members m ON m.id = f.member_id "
         "LEFT JOIN purchases p ON p.member_id = f.member_id AND p.day > f.day AND "
         "  p.day <= " + window_end + " "
         "WHERE " + window_end + " <= ?6 AND m.merged_into IS NULL AND " + place + " AND " +
         period_condition("f.day", filter, dialect) + " GROUP BY " + group +
         " ORDER BY f.offer_id, tier, f.member_id";
}

std::int64_t whole(double value) { return std::llround(value); }

void emit(const std::string& offer, const std::string& tier,
          const std::vector<rewards::UpliftObservation>& observations, RowSink& sink) {
  const auto u = rewards::measure_uplift(observations);
  std::array<Cell, kColumns.size()> cells;
  cells[0] = offer;
  cells[1] = tier;
  cells[2] = static_cast<std::int64_t>(u.treated);
  cells[3] = static_cast<std::int64_t>(u.held_out);
  const bool both = u.treated > 0 && u.held_out > 0;
  if (u.treated > 0) {
    cells[4] = whole(u.visits.treated_mean * 100);
    cells[8] = whole(u.spend_cents.treated_mean);
  }
  if (u.held_out > 0) {
    cells[5] = whole(u.visits.held_out_mean * 100);
    cells[9] = whole(u.spend_cents.held_out_mean);
  }
  if (both) {
    cells[6] = whole(u.visits.uplift * 100);
    cells[10] = whole(u.spend_cents.uplift);
  }
  if (u.measurable()) {
    cells[7] = whole((u.visits.ci_high - u.visits.uplift) * 100);
    cells[11] = whole(u.spend_cents.ci_high - u.spend_cents.uplift);
  }
  sink.row(cells);
}

class OfferUplift final : public Report {
 public:
  std::string_view name() const override { return "offer-uplift"; }
  std::string_view description() const override {
    return "Offer and gesture uplift against hold-out groups, by offer and value tier";
  }
  std::span<const Column> columns() const override { return kColumns; }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    RAPPORT_TRY(auto stmt, db.prepare(query(filter, SqlDialect::kSqlite)));
    bind_filter(stmt, filter);
    stmt.bind(5, rewards::OfferRules{}.uplift_window_days).bind(6, windows_end(filter));
    Groups groups(sink);
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      groups.add(stmt);
    }
    groups.finish();
    return {};
  }

  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    const std::vector<pg::Param> own{std::to_string(rewards::OfferRules{}.uplift_window_days),
                                     windows_end(filter)};
    const auto params = filter_params(filter, own);
    const auto statement = pg_statement(query(filter, SqlDialect::kPostgresql), params);
    RAPPORT_TRY(auto tx, pg::Transaction::begin(db));
    RAPPORT_TRY_VOID(db.exec("SET LOCAL jit = off"));  // as stream_pg_rows
    RAPPORT_TRY(const auto rows, db.exec(statement.sql, statement.params));
    RAPPORT_TRY_VOID(tx.commit());
    Groups groups(sink);
    for (std::size_t r = 0; r < rows.size(); ++r) groups.add(PgRow(rows, r));
    groups.finish();
    return {};
  }

 private:
  // The day every counted window must have ended by: the period's end, or today.
  static std::string windows_end(const Filter& filter) {
    return filter.to.value_or(now_iso8601().substr(0, 10));
  }

  // The query's rows (offer, tier, outcome, purchase days, spend; ordered by offer and tier)
  // as one report row per offer and tier: begin on creation, end in finish().
  class Groups {
   public:
    explicit Groups(RowSink& sink) : sink_(sink) { sink_.begin(kColumns); }
    // `row`: a storage::Statement or a PgRow (pg_report_sql.h).
    template <class Row>
    void add(const Row& row) {
      std::string row_offer = row.column_text(0);
      std::string row_tier = row.column_text(1);
      if (!group_.empty() && (row_offer != offer_ || row_tier != tier_)) {
        emit(offer_, tier_, group_, sink_);
        group_.clear();
      }
      offer_ = std::move(row_offer);
      tier_ = std::move(row_tier);
      group_.push_back({row.column_text(2) == "shown", static_cast<double>(row.column_int64(3)),
                        static_cast<double>(row.column_int64(4))});
    }
    void finish() {
      if (!group_.empty()) emit(offer_, tier_, group_, sink_);
      sink_.end();
    }

   private:
    RowSink& sink_;
    std::string offer_;
    std::string tier_;
    std::vector<rewards::UpliftObservation> group_;  // one offer and tier at a time
  };
};

}  // namespace

std::unique_ptr<Report> offer_uplift_report() { return std::make_unique<OfferUplift>(); }

}  // namespace rapport::server::reports
