// tests/unit/store_rows.h
//
// For the store contracts (store_contract_test.cpp, value_contract_test.cpp): the rows of one
// SQL text run on whichever backend `url` names, as tab-separated text with NULL as "-", so
// a test asks both backends the same question and compares the answers.

#pragma once

#include <string>
#include <vector>

#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/store_url.h"
#include "shared/storage/database.h"

namespace rapport::testing {

inline std::vector<std::string> store_rows(const std::string& url, const std::string& sql) {
  std::vector<std::string> out;
  const auto where = server::parse_store_url(url).value();
  if (where.backend == server::StoreUrl::Backend::kPostgresql) {
    auto pg = server::pg::Connection::open(where.location).value();
    const auto result = pg.exec(sql).value();
    for (std::size_t r = 0; r < result.size(); ++r) {
      std::string line;
      for (int col = 0; col < result.columns(); ++col) {
        if (col > 0) line += '\t';
        line += result.is_null(r, col) ? "-" : result.text(r, col);
      }
      out.push_back(line);
    }
    return out;
  }
  auto db = storage::Database::open(where.location, server::kSqliteMigrations).value();
  auto stmt = db.prepare(sql).value();
  while (stmt.step().value()) {
    std::string line;
    for (int col = 0; col < stmt.column_count(); ++col) {
      if (col > 0) line += '\t';
      line += stmt.column_is_null(col) ? "-" : stmt.column_text(col);
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace rapport::testing
