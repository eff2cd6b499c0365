// server/ctl/offers_cli.cpp
#include "server/ctl/offers_cli.h"

#include <CLI/CLI.hpp>

#include "server/ctl/offers_commands.h"

namespace rapport::ctl {
namespace {

class OffersCommands final : public OffersCli {
 public:
  explicit OffersCommands(CLI::App& app) {
    auto* offers = app.add_subcommand(
        "offers", "Tailored offers: what a member would be offered and why, outcomes, uplift");
    offers->require_subcommand(1);
    offers->footer(
        "Examples:\n"
        "  rapportctl offers for --data ./rapport-data --member 17\n"
        "  rapportctl offers record --data ./rapport-data --member 17 --offer five-off "
        "--outcome declined\n"
        "  rapportctl offers consent --data ./rapport-data --member 17 --personalisation off\n"
        "  rapportctl offers uplift --data ./rapport-data");

    for_ = offers->add_subcommand(
        "for", "The next best offers for a member, with the reasons and what was left out");
    for_->add_option("--data", for_options_.data, "Server data folder")->required();
    for_->add_option("--member", for_options_.member, "Member id")->required();
    for_->add_flag("--record", for_options_.record,
                   "Record the chosen offers as shown (held_out for the hold-out group)");
    for_->add_option("--now", for_options_.now, "Decide as of this time (ISO 8601 UTC)");
    for_->add_option("--store", for_options_.store, "Store where they are shown (with --record)");
    for_->footer(
        "Example: rapportctl offers for --data ./rapport-data --member 17 --record --store S1");

    record_ = offers->add_subcommand("record",
                                     "Record an offer shown to, accepted or declined by a member");
    record_->add_option("--data", record_options_.data, "Server data folder")->required();
    record_->add_option("--member", record_options_.member, "Member id")->required();
    record_->add_option("--offer", record_options_.offer, "Catalogue id")->required();
    record_->add_option("--outcome", record_options_.outcome, "shown, accepted or declined")
        ->required();
    record_->add_option("--at", record_options_.at, "When (ISO 8601 UTC; default now)");
    record_->add_option("--store", record_options_.store, "Store");
    record_->footer(
        "Example: rapportctl offers record --data ./rapport-data --member 17 --offer five-off "
        "--outcome declined --store S1");

    consent_ = offers->add_subcommand(
        "consent", "A member's consent to personalised offers (off: standard offers only)");
    consent_->add_option("--data", consent_data_, "Server data folder")->required();
    consent_->add_option("--member", consent_member_, "Member id")->required();
    consent_->add_option("--personalisation", consent_value_, "on or off")
        ->required()
        ->check(CLI::IsMember({"on", "off"}));
    consent_->footer(
        "Example: rapportctl offers consent --data ./rapport-data --member 17 "
        "--personalisation off");

    uplift_ = offers->add_subcommand(
        "uplift",
        "Per offer: members shown it and held out, and the uplift in later visits and spend "
        "with its 95% confidence interval");
    uplift_->add_option("--data", uplift_data_, "Server data folder")->required();
    uplift_->add_option("--now", uplift_now_, "Measure as of this time (ISO 8601 UTC)");
    uplift_->footer("Example: rapportctl offers uplift --data ./rapport-data");
  }

  std::optional<int> run() const override {
    if (*for_) return run_offers_for(for_options_);
    if (*record_) return run_offers_record(record_options_);
    if (*consent_) return run_offers_consent(consent_data_, consent_member_, consent_value_);
    if (*uplift_) return run_offers_uplift(uplift_data_, uplift_now_);
    return std::nullopt;
  }

 private:
  CLI::App* for_ = nullptr;
  CLI::App* record_ = nullptr;
  CLI::App* consent_ = nullptr;
  CLI::App* uplift_ = nullptr;
  OffersForOptions for_options_;
  OfferRecordOptions record_options_;
  std::filesystem::path consent_data_;
  std::int64_t consent_member_ = 0;
  std::string consent_value_;
  std::filesystem::path uplift_data_;
  std::optional<std::string> uplift_now_;
};

}  // namespace

std::unique_ptr<OffersCli> add_offers_commands(CLI::App& app) {
  return std::make_unique<OffersCommands>(app);
}

}  // namespace rapport::ctl
