// server/ctl/storage_cli.cpp
#include "server/ctl/storage_cli.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "server/ctl/progress_printer.h"
#include "server/storage/chain_migration.h"
#include "server/storage/pg_errc.h"
#include "server/storage/store_url.h"
#include "shared/storage/storage_errc.h"

namespace rapport::ctl {
namespace {

constexpr const char* kExample =
    "Example:\n"
    "  rapportctl storage migrate --from sqlite:///var/lib/rapport/rapport.db \\\n"
    "      --to postgresql://rapport@db1:5432/chain\n"
    "Stop every rapport-server on the SQLite file first. The target must be an empty database\n"
    "(createdb chain). Nothing is copied unless all of it is; docs/deployment.md, \"Moving\n"
    "from SQLite to PostgreSQL\".";

std::string describe(const server::LeftBehind& left) {
  return left.column ? left.table + "." + *left.column + " (" + std::to_string(left.rows) +
                           " rows with a value)"
                     : left.table + " (" + std::to_string(left.rows) + " rows)";
}

void print_checks(const server::ChainMigration& result) {
  std::printf("%-24s %12s %12s  %s\n", "table", "rows from", "rows to", "checksum");
  for (const auto& check : result.checks) {
    std::printf("%-24s %12lld %12lld  %s\n", check.table.c_str(),
                static_cast<long long>(check.rows_from), static_cast<long long>(check.rows_to),
                check.matches() ? "match" : "MISMATCH");
  }
}

class StorageCommands final : public StorageCli {
 public:
  explicit StorageCommands(CLI::App& app) {
    storage_ = app.add_subcommand("storage", "Move a chain between storage backends");
    storage_->require_subcommand(1);
    storage_->footer(kExample);
    migrate_ = storage_->add_subcommand(
        "migrate",
        "Copy a chain from its SQLite file into an empty PostgreSQL database in one "
        "transaction, then verify row counts and a SHA-256 per table on both sides");
    migrate_
        ->add_option("--from", from_, "The SQLite database: sqlite:///path/rapport.db or a path")
        ->required();
    migrate_
        ->add_option("--to", to_,
                     "The PostgreSQL database: postgresql://user@host:5432/db or "
                     "postgresql:///db?host=/run/postgresql")
        ->required();
    migrate_->add_flag("--allow-partial", options_.allow_partial,
                       "Copy what PostgreSQL holds even when the SQLite file has data it has no "
                       "place for yet (listed; it stays in the SQLite file)");
    migrate_->add_flag("--verify-only", options_.verify_only,
                       "Copy nothing: compare the counts and checksums of what both hold now");
    migrate_->add_flag("--progress", progress_,
                       "Show progress on stderr even when it is not a terminal");
    migrate_->footer(kExample);
  }

  std::optional<int> run() const override {
    if (!*migrate_) return std::nullopt;
    return run_migrate();
  }

 private:
  int run_migrate() const {
    auto options = options_;
    const auto from = server::parse_store_url(from_);
    if (!from || from->backend != server::StoreUrl::Backend::kSqlite) {
      std::cerr << "error: --from must name the SQLite file: sqlite:///var/lib/rapport/"
                   "rapport.db or a path (the `database` setting in server.toml)\n";
      return 2;
    }
    const auto to = server::parse_store_url(to_);
    if (!to || to->backend != server::StoreUrl::Backend::kPostgresql) {
      std::cerr << "error: --to must be a PostgreSQL URL: postgresql://user@host:5432/db or "
                   "postgresql:///db?host=/run/postgresql\n";
      return 2;
    }
    options.from = from->location;
    options.to = to->location;

    ProgressPrinter printer(progress_);
    const auto show = printer.callback();
    const auto progress = [&](std::string_view what, std::string_view table, std::int64_t done,
                              std::int64_t total) {
      if (what == "copied") {  // one line per table, whatever --progress says
        printer.clear();
        std::cerr << "copied " << table << ": " << done << " of " << total << " rows\n";
        return;
      }
      if (!show) return;
      const std::string stage = std::string(what) + " " + std::string(table);
      show({stage, static_cast<std::size_t>(done), static_cast<std::size_t>(total)});
    };
    const auto result = server::migrate_chain(options, progress);
    printer.clear();
    if (!result) return report_failure(result.error(), options);

    switch (result->refusal) {
      case server::MigrationRefusal::kTargetNotEmpty: {
        std::cerr << "error: the target database already holds data:";
        const char* separator = " ";
        for (const auto& t : result->target_rows) {
          std::cerr << separator << t.table << " (" << t.rows << " rows)";
          separator = ", ";
        }
        std::cerr << ". Nothing was copied. Migrate into a new, empty database (createdb), or "
                     "compare what it holds with --verify-only.\n";
        return 1;
      }
      case server::MigrationRefusal::kLeftBehind: {
        std::cerr << "error: PostgreSQL has no place yet for this data of the SQLite file:\n";
        for (const auto& left : result->left_behind) std::cerr << "  " << describe(left) << "\n";
        std::cerr << "Nothing was copied. To copy what PostgreSQL holds and leave these in the "
                     "SQLite file, run again with --allow-partial (servers on PostgreSQL do not "
                     "serve them yet: docs/deployment.md, \"On PostgreSQL\").\n";
        return 1;
      }
      case server::MigrationRefusal::kNone:
        break;
    }
    print_checks(*result);
    if (!options.verify_only && !result->derived.empty()) {
      std::cerr << "not copied, derived from other tables (rebuilt from them when PostgreSQL "
                   "gets them):";
      for (const auto& t : result->derived) std::cerr << " " << t.table;
      std::cerr << "\n";
    }
    if (!options.verify_only && !result->left_behind.empty()) {
      std::cerr << "left behind in " << options.from.string()
                << " (PostgreSQL has no place for them yet; --allow-partial):\n";
      for (const auto& left : result->left_behind) std::cerr << "  " << describe(left) << "\n";
    }
    if (result->source_changed) {
      std::cerr << "error: another program wrote to " << options.from.string()
                << " during the migration; its writes are not in PostgreSQL. Stop every "
                   "rapport-server on the file, then migrate again into a new, empty "
                   "database.\n";
      return 1;
    }
    if (!result->verified()) {
      std::cerr << "error: the databases differ in the tables marked MISMATCH. If a server "
                   "wrote to either meanwhile, stop it and run with --verify-only again; "
                   "otherwise drop the PostgreSQL database and migrate again.\n";
      return 1;
    }
    std::int64_t copied = 0;
    for (const auto& t : result->copied) copied += t.rows;
    const auto seconds = [](std::chrono::milliseconds ms) {
      return static_cast<double>(ms.count()) / 1000.0;
    };
    if (!options.verify_only) {
      std::fprintf(stderr, "copied %lld rows in %.1f s; ", static_cast<long long>(copied),
                   seconds(result->copy_time));
    }
    std::fprintf(stderr, "verified in %.1f s\n", seconds(result->verify_time));
    if (options.verify_only) {
      std::cout << "verified: every table matches\n";
    } else {
      std::cout << "migrated and verified: every table matches. Point each server's "
                   "`database` at "
                << to_ << "\n";
    }
    return 0;
  }

  static int report_failure(const ErrorCode& error, const server::ChainMigrationOptions& options) {
    if (error == server::MigrationErrc::kSourceMissing) {
      std::cerr << "error: there is no SQLite database at " << options.from.string()
                << ": check --from (the `database` setting in the data folder's server.toml)\n";
    } else if (error == server::pg::PgErrc::kCannotConnect) {
      std::cerr << "error: cannot connect to PostgreSQL (reason above): check --to, that the "
                   "server runs and accepts this user, and that the database exists "
                   "(createdb)\n";
    } else if (error == server::MigrationErrc::kTargetNotMigrated) {
      std::cerr << "error: " << options.to
                << " does not hold a migrated chain (no current Rapport schema), so there is "
                   "nothing to verify: check --to, or migrate into it without --verify-only\n";
    } else if (error == storage::StorageErrc::kConstraint) {
      std::cerr << "error: PostgreSQL refused a row of the SQLite file (the table, row and rule "
                   "are above); nothing was committed. Fix that row in the SQLite file (stop "
                   "the servers first) and migrate again.\n";
    } else {
      std::cerr << "error: the migration failed, nothing was committed to PostgreSQL: "
                << error.message() << "\n";
    }
    return 1;
  }

  CLI::App* storage_ = nullptr;
  CLI::App* migrate_ = nullptr;
  std::string from_;
  std::string to_;
  bool progress_ = false;
  server::ChainMigrationOptions options_;
};

}  // namespace

std::unique_ptr<StorageCli> add_storage_commands(CLI::App& app) {
  return std::make_unique<StorageCommands>(app);
}

}  // namespace rapport::ctl
