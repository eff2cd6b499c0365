// server/reports/query_rows.cpp
#include "server/reports/query_rows.h"

#include <vector>

namespace rapport::server::reports {

Result<void> stream_query(storage::Database& db, std::string_view sql, const Filter& filter,
                          std::span<const Column> columns, RowSink& sink) {
  RAPPORT_TRY(auto stmt, db.prepare(sql));
  stmt.bind_optional(1, filter.store).bind_optional(2, filter.from).bind_optional(3, filter.to);
  stmt.bind_optional(4, filter.region);
  sink.begin(columns);
  std::vector<Cell> cells(columns.size());
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const int at = static_cast<int>(i);
      if (stmt.column_is_null(at)) {
        cells[i] = std::monostate{};
      } else if (columns[i].kind == ColumnKind::kInteger || columns[i].kind == ColumnKind::kCents) {
        cells[i] = stmt.column_int64(at);
      } else {
        cells[i] = stmt.column_text(at);
      }
    }
    sink.row(cells);
  }
  sink.end();
  return {};
}

}  // namespace rapport::server::reports
