// server/ctl/offers_cli.h
//
// The `rapportctl offers` command line (for, record, consent, uplift; docs/offers.md), kept
// out of main.cpp: add_offers_commands() registers it, and after parsing, run() runs the
// chosen command (nullopt when `offers` was not chosen). The commands themselves are in
// offers_commands.cpp.

#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace rapport::ctl {

class OffersCli {
 public:
  virtual ~OffersCli() = default;
  [[nodiscard]] virtual std::optional<int> run() const = 0;
};

[[nodiscard]] std::unique_ptr<OffersCli> add_offers_commands(CLI::App& app);

}  // namespace rapport::ctl
