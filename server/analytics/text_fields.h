// server/analytics/text_fields.h
//
// Small text helpers shared by the analytics readers: splitting lines into fields, strict
// number parsing and whole-file reading. Internal to server/analytics/.

#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/analytics/analytics_errc.h"

namespace rapport::analytics {

// `text` without leading and trailing spaces, tabs and carriage returns.
[[nodiscard]] std::string_view trim(std::string_view text);

// Fields of one line separated by `separator`, each trimmed. No quoting: a field cannot
// contain the separator.
[[nodiscard]] std::vector<std::string_view> split_fields(std::string_view line, char separator);

// The comma-separated fields of data line `line_number` of a CSV whose header has
// `header_fields` columns; kWrongColumnCount naming the line when the count differs.
[[nodiscard]] ParseResult<std::vector<std::string_view>> split_csv_row(std::string_view line,
                                                                       std::size_t line_number,
                                                                       std::size_t header_fields);

// Fields of one line separated by runs of blanks (the fixed-width logs).
[[nodiscard]] std::vector<std::string_view> split_blanks(std::string_view line);

// The whole field as a finite decimal number ("12", "-3.5", "1e3"); nullopt for anything
// else, including an empty field and trailing characters.
[[nodiscard]] std::optional<double> parse_number(std::string_view field);

// `text` in ASCII lower case (column names are matched case-blind).
[[nodiscard]] std::string to_lower(std::string_view text);

// 'field', for error messages that quote what they refused (not std::quoted: that one
// escapes and writes to streams).
[[nodiscard]] std::string in_quotes(std::string_view field);

// The lines of `text` (LF or CRLF ends; the last line may lack its end).
[[nodiscard]] std::vector<std::string_view> split_lines(std::string_view text);

// The bytes of `file`, or kCannotOpen.
[[nodiscard]] ParseResult<std::string> read_text_file(const std::filesystem::path& file);

}  // namespace rapport::analytics
