// server/analytics/text_fields.cpp
#include "server/analytics/text_fields.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace rapport::analytics {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r";
  const auto first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kBlanks);
  return text.substr(first, last - first + 1);
}

std::vector<std::string_view> split_fields(std::string_view line, char separator) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const auto end = line.find(separator, start);
    if (end == std::string_view::npos) {
      fields.push_back(trim(line.substr(start)));
      return fields;
    }
    fields.push_back(trim(line.substr(start, end - start)));
    start = end + 1;
  }
}

ParseResult<std::vector<std::string_view>> split_csv_row(std::string_view line,
                                                         std::size_t line_number,
                                                         std::size_t header_fields) {
  auto fields = split_fields(line, ',');
  if (fields.size() != header_fields) {
    return ParseError{
        AnalyticsErrc::kWrongColumnCount, line_number,
        std::to_string(fields.size()) + " fields, the header has " + std::to_string(header_fields)};
  }
  return fields;
}

std::vector<std::string_view> split_blanks(std::string_view line) {
  std::vector<std::string_view> fields;
  constexpr std::string_view kBlanks = " \t\r";
  std::size_t pos = line.find_first_not_of(kBlanks);
  while (pos != std::string_view::npos) {
    const auto end = line.find_first_of(kBlanks, pos);
    fields.push_back(line.substr(pos, end == std::string_view::npos ? end : end - pos));
    pos = end == std::string_view::npos ? end : line.find_first_not_of(kBlanks, end);
  }
  return fields;
}

std::optional<double> parse_number(std::string_view field) {
  field = trim(field);
  if (field.empty()) return std::nullopt;
  if (field.front() == '+') field.remove_prefix(1);
  double value = 0;
  const auto* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (ec != std::errc{} || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

ParseResult<std::string> read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ParseError{AnalyticsErrc::kCannotOpen, 0, file.string()};
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return ParseError{AnalyticsErrc::kCannotOpen, 0, file.string()};
  return bytes.str();
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string in_quotes(std::string_view field) { return "'" + std::string(field) + "'"; }

}  // namespace rapport::analytics
