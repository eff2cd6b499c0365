// server/dashboard/assets.h
//
// The dashboard's static files (server/dashboard/assets/), built into the binary at build
// time by cmake/EmbedFiles.cmake: no files to install, nothing fetched from the network.

#pragma once

#include <optional>
#include <string_view>

namespace rapport::server {

struct Asset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
};

// The asset called `name`; nullopt for any other name.
[[nodiscard]] std::optional<Asset> find_asset(std::string_view name);

}  // namespace rapport::server
