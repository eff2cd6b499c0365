// server/ctl/data_folder.cpp
#include "server/ctl/data_folder.h"

#include <algorithm>
#include <iostream>

#include "server/storage/store_url.h"
#include "shared/config/config_file.h"

namespace rapport::ctl {

std::optional<OpenedFolder> open_data_folder(const std::filesystem::path& data,
                                            const std::optional<std::string>& database) {
  const auto file = config_file(data);
  if (!std::filesystem::exists(file)) {
    std::cerr << "error: " << data.string() << " is not a Rapport data folder (no server.toml).\n"
              << "Create one with: rapportctl init --data " << data.string() << "\n";
    return std::nullopt;
  }
  try {
    OpenedFolder folder{server::load_server_config(file), nullptr};
    // The folder's own database (its server.toml's `database`, SQLite or PostgreSQL), or the
    // one --database names.
    auto store = server::open_store(database.value_or(folder.config.database_url));
    if (!store) {
      // Not a URL itself: a postgresql:// one may hold a password.
      const std::string which = database                          ? "the --database"
                                : folder.config.database.empty() ? "the folder's PostgreSQL database"
                                                                  : folder.config.database.string();
      std::cerr << "error: cannot open " << which << ": " << store.error().message() << "\n";
      return std::nullopt;
    }
    folder.store = std::move(*store);
    folder.store->set_rewards_rules(folder.config.rewards);
    return folder;
  } catch (const config::ConfigError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return std::nullopt;
  }
}

std::optional<std::filesystem::path> sqlite_file(const OpenedFolder& folder,
                                                std::string_view what) {
  if (!folder.config.database.empty()) return folder.config.database;
  std::cerr << "error: " << what << " not yet supported on PostgreSQL, this folder's database "
            << "(docs/deployment.md, \"On PostgreSQL\")\n";
  return std::nullopt;
}

std::unique_ptr<server::StaffStore> open_staff_store(const OpenedFolder& folder) {
  auto staff = server::open_staff_store(folder.config.database_url);
  if (!staff) {
    // Not the URL itself: a postgresql:// one may hold a password.
    const std::string which = folder.config.database.empty() ? "the folder's PostgreSQL database"
                                                             : folder.config.database.string();
    std::cerr << "error: cannot open " << which << ": " << staff.error().message() << "\n";
    return nullptr;
  }
  return std::move(*staff);
}

bool has_store(OpenedFolder& folder, const std::string& store, const std::filesystem::path& data) {
  const auto stores = folder.store->list_stores();
  if (stores && std::find(stores->begin(), stores->end(), store) != stores->end()) return true;
  std::cerr << "error: no store '" << store << "' in " << data.string() << "\n";
  return false;
}

}  // namespace rapport::ctl
