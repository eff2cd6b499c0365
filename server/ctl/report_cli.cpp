// server/ctl/report_cli.cpp
#include "server/ctl/report_cli.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string>

#include "server/ctl/data_folder.h"
#include "server/reports/report.h"
#include "server/reports/sinks.h"
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
        "--region North\nReports:" +
        names + "\nColumns and meaning: docs/reports.md.");
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
    const auto sqlite = sqlite_file(*folder, "head-office reports are");
    if (!sqlite) return 1;
    const auto file = *sqlite;
    server::reports::ReportSettings settings;
    if (folder->config.rewards) {
      settings.liability_cents_per_100_points =
          folder->config.rewards->liability_cents_per_100_points;
    }
    const auto configured = server::reports::find_report(name_, settings);
    folder->store.reset();
    auto db = storage::Database::open(file, server::kSqliteMigrations);
    if (!db) {
      std::cerr << "error: cannot open the database " << file.string() << ": "
                << db.error().message() << "\n";
      return 1;
    }
    const auto sink = format_ == "json" ? server::reports::json_sink(std::cout)
                                        : server::reports::csv_sink(std::cout);
    if (auto r = configured->run(*db, filter_, *sink); !r) {
      std::cerr << "error: report " << name_ << " failed: " << r.error().message() << "\n";
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
