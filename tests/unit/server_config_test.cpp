// tests/unit/server_config_test.cpp
//
// server.toml: the annotated example loads, and limits.max_connections (what the idle
// benchmark raises for 1,000 terminals) is read and bounded.

#include <catch2/catch.hpp>
#include <regex>

#include "server/server_config.h"
#include "shared/config/config_file.h"
#include "shared/util/files.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;

namespace {

// config/server.toml with its max_connections line replaced by `line` ("" drops it).
std::filesystem::path example_with(const testing::TempDir& dir, const std::string& line) {
  const auto example = testing::read_text(std::filesystem::path(RAPPORT_SOURCE_DIR) /
                                          "config/server.toml");
  REQUIRE(example.find("max_connections = 256") != std::string::npos);
  const auto file = dir / "server.toml";
  write_file_atomically(file, std::regex_replace(example, std::regex("max_connections = 256"), line),
                        false);
  return file;
}

}  // namespace

TEST_CASE("server.toml sets how many connections the server holds open", "[config]") {
  testing::TempDir dir;
  CHECK(server::load_server_config(example_with(dir, "max_connections = 256")).max_connections ==
        256);
  CHECK(server::load_server_config(example_with(dir, "")).max_connections == 256);
  CHECK(server::load_server_config(example_with(dir, "max_connections = 1100")).max_connections ==
        1100);
  CHECK_THROWS_WITH(server::load_server_config(example_with(dir, "max_connections = 0")),
                    Catch::Contains("limits.max_connections"));
}

TEST_CASE("[dashboard] listen turns the dashboard on, and its session limits are read",
          "[config]") {
  testing::TempDir dir;
  const auto example = testing::read_text(std::filesystem::path(RAPPORT_SOURCE_DIR) /
                                          "config/server.toml");
  const auto with = [&](const std::string& from, const std::string& to) {
    REQUIRE(example.find(from) != std::string::npos);
    const auto file = dir / "server.toml";
    write_file_atomically(file, std::regex_replace(example, std::regex(from), to), false);
    return server::load_server_config(file);
  };
  const auto on = with("session_hours = 12", "session_hours = 8");
  CHECK(on.dashboard_host == "127.0.0.1");
  CHECK(on.dashboard_port == 8445);
  CHECK(on.dashboard_session_idle == std::chrono::minutes(30));
  CHECK(on.dashboard_session_lifetime == std::chrono::hours(8));
  CHECK(with("listen = \"127.0.0.1:8445\"", "").dashboard_port == 0);
  CHECK_THROWS_WITH(with("session_idle_minutes = 30", "session_idle_minutes = 0"),
                    Catch::Contains("dashboard.session_idle_minutes"));
}
