// shared/config/config_file.h
//
// Typed reads from a TOML configuration file, with errors that name the file, the key and
// (where toml++ knows it) the line. Bad configuration is a start-up failure: every reader
// throws ConfigError with a message that says what to fix. toml++ stays inside the .cpp.

#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rapport::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConfigFile {
 public:
  // Throws ConfigError when the file is missing or not valid TOML (with line and column).
  [[nodiscard]] static ConfigFile load(const std::filesystem::path& file);
  // For tests and generated configs: parses `text` as if it were the file `origin`.
  [[nodiscard]] static ConfigFile parse(std::string_view text, const std::filesystem::path& origin);

  ConfigFile(ConfigFile&&) noexcept;
  ConfigFile& operator=(ConfigFile&&) noexcept;
  ~ConfigFile();

  // `key` is dotted: "server.listen". Each throws ConfigError when the key is missing (the
  // required forms) or has the wrong type or range.
  [[nodiscard]] std::string string(std::string_view key) const;
  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key) const;
  [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t min,
                                     std::int64_t max) const;
  [[nodiscard]] std::int64_t integer_or(std::string_view key, std::int64_t fallback,
                                        std::int64_t min, std::int64_t max) const;
  // A number, written with or without a decimal point.
  [[nodiscard]] double number_or(std::string_view key, double fallback, double min,
                                 double max) const;
  [[nodiscard]] bool boolean_or(std::string_view key, bool fallback) const;
  // How many entries an array (of tables: [[readers.usb]]) has; 0 when the key is absent.
  // Entries are then read as "readers.usb[0].vendor_id".
  [[nodiscard]] std::size_t array_size(std::string_view key) const;
  // A path; relative paths are taken from the config file's folder, so a data folder can
  // be moved as a whole.
  [[nodiscard]] std::filesystem::path path(std::string_view key) const;
  // The keys of the table at `table` ("" for the top level), in file order; empty when the
  // table is absent; fails when `table` is not a table. For rejecting misspelt keys.
  [[nodiscard]] std::vector<std::string> keys(std::string_view table) const;
  // An array of non-empty strings; empty when absent.
  [[nodiscard]] std::vector<std::string> string_array(std::string_view key) const;
  // The line `key` (or, when it is missing, the nearest table holding it) starts on.
  [[nodiscard]] std::optional<std::int64_t> line_of(std::string_view key) const;

  // "config file <file>, key '<key>' (line N): <problem>" — for callers validating values
  // themselves. A missing key names the line of the nearest table that should hold it.
  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;

  [[nodiscard]] const std::filesystem::path& origin() const { return origin_; }

 private:
  struct Table;  // Holds the toml::table; defined in config_file.cpp.
  ConfigFile(std::unique_ptr<Table> table, std::filesystem::path origin);

  std::unique_ptr<Table> table_;
  std::filesystem::path origin_;
};

// "host:port" split and checked; throws through `file.fail` on a bad value.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
[[nodiscard]] HostPort host_port(const ConfigFile& file, std::string_view key);

// The same for text from elsewhere (a command line): "[::1]:8443" gives host "::1".
// Nullopt unless there is a host and a port 1-65535.
[[nodiscard]] std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace rapport::config
