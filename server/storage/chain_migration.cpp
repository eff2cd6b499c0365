// server/storage/chain_migration.cpp
//
// `rapportctl storage migrate` (chain_migration.h): the tables PostgreSQL holds, read from
// its catalog (so a PostgreSQL migration that adds a table is copied without a change here),
// matched with the SQLite file's, copied through COPY in one transaction, then verified by
// chain_checksum.cpp.

#include "server/storage/chain_migration.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <system_error>
#include <tuple>

#include "server/storage/chain_tables.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_schema.h"
#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"
#include "shared/util/error_category.h"

namespace rapport::server {
namespace {

using chain::Table;
using chain::ValueKind;

const char* describe(int value) {
  switch (static_cast<MigrationErrc>(value)) {
    case MigrationErrc::kSourceMissing:
      return "there is no SQLite database at the source path";
    case MigrationErrc::kSchemaMismatch:
      return "a PostgreSQL column has no SQLite counterpart (details in the log): this "
             "rapportctl's two schemas disagree; report it";
    case MigrationErrc::kTargetNotMigrated:
      return "the PostgreSQL database does not hold the current Rapport schema: nothing to "
             "verify there (check --to, or migrate into it first)";
  }
  return "unknown migration error";
}

// SQLite tables that only restate others: kept by triggers from members, purchases and the
// points ledger, or by the value refresh from its snapshots and tier history (server
// migrations 22 to 24 and 26, whose own SQL rebuilds them from those; 25's checkpoints, which
// the next refresh rebuilds from tier_history), or a cache of report
// pages refilled after each refresh. Never the only copy of anything, so they are listed but
// never hold a migration back: their sources do, when they hold rows.
constexpr std::array<std::string_view, 11> kDerivedTables{
    "acquisition_days", "cohort_chain_days", "cohort_chain_months", "cohort_days",
    "cohort_months",    "member_rewards",    "report_cache",        "rewards_by_place",
    "rewards_days",     "tier_checkpoints",  "tier_checkpoints_state"};

constexpr std::size_t kCopyChunkBytes = 1 << 20;  // COPY data sent per PQputCopyData

ValueKind kind_of(std::string_view data_type) {
  if (data_type == "bigint" || data_type == "integer" || data_type == "smallint") {
    return ValueKind::kInteger;
  }
  if (data_type == "boolean") return ValueKind::kBoolean;
  if (data_type == "double precision" || data_type == "real") return ValueKind::kReal;
  return ValueKind::kText;
}

struct PgColumn {
  std::string name;
  ValueKind kind;
  bool defaulted;  // a default or an identity: it may be left out of the COPY
};

// The target's tables (but schema_version, which each side keeps its own way), parents
// before children (foreign keys), ties by name; a table's own references (members'
// referred_by) are checked at the end of its one COPY statement, so they do not count.
Result<std::vector<std::pair<std::string, std::vector<PgColumn>>>> target_tables(
    pg::Connection& target) {
  RAPPORT_TRY(const auto columns,
              target.exec("SELECT c.table_name, c.column_name, c.data_type, "
                          "c.column_default IS NOT NULL OR c.is_identity = 'YES' "
                          "FROM information_schema.columns c JOIN information_schema.tables t "
                          "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                          "WHERE c.table_schema = current_schema() AND "
                          "t.table_type = 'BASE TABLE' AND c.table_name <> 'schema_version' "
                          "ORDER BY c.table_name, c.ordinal_position"));
  std::map<std::string, std::vector<PgColumn>> by_name;
  for (std::size_t r = 0; r < columns.size(); ++r) {
    by_name[columns.text(r, 0)].push_back(
        {columns.text(r, 1), kind_of(columns.text(r, 2)), columns.boolean(r, 3)});
  }
  RAPPORT_TRY(const auto references,
              target.exec("SELECT DISTINCT child.relname::text, parent.relname::text "
                          "FROM pg_constraint k JOIN pg_class child ON child.oid = k.conrelid "
                          "JOIN pg_class parent ON parent.oid = k.confrelid "
                          "WHERE k.contype = 'f' AND "
                          "child.relnamespace = current_schema()::regnamespace"));
  std::map<std::string, std::set<std::string>> parents;
  for (std::size_t r = 0; r < references.size(); ++r) {
    const auto child = references.text(r, 0);
    const auto parent = references.text(r, 1);
    if (child != parent && by_name.contains(parent)) parents[child].insert(parent);
  }
  std::vector<std::pair<std::string, std::vector<PgColumn>>> ordered;
  std::set<std::string> placed;
  while (ordered.size() < by_name.size()) {
    const auto before = ordered.size();
    for (auto& [name, table_columns] : by_name) {
      if (placed.contains(name)) continue;
      const auto& needs = parents[name];
      if (!std::all_of(needs.begin(), needs.end(),
                       [&](const std::string& p) { return placed.contains(p); })) {
        continue;
      }
      ordered.emplace_back(name, table_columns);
      placed.insert(name);
      break;  // restart from the first name: ties go by name
    }
    if (ordered.size() == before) {  // a cycle: no PostgreSQL migration makes one
      spdlog::error("storage migrate: the PostgreSQL tables' foreign keys form a cycle");
      return MigrationErrc::kSchemaMismatch;
    }
  }
  return ordered;
}

Result<std::map<std::string, std::vector<std::string>>> primary_keys(pg::Connection& target) {
  RAPPORT_TRY(
      const auto rows,
      target.exec("SELECT t.relname::text, a.attname::text FROM pg_index i "
                  "JOIN pg_class t ON t.oid = i.indrelid "
                  "JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
                  "a.attnum = ANY(i.indkey) "
                  "WHERE i.indisprimary AND t.relnamespace = current_schema()::regnamespace "
                  "ORDER BY t.relname, array_position(i.indkey::int2[], a.attnum)"));
  std::map<std::string, std::vector<std::string>> keys;
  for (std::size_t r = 0; r < rows.size(); ++r) keys[rows.text(r, 0)].push_back(rows.text(r, 1));
  return keys;
}

Result<std::int64_t> count_sqlite(storage::Database& db, const std::string& sql) {
  RAPPORT_TRY(auto stmt, db.prepare(sql));
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 0;
}

struct SqliteColumn {
  std::string name;
  std::optional<std::string> default_sql;  // as written in the schema
};

Result<std::vector<SqliteColumn>> sqlite_columns(storage::Database& db, const std::string& table) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT name, dflt_value FROM pragma_table_info(?1)"));
  stmt.bind(1, table);
  std::vector<SqliteColumn> columns;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    columns.push_back({stmt.column_text(0), stmt.column_optional_text(1)});
  }
  return columns;
}

// The source's tables (but SQLite's own): name -> whether it is a rowid table.
Result<std::map<std::string, bool>> source_tables(storage::Database& source) {
  RAPPORT_TRY(auto listed, source.prepare("SELECT name, sql LIKE '%WITHOUT ROWID%' "
                                          "FROM sqlite_master WHERE type = 'table' AND "
                                          "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"));
  std::map<std::string, bool> tables;
  for (;;) {
    RAPPORT_TRY(const bool row, listed.step());
    if (!row) break;
    tables[listed.column_text(0)] = listed.column_int64(1) == 0;
  }
  return tables;
}

bool has_column(const std::vector<SqliteColumn>& columns, const std::string& name) {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const SqliteColumn& c) { return c.name == name; });
}

// A target table and its SQLite namesake: the columns copied, in the target's order, and
// the order rows are compared in. kSchemaMismatch when the target needs a column SQLite
// lacks (one with a default, such as cards.issue_order, PostgreSQL fills itself: numbered
// in the rowid order copied, as SQLite orders a member's cards).
Result<Table> match_table(const std::string& name, const std::vector<PgColumn>& pg_columns,
                          const std::vector<SqliteColumn>& source_columns,
                          const std::vector<std::string>* key) {
  Table table;
  table.name = name;
  for (const auto& column : pg_columns) {
    if (has_column(source_columns, column.name)) {
      table.columns.push_back({column.name, column.kind});
    } else if (!column.defaulted) {
      spdlog::error("storage migrate: PostgreSQL column {}.{} has no SQLite counterpart", name,
                    column.name);
      return MigrationErrc::kSchemaMismatch;
    }
  }
  if (key != nullptr) {
    table.order_by = *key;
  } else {
    for (const auto& column : table.columns) table.order_by.push_back(column.name);
  }
  for (const auto& column : table.order_by) {
    if (!has_column(source_columns, column)) {
      spdlog::error("storage migrate: the key column {}.{} is not on SQLite", name, column);
      return MigrationErrc::kSchemaMismatch;
    }
  }
  return table;
}

// The columns of `table` only SQLite has, where a row holds something other than NULL or
// the column's default.
Result<void> add_left_behind_columns(storage::Database& source, const std::string& table,
                                     const std::vector<SqliteColumn>& source_columns,
                                     const std::vector<PgColumn>& pg_columns,
                                     std::vector<LeftBehind>& left_behind) {
  for (const auto& column : source_columns) {
    if (std::any_of(pg_columns.begin(), pg_columns.end(),
                    [&](const PgColumn& c) { return c.name == column.name; })) {
      continue;
    }
    const auto name = chain::quote_identifier(column.name);
    std::string sql = "SELECT count(*) FROM " + chain::quote_identifier(table) + " WHERE " + name +
                      " IS NOT NULL";
    // The default as the schema wrote it: our own migrations' text, not input.
    if (column.default_sql) sql += " AND " + name + " IS NOT (" + *column.default_sql + ")";
    RAPPORT_TRY(const auto rows, count_sqlite(source, sql));
    if (rows > 0) left_behind.push_back({table, column.name, rows});
  }
  return {};
}

struct Plan {
  std::vector<Table> tables;  // the target's, in copy order
  std::vector<LeftBehind> left_behind;
  std::vector<TableRows> derived;
};

// Matches the target's tables with the source's: what is copied, and what is left behind.
Result<Plan> make_plan(storage::Database& source, pg::Connection& target) {
  RAPPORT_TRY(const auto target_list, target_tables(target));
  RAPPORT_TRY(const auto keys, primary_keys(target));
  RAPPORT_TRY(const auto sources, source_tables(source));
  Plan plan;
  std::set<std::string> in_target;
  for (const auto& [name, pg_columns] : target_list) {
    in_target.insert(name);
    const auto found = sources.find(name);
    if (found == sources.end()) {
      // A PostgreSQL-only table: nothing to copy, and nothing to compare it with.
      spdlog::warn("storage migrate: the SQLite file has no table {}", name);
      continue;
    }
    RAPPORT_TRY(const auto source_columns, sqlite_columns(source, name));
    const auto key = keys.find(name);
    RAPPORT_TRY(auto table, match_table(name, pg_columns, source_columns,
                                        key == keys.end() ? nullptr : &key->second));
    table.sqlite_rowid = found->second;
    RAPPORT_TRY(table.source_rows,
                count_sqlite(source, "SELECT count(*) FROM " + chain::quote_identifier(name)));
    RAPPORT_TRY_VOID(
        add_left_behind_columns(source, name, source_columns, pg_columns, plan.left_behind));
    plan.tables.push_back(std::move(table));
  }
  for (const auto& [name, rowid] : sources) {
    if (in_target.contains(name)) continue;
    RAPPORT_TRY(const auto rows,
                count_sqlite(source, "SELECT count(*) FROM " + chain::quote_identifier(name)));
    if (rows == 0) continue;
    if (std::find(kDerivedTables.begin(), kDerivedTables.end(), name) != kDerivedTables.end()) {
      plan.derived.push_back({name, rows});
    } else {
      plan.left_behind.push_back({name, std::nullopt, rows});
    }
  }
  std::sort(plan.left_behind.begin(), plan.left_behind.end(),
            [](const LeftBehind& a, const LeftBehind& b) {
              return std::tie(a.table, a.column) < std::tie(b.table, b.column);
            });
  return plan;
}

Result<std::vector<TableRows>> non_empty_tables(pg::Connection& target, const Plan& plan) {
  std::vector<TableRows> found;
  for (const auto& table : plan.tables) {
    RAPPORT_TRY(const auto rows,
                target.exec("SELECT count(*) FROM " + chain::quote_identifier(table.name)));
    if (const auto n = rows.int64(0, 0); n > 0) found.push_back({table.name, n});
  }
  return found;
}

Result<std::int64_t> copy_table(storage::Database& source, pg::Connection& target,
                                const Table& table, const MigrationProgress& progress) {
  const auto columns = chain::column_list(table);
  RAPPORT_TRY(auto stmt,
              source.prepare("SELECT " + columns + " FROM " + chain::quote_identifier(table.name) +
                             (table.sqlite_rowid ? " ORDER BY rowid" : "")));
  std::int64_t done = 0;
  const auto step = std::max<std::int64_t>(1, table.source_rows / 100);
  if (progress) progress("copying", table.name, 0, table.source_rows);
  const auto rows = [&](std::string& buffer) -> Result<bool> {
    while (buffer.size() < kCopyChunkBytes) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) return false;
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        if (c > 0) buffer += '\t';
        const auto value = chain::sqlite_value(stmt, static_cast<int>(c), table.columns[c].kind);
        pg::append_copy_field(buffer,
                              value ? std::optional<std::string_view>(*value) : std::nullopt);
      }
      buffer += '\n';
      if (++done % step == 0 && progress) progress("copying", table.name, done, table.source_rows);
    }
    return true;
  };
  const auto copied = target.copy_in(
      "COPY " + chain::quote_identifier(table.name) + " (" + columns + ") FROM STDIN", rows);
  if (!copied) {
    spdlog::error("storage migrate: copying table {} failed: {}", table.name,
                  copied.error().message());
    return copied.error();
  }
  if (progress) progress("copied", table.name, *copied, table.source_rows);
  return *copied;
}

// Identity columns and member_change_seq continue after the copied values, as SQLite's
// rowids and max(changed_seq) + 1 do.
Result<void> advance_sequences(pg::Connection& target) {
  RAPPORT_TRY(const auto identities,
              target.exec("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema = current_schema() AND is_identity = 'YES'"));
  for (std::size_t r = 0; r < identities.size(); ++r) {
    const auto table = chain::quote_identifier(identities.text(r, 0));
    const auto column = chain::quote_identifier(identities.text(r, 1));
    RAPPORT_TRY_VOID(
        target.exec("SELECT setval(pg_get_serial_sequence($1, $2), "
                    "coalesce((SELECT max(" +
                        column + ") FROM " + table + "), 0) + 1, false)",
                    {pg::param(table), pg::param(identities.text(r, 1))}));
  }
  RAPPORT_TRY_VOID(
      target.exec("SELECT setval('member_change_seq', "
                  "coalesce((SELECT max(changed_seq) FROM members), 0) + 1, false)"));
  return {};
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

// The source's read transaction: one snapshot for the plan, the copy and the verification.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(storage::Database& db) : db_(db) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot() { (void)db_.execute("ROLLBACK"); }  // it wrote nothing

 private:
  storage::Database& db_;
};

// kTargetNotMigrated unless the target holds the last PostgreSQL migration (without one, a
// verification would compare no tables and find nothing wrong).
Result<void> require_current_schema(pg::Connection& target) {
  RAPPORT_TRY(const auto found, target.exec("SELECT to_regclass('schema_version') IS NOT NULL"));
  if (!found.boolean(0, 0)) return MigrationErrc::kTargetNotMigrated;
  RAPPORT_TRY(const auto version,
              target.exec("SELECT coalesce(max(version), 0) FROM schema_version"));
  if (version.int64(0, 0) < pg::kPgMigrations.back().version) {
    return MigrationErrc::kTargetNotMigrated;
  }
  return {};
}

// Changes whenever another connection commits to the file (SQLite's PRAGMA data_version).
Result<std::int64_t> data_version(storage::Database& source) {
  return count_sqlite(source, "PRAGMA data_version");
}

// The plan, the copy and the verification, all in one read transaction of the source.
Result<ChainMigration> copy_and_verify(storage::Database& source, pg::Connection& target,
                                       const ChainMigrationOptions& options,
                                       const MigrationProgress& progress) {
  RAPPORT_TRY_VOID(source.execute("BEGIN"));
  const ReadSnapshot snapshot(source);
  RAPPORT_TRY(const auto plan, make_plan(source, target));
  ChainMigration result;
  result.left_behind = plan.left_behind;
  result.derived = plan.derived;
  if (!options.verify_only) {
    RAPPORT_TRY(result.target_rows, non_empty_tables(target, plan));
    if (!result.target_rows.empty()) {
      result.refusal = MigrationRefusal::kTargetNotEmpty;
      return result;
    }
    if (!plan.left_behind.empty() && !options.allow_partial) {
      result.refusal = MigrationRefusal::kLeftBehind;
      return result;
    }
    const auto copy_start = std::chrono::steady_clock::now();
    RAPPORT_TRY(auto copy, pg::Transaction::begin(target));
    // The summaries PostgreSQL keeps by triggers (cohort_days, acquisition_days, ...) are
    // copied from SQLite's like every table; copying the members and purchases must not add
    // to them again (pg_report_summaries_schema.h).
    RAPPORT_TRY_VOID(target.exec("SET LOCAL rapport.copying = 'on'"));
    for (const auto& table : plan.tables) {
      RAPPORT_TRY(const auto rows, copy_table(source, target, table, progress));
      result.copied.push_back({table.name, rows});
    }
    RAPPORT_TRY_VOID(advance_sequences(target));
    RAPPORT_TRY_VOID(copy.commit());
    // Statistics now, not at autovacuum's next round: until then the planner takes the
    // copied tables for empty and scans them (docs/performance.md, "PostgreSQL ingest").
    RAPPORT_TRY_VOID(target.exec("ANALYZE"));
    result.copy_time = since(copy_start);
  }
  const auto verify_start = std::chrono::steady_clock::now();
  RAPPORT_TRY(result.checks, chain::check_tables(source, target, plan.tables, progress));
  result.verify_time = since(verify_start);
  return result;
}
}  // namespace

const boost::system::error_category& migration_category() noexcept {
  static const NamedErrorCategory category("rapport.migration", &describe);
  return category;
}

bool ChainMigration::verified() const {
  return refusal == MigrationRefusal::kNone && !source_changed &&
         std::all_of(checks.begin(), checks.end(), [](const TableCheck& c) { return c.matches(); });
}

Result<ChainMigration> migrate_chain(const ChainMigrationOptions& options,
                                     const MigrationProgress& progress) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.from, ec)) return MigrationErrc::kSourceMissing;
  storage::OpenOptions open;
  open.create_if_missing = false;
  RAPPORT_TRY(auto source, storage::Database::open(options.from, kSqliteMigrations, open));
  RAPPORT_TRY(auto target, pg::Connection::open(options.to));
  if (options.verify_only) {
    RAPPORT_TRY_VOID(require_current_schema(target));  // and change nothing
  } else {
    RAPPORT_TRY_VOID(pg::migrate(target));
  }
  RAPPORT_TRY(const auto version_before, data_version(source));
  RAPPORT_TRY(auto result, copy_and_verify(source, target, options, progress));
  RAPPORT_TRY(const auto version_after, data_version(source));
  result.source_changed = version_after != version_before;
  return result;
}

}  // namespace rapport::server
