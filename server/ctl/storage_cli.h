// server/ctl/storage_cli.h
//
// `rapportctl storage migrate --from sqlite:///... --to postgresql://...` (docs/deployment.md,
// "Moving from SQLite to PostgreSQL"): copies a chain and verifies it table by table
// (server/storage/chain_migration.h). add_storage_commands() registers it; after parsing,
// run() runs it (nullopt when `storage` was not chosen).

#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace rapport::ctl {

class StorageCli {
 public:
  virtual ~StorageCli() = default;
  [[nodiscard]] virtual std::optional<int> run() const = 0;
};

[[nodiscard]] std::unique_ptr<StorageCli> add_storage_commands(CLI::App& app);

}  // namespace rapport::ctl
