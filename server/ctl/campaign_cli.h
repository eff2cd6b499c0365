// server/ctl/campaign_cli.h
//
// `rapportctl campaign add|import|list` (docs/reports.md, "Campaigns"): acquisition
// campaigns with their recorded spend, kept out of main.cpp. add_campaign_commands()
// registers them; after parsing, run() runs the chosen one (nullopt when none was chosen).

#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace rapport::ctl {

class CampaignCli {
 public:
  virtual ~CampaignCli() = default;
  [[nodiscard]] virtual std::optional<int> run() const = 0;
};

[[nodiscard]] std::unique_ptr<CampaignCli> add_campaign_commands(CLI::App& app);

}  // namespace rapport::ctl
