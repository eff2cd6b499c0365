// server/reports/customer_equity.cpp
#include "server/reports/customer_equity.h"

#include <array>

namespace rapport::server::reports {
namespace {

constexpr std::array<Column, 3> kColumns{{
    {"store", ColumnKind::kText},
    {"members", ColumnKind::kInteger},
    {"customer_equity_cents", ColumnKind::kCents},
}};
constexpr std::array<std::string_view, 1> kChartValues{"customer_equity_cents"};

class CustomerEquity final : public Report {
 public:
  std::string_view name() const override { return "customer-equity"; }
  std::string_view description() const override {
    return "Customer equity (sum of lifetime values from the value snapshots) by home store";
  }
  std::span<const Column> columns() const override { return kColumns; }
  std::optional<ChartSpec> chart() const override {
    return ChartSpec{ChartKind::kBar, "store", kChartValues};
  }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    RAPPORT_TRY(auto stmt,
                db.prepare("SELECT m.home_store, count(*), sum(v.lifetime_value_cents) "
                           "FROM value_snapshots v JOIN members m ON m.id = v.member_id "
                           "WHERE (?1 IS NULL OR m.home_store = ?1) "
                           "AND (?2 IS NULL OR coalesce(v.as_of, substr(v.computed_at, 1, 10)) >= ?2) "
                           "AND (?3 IS NULL OR coalesce(v.as_of, substr(v.computed_at, 1, 10)) <= ?3) "
                           "AND (?4 IS NULL OR m.home_store IN "
                           "  (SELECT id FROM stores WHERE region = ?4)) "
                           "GROUP BY m.home_store ORDER BY m.home_store"));
    stmt.bind_optional(1, filter.store).bind_optional(2, filter.from).bind_optional(3, filter.to)
        .bind_optional(4, filter.region);
    sink.begin(kColumns);
    std::array<Cell, kColumns.size()> cells;
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      cells[0] = stmt.column_text(0);
      cells[1] = stmt.column_int64(1);
      cells[2] = stmt.column_int64(2);
      sink.row(cells);
    }
    sink.end();
    return {};
  }
};

}  // namespace

std::unique_ptr<Report> customer_equity_report() { return std::make_unique<CustomerEquity>(); }

}  // namespace rapport::server::reports
