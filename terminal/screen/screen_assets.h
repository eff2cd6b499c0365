// terminal/screen/screen_assets.h
//
// The cashier screen's static files (terminal/screen/assets/), built into rapport-terminal by
// cmake/EmbedFiles.cmake: nothing to install, nothing fetched from the network.

#pragma once

#include <optional>
#include <string_view>

namespace rapport::terminal {

struct Asset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
};

// The asset called `name`; nullopt for any other name.
[[nodiscard]] std::optional<Asset> find_screen_asset(std::string_view name);

}  // namespace rapport::terminal
