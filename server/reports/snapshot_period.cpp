// server/reports/snapshot_period.cpp
#include "server/reports/snapshot_period.h"

#include <algorithm>
#include <utility>

namespace rapport::server::reports {

Result<std::vector<std::string>> snapshot_days(storage::Database& db) {
  // From the newest row back: value_refreshes grows by a row per refresh, and kind has no
  // index, so max(id) WHERE kind = 'full' would read the whole table.
  RAPPORT_TRY(auto full, db.prepare("SELECT id, as_of FROM value_refreshes WHERE kind = 'full' "
                                    "ORDER BY id DESC LIMIT 1"));
  RAPPORT_TRY(const bool any, full.step());
  std::vector<std::string> days;
  if (!any) return days;
  const std::int64_t full_id = full.column_int64(0);
  days.push_back(full.column_text(1));
  full.reset();
  RAPPORT_TRY(auto since, db.prepare("SELECT DISTINCT as_of FROM value_refreshes WHERE id > ?1"));
  since.bind(1, full_id);
  for (;;) {
    RAPPORT_TRY(const bool row, since.step());
    if (!row) break;
    days.push_back(since.column_text(0));
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

PeriodCover period_cover(const Filter& filter, const std::vector<std::string>& days) {
  // Text comparison, as the report's SQL compares the days.
  const auto inside = [&](const std::string& day) {
    return (!filter.from || day >= *filter.from) && (!filter.to || day <= *filter.to);
  };
  const auto held = std::count_if(days.begin(), days.end(), inside);
  if (held == static_cast<std::ptrdiff_t>(days.size())) return PeriodCover::kAll;
  return held == 0 ? PeriodCover::kNone : PeriodCover::kSome;
}

namespace {

class BySnapshotDay final : public Report {
 public:
  explicit BySnapshotDay(std::unique_ptr<Report> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return inner_->name(); }
  std::string_view description() const override { return inner_->description(); }
  std::span<const Column> columns() const override { return inner_->columns(); }
  std::optional<ChartSpec> chart() const override { return inner_->chart(); }

  // On PostgreSQL the period is applied as asked (each period's rows kept on their own):
  // the same rows (the whole view when it holds every snapshot day, none when it holds none).
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    return inner_->run_pg(db, filter, sink);
  }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    if (!filter.from && !filter.to) return inner_->run(db, filter, sink);
    RAPPORT_TRY(const auto days, snapshot_days(db));
    if (days.empty()) return inner_->run(db, filter, sink);
    switch (period_cover(filter, days)) {
      case PeriodCover::kAll: {
        Filter whole = filter;
        whole.from.reset();
        whole.to.reset();
        return inner_->run(db, whole, sink);
      }
      case PeriodCover::kNone:
        sink.begin(columns());
        sink.end();
        return {};
      case PeriodCover::kSome:
        break;
    }
    return inner_->run(db, filter, sink);
  }

 private:
  std::unique_ptr<Report> inner_;
};

}  // namespace

std::unique_ptr<Report> by_snapshot_day(std::unique_ptr<Report> report) {
  return std::make_unique<BySnapshotDay>(std::move(report));
}

}  // namespace rapport::server::reports
