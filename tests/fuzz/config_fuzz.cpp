// tests/fuzz/config_fuzz.cpp
//
// Any configuration text: loading either works or throws ConfigError with a message, never
// anything else, and typed reads of a parsed file behave the same way.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shared/config/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using rapport::config::ConfigError;
  using rapport::config::ConfigFile;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto file = ConfigFile::parse(text, "fuzz.toml");
    for (const char* key : {"server.listen", "server.database", "limits.max_body_bytes"}) {
      try {
        (void)file.optional_string(key);
      } catch (const ConfigError&) {
      }
      try {
        (void)file.integer_or(key, 0, 0, 100);
      } catch (const ConfigError&) {
      }
      try {
        (void)rapport::config::host_port(file, key);
      } catch (const ConfigError&) {
      }
    }
  } catch (const ConfigError& e) {
    if (std::string_view(e.what()).empty()) std::abort();
  }
  return 0;
}
