// shared/config/config_file.cpp
#include "shared/config/config_file.h"

#include <toml++/toml.h>

#include <sstream>

namespace rapport::config {

struct ConfigFile::Table {
  toml::table root;
};

ConfigFile::ConfigFile(std::unique_ptr<Table> table, std::filesystem::path origin)
    : table_(std::move(table)), origin_(std::move(origin)) {}
ConfigFile::ConfigFile(ConfigFile&&) noexcept = default;
ConfigFile& ConfigFile::operator=(ConfigFile&&) noexcept = default;
ConfigFile::~ConfigFile() = default;

ConfigFile ConfigFile::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw ConfigError("config file " + file.string() +
                      " does not exist; pass --config with the right path (examples in config/)");
  }
  try {
    return ConfigFile(std::make_unique<Table>(Table{toml::parse_file(file.string())}), file);
  } catch (const toml::parse_error& e) {
    std::ostringstream message;
    message << "config file " << file.string() << " line " << e.source().begin.line << ", column "
            << e.source().begin.column << ": " << e.description();
    throw ConfigError(message.str());
  }
}

ConfigFile ConfigFile::parse(std::string_view text, const std::filesystem::path& origin) {
  try {
    return ConfigFile(std::make_unique<Table>(Table{toml::parse(text, origin.string())}), origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream message;
    message << "config file " << origin.string() << " line " << e.source().begin.line << ": "
            << e.description();
    throw ConfigError(message.str());
  }
}

void ConfigFile::fail(std::string_view key, std::string_view problem) const {
  std::ostringstream message;
  message << "config file " << origin_.string() << ", key '" << key << "'";
  if (const auto line = line_of(key)) {
    if (table_->root.at_path(key)) {
      message << " (line " << *line << ")";
    } else {
      message << " (in the table at line " << *line << ")";
    }
  }
  message << ": " << problem;
  throw ConfigError(message.str());
}

std::optional<std::string> ConfigFile::optional_string(std::string_view key) const {
  const auto node = table_->root.at_path(key);
  if (!node) return std::nullopt;
  const auto value = node.value<std::string>();
  if (!value || !node.is_string()) fail(key, "must be a string in quotes");
  if (value->empty()) fail(key, "must not be empty");
  return value;
}

std::string ConfigFile::string(std::string_view key) const {
  auto value = optional_string(key);
  if (!value) fail(key, "is missing");
  return *value;
}

std::int64_t ConfigFile::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) const {
  const auto node = table_->root.at_path(key);
  if (!node) return fallback;
  if (!node.is_integer()) fail(key, "must be a whole number");
  const std::int64_t value = *node.value<std::int64_t>();
  if (value < min || value > max) {
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                  std::to_string(value));
  }
  return value;
}

double ConfigFile::number_or(std::string_view key, double fallback, double min,
                             double max) const {
  const auto node = table_->root.at_path(key);
  if (!node) return fallback;
  if (!node.is_number()) fail(key, "must be a number, e.g. 0.25");
  const double value = node.is_integer() ? static_cast<double>(*node.value<std::int64_t>())
                                         : *node.value<double>();
  if (!(value >= min && value <= max)) {
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                  std::to_string(value));
  }
  return value;
}

bool ConfigFile::boolean_or(std::string_view key, bool fallback) const {
  const auto node = table_->root.at_path(key);
  if (!node) return fallback;
  if (!node.is_boolean()) fail(key, "must be true or false (no quotes)");
  return *node.value<bool>();
}

std::size_t ConfigFile::array_size(std::string_view key) const {
  const auto node = table_->root.at_path(key);
  if (!node) return 0;
  if (!node.is_array()) fail(key, "must be an array (write [[" + std::string(key) + "]] tables)");
  return node.as_array()->size();
}

std::int64_t ConfigFile::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  if (!table_->root.at_path(key)) fail(key, "is missing");
  return integer_or(key, 0, min, max);
}

std::filesystem::path ConfigFile::path(std::string_view key) const {
  std::filesystem::path value = string(key);
  if (value.is_relative()) value = origin_.parent_path() / value;
  return value;
}

std::optional<std::int64_t> ConfigFile::line_of(std::string_view key) const {
  std::string_view at = key;
  for (;;) {
    if (at.empty()) return std::nullopt;
    if (const auto node = table_->root.at_path(at); node) {
      const auto line = node.node()->source().begin.line;
      if (line == 0) return std::nullopt;  // an implicit table ([a.b] defines a)
      return static_cast<std::int64_t>(line);
    }
    const auto cut = at.find_last_of(".[");
    if (cut == std::string_view::npos) return std::nullopt;
    at = at.substr(0, cut);
  }
}

std::vector<std::string> ConfigFile::keys(std::string_view table) const {
  const toml::table* t = &table_->root;
  if (!table.empty()) {
    const auto node = table_->root.at_path(table);
    if (!node) return {};
    t = node.as_table();
    if (t == nullptr) fail(table, "must be a table ([" + std::string(table) + "])");
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : *t) keys.emplace_back(k.str());
  return keys;
}

std::vector<std::string> ConfigFile::string_array(std::string_view key) const {
  const auto node = table_->root.at_path(key);
  if (!node) return {};
  const auto* array = node.as_array();
  if (array == nullptr) fail(key, "must be an array of strings, e.g. [\"a\", \"b\"]");
  std::vector<std::string> values;
  for (const auto& element : *array) {
    const auto* text = element.as_string();
    if (text == nullptr || text->get().empty()) {
      fail(key, "must be an array of non-empty strings in quotes, e.g. [\"a\", \"b\"]");
    }
    values.push_back(text->get());
  }
  return values;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return std::nullopt;
  }
  HostPort result;
  result.host = std::string(text.substr(0, colon));
  if (result.host.size() > 2 && result.host.front() == '[' && result.host.back() == ']') {
    result.host = result.host.substr(1, result.host.size() - 2);  // [::1]:8443
  }
  int port = 0;
  for (const char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return std::nullopt;
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  result.port = static_cast<std::uint16_t>(port);
  return result;
}

HostPort host_port(const ConfigFile& file, std::string_view key) {
  const auto parsed = parse_host_port(file.string(key));
  if (!parsed) file.fail(key, "must be host:port with a port 1-65535, e.g. \"127.0.0.1:8443\"");
  return *parsed;
}

}  // namespace rapport::config
