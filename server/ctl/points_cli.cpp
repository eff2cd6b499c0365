// server/ctl/points_cli.cpp
#include "server/ctl/points_cli.h"

#include <CLI/CLI.hpp>

#include "server/ctl/commands.h"

namespace rapport::ctl {
namespace {

class PointsCommands final : public PointsCli {
 public:
  explicit PointsCommands(CLI::App& app) {
    auto* points = app.add_subcommand(
        "points", "The points ledger: balances, adjustments, bulk imports, liability, expiry");
    points->require_subcommand(1);
    points->footer(
        "Examples:\n"
        "  rapportctl points balance --data ./rapport-data --member 17\n"
        "  rapportctl points adjust --data ./rapport-data --member 17 --points 250 "
        "--reason \"lost receipt\" --staff j.smith\n"
        "  rapportctl points import --data ./rapport-data awards.csv\n"
        "  rapportctl points liability --data ./rapport-data");

    balance_ = points->add_subcommand("balance", "A member's points balance and reward tier");
    balance_->add_option("--data", balance_data_, "Server data folder")->required();
    balance_->add_option("--member", balance_member_, "Member id")->required();
    balance_->footer("Example: rapportctl points balance --data ./rapport-data --member 17");

    adjust_ = points->add_subcommand(
        "adjust", "Add or take away points by hand (kept in the ledger with reason and staff)");
    adjust_->add_option("--data", adjust_options_.data, "Server data folder")->required();
    adjust_->add_option("--member", adjust_options_.member, "Member id")->required();
    adjust_->add_option("--points", adjust_options_.points, "Points: positive adds, negative takes")
        ->required();
    adjust_->add_option("--reason", adjust_options_.reason, "Why, for the audit")->required();
    adjust_->add_option("--staff", adjust_options_.staff, "Who is making the change")->required();
    adjust_->footer(
        "Example: rapportctl points adjust --data ./rapport-data --member 17 --points -120 "
        "--reason \"duplicate award\" --staff j.smith");

    import_ = points->add_subcommand(
        "import", "Award or correct points in bulk from a CSV: checked whole, then all or nothing");
    import_->add_option("--data", import_data_, "Server data folder")->required();
    import_->add_option("FILE", import_file_, "CSV with the header member_id,points,reason,staff")
        ->required();
    import_->footer(
        "Example: rapportctl points import --data ./rapport-data awards.csv\n"
        "awards.csv:\n"
        "  member_id,points,reason,staff\n"
        "  17,500,store opening gift,j.smith\n"
        "  42,-120,duplicate award,j.smith\n"
        "Every problem is reported with its line and nothing is applied until the file is "
        "right; the same file is never applied twice.");

    liability_ = points->add_subcommand(
        "liability",
        "The chain's outstanding points (the sum of all balances), checked against "
        "the chain's own accounts");
    liability_->add_option("--data", liability_data_, "Server data folder")->required();
    liability_->footer("Example: rapportctl points liability --data ./rapport-data");

    expire_ = points->add_subcommand(
        "expire", "Run the expiry job: balances of inactive members expire, tiers are reviewed");
    expire_->add_option("--data", expire_data_, "Server data folder")->required();
    expire_->add_option("--now", expire_now_,
                        "As of this time (default: now), "
                        "e.g. 2026-11-26T09:00:00Z");
    expire_->footer("Example: rapportctl points expire --data ./rapport-data");

    reviews_ = points->add_subcommand(
        "reviews", "Redemptions the balance could not cover (offline double spends), for review");
    reviews_->add_option("--data", reviews_data_, "Server data folder")->required();
    reviews_->add_option("--limit", reviews_limit_, "At most this many")->capture_default_str();
    reviews_->footer("Example: rapportctl points reviews --data ./rapport-data");
  }

  std::optional<int> run() const override {
    if (*balance_) return run_points_balance(balance_data_, balance_member_);
    if (*adjust_) return run_points_adjust(adjust_options_);
    if (*import_) return run_points_import(import_data_, import_file_);
    if (*liability_) return run_points_liability(liability_data_);
    if (*expire_) return run_points_expire(expire_data_, expire_now_);
    if (*reviews_) return run_points_reviews(reviews_data_, reviews_limit_);
    return std::nullopt;
  }

 private:
  CLI::App* balance_ = nullptr;
  CLI::App* adjust_ = nullptr;
  CLI::App* import_ = nullptr;
  CLI::App* liability_ = nullptr;
  CLI::App* expire_ = nullptr;
  CLI::App* reviews_ = nullptr;
  std::filesystem::path balance_data_;
  std::int64_t balance_member_ = 0;
  PointsAdjustOptions adjust_options_;
  std::filesystem::path import_data_;
  std::filesystem::path import_file_;
  std::filesystem::path liability_data_;
  std::filesystem::path expire_data_;
  std::optional<std::string> expire_now_;
  std::filesystem::path reviews_data_;
  std::size_t reviews_limit_ = 100;
};

}  // namespace

std::unique_ptr<PointsCli> add_points_commands(CLI::App& app) {
  return std::make_unique<PointsCommands>(app);
}

}  // namespace rapport::ctl
