// server/ctl/points_cli.h
//
// The `rapportctl points` command line (balance, adjust, import, liability, expire,
// reviews), kept out of main.cpp: add_points_commands() registers it, and after parsing,
// run() runs the chosen command (nullopt when `points` was not chosen).

#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace rapport::ctl {

class PointsCli {
 public:
  virtual ~PointsCli() = default;
  [[nodiscard]] virtual std::optional<int> run() const = 0;
};

[[nodiscard]] std::unique_ptr<PointsCli> add_points_commands(CLI::App& app);

}  // namespace rapport::ctl
