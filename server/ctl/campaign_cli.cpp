// server/ctl/campaign_cli.cpp
#include "server/ctl/campaign_cli.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "server/ctl/data_folder.h"
#include "server/reports/campaign_store.h"
#include "server/reports/campaigns_csv.h"
#include "shared/util/files.h"
#include "shared/util/money.h"

namespace rapport::ctl {
namespace {

using server::reports::Campaign;
using server::reports::CampaignProblem;

class CampaignCommands final : public CampaignCli {
 public:
  explicit CampaignCommands(CLI::App& app) {
    auto* campaign = app.add_subcommand(
        "campaign", "Acquisition campaigns and their spend, for the acquisition reports");
    campaign->require_subcommand(1);
    campaign->footer(
        "Example: rapportctl campaign add --data ./rapport-data --id spring-flyer --name "
        "\"Spring flyer\" --channel flyer --from 2026-03-01 --to 2026-03-31 --spend-cents "
        "120000\nA member joins through the campaign of their channel whose days hold their "
        "enrollment day (docs/reports.md).");

    add_ = campaign->add_subcommand("add", "Record one campaign and what it cost");
    add_->add_option("--data", data_, "Server data folder")->required();
    add_->add_option("--id", one_.id, "Campaign id: letters, digits, '-' or '_'")->required();
    add_->add_option("--name", one_.name, "What it was")->required();
    add_->add_option("--channel", one_.channel,
                     "The channel its members record (e.g. flyer, social, app)")
        ->required();
    add_->add_option("--from", one_.starts_on, "First day, YYYY-MM-DD")->required();
    add_->add_option("--to", one_.ends_on, "Last day, YYYY-MM-DD")->required();
    add_->add_option("--spend-cents", one_.spend_cents, "What it cost, in whole cents")
        ->required();
    add_->footer(
        "Example: rapportctl campaign add --data ./rapport-data --id spring-flyer --name "
        "\"Spring flyer\" --channel flyer --from 2026-03-01 --to 2026-03-31 --spend-cents "
        "120000");

    import_ = campaign->add_subcommand(
        "import", "Record campaigns from a CSV: checked whole, then all or nothing");
    import_->add_option("--data", data_, "Server data folder")->required();
    import_->add_option("FILE", file_,
                        "CSV with the header id,name,channel,starts_on,ends_on,spend_cents")
        ->required();
    import_->footer(
        "Example: rapportctl campaign import --data ./rapport-data campaigns.csv\n"
        "  id,name,channel,starts_on,ends_on,spend_cents\n"
        "  spring-flyer,Spring flyer,flyer,2026-03-01,2026-03-31,120000");

    list_ = campaign->add_subcommand("list", "List the campaigns");
    list_->add_option("--data", data_, "Server data folder")->required();
    list_->footer("Example: rapportctl campaign list --data ./rapport-data");
  }

  std::optional<int> run() const override {
    if (add_ && *add_) return apply({one_}, "");
    if (import_ && *import_) return import();
    if (list_ && *list_) return list();
    return std::nullopt;
  }

 private:
  std::unique_ptr<server::reports::CampaignStore> open() const {
    auto folder = open_data_folder(data_);
    if (!folder) return nullptr;
    folder->store.reset();  // the campaign store's connection is enough
    auto store = server::reports::CampaignStore::open(folder->config.database_url);
    if (!store) {
      // Not the URL itself: a postgresql:// one may hold a password.
      std::cerr << "error: cannot open the folder's database: " << store.error().message()
                << "\n";
      return nullptr;
    }
    return std::move(*store);
  }

  static int refuse(const std::vector<CampaignProblem>& problems, const std::string& where) {
    for (const auto& p : problems) std::cerr << where << p.message() << "\n";
    std::cerr << "error: " << problems.size() << " problem(s); nothing was recorded. Fix "
              << (where.empty() ? "the campaign" : "the file") << " and try again.\n";
    return 2;
  }

  int apply(const std::vector<Campaign>& campaigns, const std::string& where) const {
    const auto store = open();
    if (!store) return 1;
    const auto problems = store->add(campaigns);
    if (!problems) {
      std::cerr << "error: cannot record the campaigns: " << problems.error().message() << "\n";
      return 1;
    }
    if (!problems->empty()) return refuse(*problems, where);
    std::int64_t spend = 0;
    for (const auto& c : campaigns) spend += c.spend_cents;
    std::cout << campaigns.size() << " campaign(s) recorded, " << format_cents(spend)
              << " spend; see them with: rapportctl report acquisition --data " << data_.string()
              << "\n";
    return 0;
  }

  int import() const {
    const auto text = read_file(file_);
    if (!text) {
      std::cerr << "error: cannot read " << file_.string() << "\n";
      return 1;
    }
    const auto csv = server::reports::parse_campaigns_csv(*text);
    if (!csv.problems.empty()) return refuse(csv.problems, file_.string() + ": ");
    return apply(csv.rows, file_.string() + ": ");
  }

  int list() const {
    const auto store = open();
    if (!store) return 1;
    const auto campaigns = store->list();
    if (!campaigns) {
      std::cerr << "error: cannot list the campaigns: " << campaigns.error().message() << "\n";
      return 1;
    }
    for (const auto& c : *campaigns) {
      std::cout << c.id << "\t" << c.channel << "\t" << c.starts_on << "\t" << c.ends_on << "\t"
                << format_cents(c.spend_cents) << "\t" << c.name << "\n";
    }
    return 0;
  }

  CLI::App* add_ = nullptr;
  CLI::App* import_ = nullptr;
  CLI::App* list_ = nullptr;
  std::filesystem::path data_;
  std::filesystem::path file_;
  Campaign one_;
};

}  // namespace

std::unique_ptr<CampaignCli> add_campaign_commands(CLI::App& app) {
  return std::make_unique<CampaignCommands>(app);
}

}  // namespace rapport::ctl
