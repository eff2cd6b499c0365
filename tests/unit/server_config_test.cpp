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
