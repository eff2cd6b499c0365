// server/ctl/data_folder.h
//
// Where rapportctl puts things in a server data folder (docs/architecture.md, "Data folder"),
// and opening its config and store with errors that tell an operator what to run.

#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "server/server_config.h"
#include "server/storage/staff_store.h"
#include "server/storage/store.h"

namespace rapport::ctl {

inline std::filesystem::path config_file(const std::filesystem::path& data) {
  return data / "server.toml";
}

struct OpenedFolder {
  server::ServerConfig config;
  std::unique_ptr<server::Store> store;
};

// Loads <data>/server.toml and opens its database, or the one `database` names (a URL,
// docs/schema.md: a chain moved to PostgreSQL, for the commands that run there); prints the
// problem and returns nullopt on failure ("run `rapportctl init --data DIR` first" when there
// is no folder).
[[nodiscard]] std::optional<OpenedFolder> open_data_folder(
    const std::filesystem::path& data, const std::optional<std::string>& database = {});

// The folder's SQLite file, for a command part (`what`, e.g. "head-office reports") that has
// no PostgreSQL version yet; none, after saying so, when the folder's database is PostgreSQL.
[[nodiscard]] std::optional<std::filesystem::path> sqlite_file(const OpenedFolder& folder,
                                                               std::string_view what);

// The folder's staff store (users, audit, members' pages); prints the problem and returns
// nullptr when its database cannot be opened.
[[nodiscard]] std::unique_ptr<server::StaffStore> open_staff_store(const OpenedFolder& folder);

// True when `store` is one of the folder's stores; otherwise prints which folder lacks it.
[[nodiscard]] bool has_store(OpenedFolder& folder, const std::string& store,
                             const std::filesystem::path& data);

}  // namespace rapport::ctl
