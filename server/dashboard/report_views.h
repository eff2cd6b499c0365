// server/dashboard/report_views.h
//
// The head-office report pages (docs/dashboard.md, "Reports"), generic over every report of
// server/reports/all_reports(): the index, and one page per report with its filter form, its
// table, a CSV link and the chart the report describes (Report::chart(), drawn by
// assets/reports.js with the embedded Chart.js from a JSON block; no inline script). Pure:
// no storage, no clock; every text from the database is escaped for where it goes.
//
// Thread-safety: plain values; one thread each.

#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/reports/report.h"

namespace rapport::server {

// True when this build's reports::Filter has a region (another report set adds it): the form
// then offers it and the query's `region` fills it.
template <typename F>
inline constexpr bool kHasRegion = requires(F f) { f.region; };
inline constexpr bool kFilterHasRegion = kHasRegion<reports::Filter>;

// The filter a page or CSV URL asks for: `store`, `from`, `to` (YYYY-MM-DD), and `region` when
// the Filter has one; empty values mean no bound. nullopt when a day is not YYYY-MM-DD.
[[nodiscard]] std::optional<reports::Filter> report_filter_from_query(
    const std::map<std::string, std::string>& query);
// The same filter as a query string ("store=S1&from=2026-01-01"), empty when unbounded.
[[nodiscard]] std::string report_filter_query(const reports::Filter& filter);

[[nodiscard]] std::string reports_index_page(
    const std::vector<std::unique_ptr<reports::Report>>& reports);

// Receives one run of a report for its page: the first `max_rows` rows as an HTML table, and
// the chart's labels and datasets from the same rows.
class ReportPageSink final : public reports::RowSink {
 public:
  ReportPageSink(const reports::Report& report, std::size_t max_rows);
  void begin(std::span<const reports::Column> columns) override;
  void row(std::span<const reports::Cell> cells) override;
  void end() override {}
  // One row past the shown ones says there are more; the rest are the CSV's.
  bool wants_more() const override { return rows_ <= max_rows_; }

  // The whole page. `stores`: the store choice of the form.
  [[nodiscard]] std::string page(const reports::Filter& filter,
                                 const std::vector<std::string>& stores) const;

 private:
  [[nodiscard]] std::string chart_json() const;

  const reports::Report& report_;
  std::size_t max_rows_;
  std::size_t rows_ = 0;  // rows the report gave, shown or not (it may stop one past)
  std::string table_rows_;
  std::optional<std::size_t> label_index_;
  std::vector<std::size_t> value_indexes_;
  std::vector<std::string> labels_;                  // each a JSON value
  std::vector<std::vector<std::string>> datasets_;   // per value column, JSON values
};

// Writes a report as CSV line by line to `write` (a streamed response body): a header line,
// one CRLF line per row, text through csv_field (views.h: quoting, spreadsheet-formula
// guard), numbers as they are. After `write` returns false nothing more is written.
class CsvLineSink final : public reports::RowSink {
 public:
  explicit CsvLineSink(std::function<bool(std::string_view)> write) : write_(std::move(write)) {}
  void begin(std::span<const reports::Column> columns) override;
  void row(std::span<const reports::Cell> cells) override;
  void end() override {}
  [[nodiscard]] bool peer_gone() const { return gone_; }
  [[nodiscard]] std::size_t rows() const { return rows_; }

 private:
  void put(const std::string& line);

  std::function<bool(std::string_view)> write_;
  bool gone_ = false;
  std::size_t rows_ = 0;
};

}  // namespace rapport::server
