// server/reports/cached_report.cpp
#include "server/reports/cached_report.h"

#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "server/storage/pg_connection.h"

namespace rapport::server::reports {
namespace {

// The filter as the cache's key; any field the Filter gains (a region) must be in it.
template <typename F>
std::string filter_key(const F& filter) {
  std::string key;
  const auto add = [&](const char* name, const std::optional<std::string>& value) {
    key += name;
    key += value ? "=" + *value : std::string("-");
    key += '\x1f';
  };
  add("store", filter.store);
  add("from", filter.from);
  add("to", filter.to);
  if constexpr (requires { filter.region; }) add("region", filter.region);
  return key;
}

std::string encode(std::span<const Cell> cells) {
  boost::json::array array;
  for (const auto& cell : cells) {
    if (const auto* n = std::get_if<std::int64_t>(&cell)) {
      array.emplace_back(*n);
    } else if (const auto* s = std::get_if<std::string>(&cell)) {
      array.emplace_back(boost::json::string(*s));
    } else {
      array.emplace_back(nullptr);
    }
  }
  return boost::json::serialize(array);
}

// One kept row's cells, as encode() wrote them.
void decode(const std::string& text, std::span<Cell> cells) {
  const auto parsed = boost::json::parse(text).as_array();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const auto* value = i < parsed.size() ? &parsed[i] : nullptr;
    if (value != nullptr && value->is_int64()) {
      cells[i] = value->as_int64();
    } else if (value != nullptr && value->is_string()) {
      cells[i] = std::string(value->as_string());
    } else {
      cells[i] = std::monostate{};
    }
  }
}

// The newest full refresh, from the newest row back: kind has no index, and max(id) WHERE
// kind = 'full' read the whole table, which grows by a row per changed-members refresh.
constexpr std::string_view kNewestFull =
    "SELECT id FROM value_refreshes WHERE kind = 'full' ORDER BY id DESC LIMIT 1";

// Forwards every row to the caller's sink and keeps a copy, up to kMaxCachedRows. It wants
// every row (RowSink::wants_more's default) whatever the caller's sink wants: a page that
// stops after its first rows must not cut what is kept for everyone.
class TeeSink final : public RowSink {
 public:
  explicit TeeSink(RowSink& out) : out_(out) {}
  void begin(std::span<const Column> columns) override { out_.begin(columns); }
  void row(std::span<const Cell> cells) override {
    if (rows_.size() <= kMaxCachedRows) rows_.push_back(encode(cells));
    out_.row(cells);
  }
  void end() override {
    ended_ = true;
    out_.end();
  }
  [[nodiscard]] bool keepable() const { return ended_ && rows_.size() <= kMaxCachedRows; }
  [[nodiscard]] const std::vector<std::string>& rows() const { return rows_; }

 private:
  RowSink& out_;
  std::vector<std::string> rows_;
  bool ended_ = false;
};

class CachedReport final : public Report {
 public:
  explicit CachedReport(std::unique_ptr<Report> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return inner_->name(); }
  std::string_view description() const override { return inner_->description(); }
  std::span<const Column> columns() const override { return inner_->columns(); }
  std::optional<ChartSpec> chart() const override { return inner_->chart(); }

  // The same on PostgreSQL (its migration 9's report_cache), so several instances share one
  // cache and the figures are as of the same first view as on SQLite.
  Result<void> run_pg(pg::Connection& db, const Filter& filter, RowSink& sink) const override {
    RAPPORT_TRY(const auto newest, db.exec(kNewestFull));
    const std::int64_t refresh = newest.empty() ? 0 : newest.int64(0, 0);
    const std::string key = filter_key(filter);
    RAPPORT_TRY(const auto kept,
                db.exec("SELECT row, cells FROM report_cache WHERE report = $1 AND filter = $2 "
                        "AND refresh_id = $3 ORDER BY row",
                        {pg::param(name()), pg::param(key), pg::param(refresh)}));
    if (!kept.empty() && kept.int64(0, 0) == -1) {
      sink.begin(columns());
      std::vector<Cell> cells(columns().size());
      for (std::size_t r = 1; r < kept.size(); ++r) {
        decode(kept.text(r, 1), cells);
        sink.row(cells);
      }
      sink.end();
      return {};
    }
    TeeSink tee(sink);
    RAPPORT_TRY_VOID(inner_->run_pg(db, filter, tee));
    if (tee.keepable()) {
      if (auto saved = keep_pg(db, key, refresh, tee.rows()); !saved) {
        spdlog::warn("report {}: cannot keep its rows for the next view: {}", name(),
                     saved.error().message());
      }
    }
    return {};
  }

  Result<void> run(storage::Database& db, const Filter& filter, RowSink& sink) const override {
    // Kept until the next FULL refresh: the changed-members refreshes every few minutes
    // would otherwise empty the cache all day, and a million-member scan would greet most
    // views. Head office reads figures as of the nightly refresh (docs/reports.md, "Speed").
    RAPPORT_TRY(auto newest, db.prepare(kNewestFull));
    RAPPORT_TRY(const bool any, newest.step());
    const std::int64_t refresh = any ? newest.column_int64(0) : 0;
    newest.reset();  // no statement left open before the cache is written
    const std::string key = filter_key(filter);
    RAPPORT_TRY(auto kept, db.prepare("SELECT row, cells FROM report_cache WHERE report = ?1 "
                                      "AND filter = ?2 AND refresh_id = ?3 ORDER BY row"));
    kept.bind(1, name()).bind(2, std::string_view(key)).bind(3, refresh);
    RAPPORT_TRY(bool row, kept.step());
    if (row && kept.column_int64(0) == -1) {
      sink.begin(columns());
      std::vector<Cell> cells(columns().size());
      for (;;) {
        RAPPORT_TRY(row, kept.step());
        if (!row) break;
        decode(kept.column_text(1), cells);
        sink.row(cells);
      }
      sink.end();
      return {};
    }
    kept.reset();
    TeeSink tee(sink);
    RAPPORT_TRY_VOID(inner_->run(db, filter, tee));
    if (tee.keepable()) {
      if (auto saved = keep(db, key, refresh, tee.rows()); !saved) {
        spdlog::warn("report {}: cannot keep its rows for the next view: {}", name(),
                     saved.error().message());
      }
    }
    return {};
  }

 private:
  Result<void> keep(storage::Database& db, const std::string& key, std::int64_t refresh,
                    const std::vector<std::string>& rows) const {
    RAPPORT_TRY(auto tx, storage::Transaction::begin(db));
    RAPPORT_TRY(auto drop, db.prepare("DELETE FROM report_cache WHERE report = ?1 AND "
                                      "refresh_id < ?2"));
    RAPPORT_TRY_VOID(drop.bind(1, name()).bind(2, refresh).run());
    RAPPORT_TRY(auto add, db.prepare("INSERT OR REPLACE INTO report_cache(report, filter, "
                                     "refresh_id, row, cells) VALUES (?1, ?2, ?3, ?4, ?5)"));
    add.bind(1, name()).bind(2, std::string_view(key)).bind(3, refresh);
    RAPPORT_TRY_VOID(add.bind(4, std::int64_t{-1}).bind(5, std::string_view("done")).run());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      RAPPORT_TRY_VOID(
          add.bind(4, static_cast<std::int64_t>(i)).bind(5, std::string_view(rows[i])).run());
    }
    return tx.commit();
  }

  // As keep(), in one statement for the rows; another instance keeping the same view at
  // once writes the same rows (the later one's stay).
  Result<void> keep_pg(pg::Connection& db, const std::string& key, std::int64_t refresh,
                       const std::vector<std::string>& rows) const {
    std::vector<pg::Param> numbers{pg::param(std::int64_t{-1})};
    std::vector<pg::Param> texts{pg::param("done")};
    for (std::size_t i = 0; i < rows.size(); ++i) {
      numbers.push_back(pg::param(static_cast<std::int64_t>(i)));
      texts.push_back(rows[i]);
    }
    RAPPORT_TRY(auto tx, pg::Transaction::begin(db));
    RAPPORT_TRY_VOID(db.exec("DELETE FROM report_cache WHERE report = $1 AND refresh_id < $2",
                             {pg::param(name()), pg::param(refresh)}));
    RAPPORT_TRY_VOID(db.exec(
        "INSERT INTO report_cache(report, filter, refresh_id, row, cells) "
        "SELECT $1, $2, $3, u.row, u.cells FROM unnest($4::bigint[], $5::text[]) AS u(row, cells) "
        "ON CONFLICT (report, filter, refresh_id, row) DO UPDATE SET cells = excluded.cells",
        {pg::param(name()), pg::param(key), pg::param(refresh), pg::text_array(numbers),
         pg::text_array(texts)}));
    return tx.commit();
  }

  std::unique_ptr<Report> inner_;
};

}  // namespace

std::unique_ptr<Report> cached(std::unique_ptr<Report> report) {
  return std::make_unique<CachedReport>(std::move(report));
}

}  // namespace rapport::server::reports
