// server/ctl/rights_cli.h
//
// `rapportctl member export` and `rapportctl member erase` (docs/members-rights.md), kept out
// of main.cpp: add_rights_commands() adds them under the existing `member` command, and
// after parsing, run() runs the chosen one (nullopt when neither was chosen).
// Requires: `member` is already a subcommand of `app`.

#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace rapport::ctl {

class RightsCli {
 public:
  virtual ~RightsCli() = default;
  [[nodiscard]] virtual std::optional<int> run() const = 0;
};

[[nodiscard]] std::unique_ptr<RightsCli> add_rights_commands(CLI::App& app);

}  // namespace rapport::ctl
