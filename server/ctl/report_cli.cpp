// server/ctl/report_cli.cpp
#include "server/ctl/report_cli.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string>

#include "server/ctl/data_folder.h"
#include "server/reports/report.h"
#include "server/reports/sinks.h"
#include "server/storage/pg_connection.h"
#include "server/storage/sqlite_schema.h"
#include "shared/util/clock.h"

namespace rapport::ctl {
namespace {

class ReportCommands final : public ReportCli {
 public:
  explicit ReportCommands(CLI::App& app) {
    std::string names;
    for (const auto& r : server::reports::all_reports()) {
      names += "\n  " + std::string(r->name()) + ": " + std::string(r->description());
    }
    report_ = app.add_subcommand("report", "Print a head-office report as CSV or JSON");
    report_->add_option("NAME", name_, "Report name (below)")->required();
    report_->add_option("--data", data_, "Server data folder")->required();
    report_->add_option("--format", format_, "csv or json")
        ->check(CLI::IsMember({"csv", "json"}))
        ->capture_default_str();
    report_->add_option("--store", filter_.store, "Only this store");
    report_->add_option("--region", filter_.region, "Only stores of this region");
    report_->add_option("--from", filter_.from, "First day, YYYY-MM-DD");
    report_->add_option("--to", filter_.to, "Last day, YYYY-MM-DD");
    report_->footer(
        "Example: rapportctl report customer-equity --data ./rapport-data --format csv "
        "--store S1 > equity.csv\n         rapportctl report customer-equity --data ./rapport-data "
        "--region North\n         rapportctl report members --data ./rapport-data > members.csv "
        "(every member, one row each)\nReports:" +
        names + "\nColumns and meaning: docs/reports.md.");
  }

  Result<void> run_on_sqlite(const server::reports::Report& report,
                             const std::filesystem::path& file,
                             server::reports::RowSink& sink) const {
    RAPPORT_TRY(auto db, storage::Database::open(file, server::kSqliteMigrations));
    return report.run(db, filter_, sink);
  }

  Result<void> run_on_postgresql(const server::reports::Report& report, const std::string& url,
                                 server::reports::RowSink& sink) const {
    RAPPORT_TRY(auto db, server::pg::Connection::open(url));
    return report.run_pg(db, filter_, sink);
  }

  std::optional<int> run() const override {
    if (!*report_) return std::nullopt;
    const auto report = server::reports::find_report(name_);
    if (!report) {
      std::cerr << "error: no report called '" << name_
                << "' (rapportctl report --help lists them)\n";
      return 2;
    }
    for (const auto* day : {&filter_.from, &filter_.to}) {
      if (*day && !is_valid_date(**day)) {
        std::cerr << "error: --from and --to are dates written YYYY-MM-DD, not '" << **day
                  << "'\n";
        return 2;
      }
    }
    auto folder = open_data_folder(data_);
    if (!folder) return 1;
    server::reports::ReportSettings settings;
    if (folder->config.rewards) {
      settings.liability_cents_per_100_points =
          folder->config.rewards->liability_cents_per_100_points;
    }
    const auto configured = server::reports::find_report(name_, settings);
    folder->store.reset();
    const auto sink = format_ == "json" ? server::reports::json_sink(std::cout)
                                        : server::reports::csv_sink(std::cout);
    // A folder on PostgreSQL (its `database` a postgresql:// URL): the report's PostgreSQL
    // version, or its error when it has none yet (docs/reports.md, "On PostgreSQL").
    const auto ran = folder->config.database.empty()
                         ? run_on_postgresql(*configured, folder->config.database_url, *sink)
                         : run_on_sqlite(*configured, folder->config.database, *sink);
    if (!ran) {
      std::cerr << "error: report " << name_ << " failed: " << ran.error().message() << "\n";
      return 1;
    }
    return 0;
  }

 private:
  CLI::App* report_ = nullptr;
  std::string name_;
  std::filesystem::path data_;
  std::string format_ = "csv";
  server::reports::Filter filter_;
};

}  // namespace

std::unique_ptr<ReportCli> add_report_commands(CLI::App& app) {
  return std::make_unique<ReportCommands>(app);
}

}  // namespace rapport::ctl
