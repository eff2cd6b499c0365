// server/ctl/report_cli.h
//
// `rapportctl report NAME --data DIR --format csv|json [--store S] [--from D] [--to D]`
// (docs/reports.md): any report of server/reports/, streamed to standard output.
// add_report_commands() registers it; after parsing, run() runs it (nullopt when `report`
// was not chosen).

#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace rapport::ctl {

class ReportCli {
 public:
  virtual ~ReportCli() = default;
  [[nodiscard]] virtual std::optional<int> run() const = 0;
};

[[nodiscard]] std::unique_ptr<ReportCli> add_report_commands(CLI::App& app);

}  // namespace rapport::ctl
