// server/analytics/transactions.cpp
#include "server/analytics/transactions.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "server/analytics/text_fields.h"

namespace rapport::analytics {
namespace {

using std::chrono::sys_days;

// `count` decimal digits of `text` from `pos`, or -1.
int digits(std::string_view text, std::size_t pos, std::size_t count) {
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<sys_days> make_date(int y, int m, int d) {
  if (y < 0 || m < 1 || d < 1) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::optional<sys_days> parse_compact_date(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  return make_date(digits(text, 0, 4), digits(text, 4, 2), digits(text, 6, 2));
}

// The amount field of `line`: a number >= 0.
ParseResult<double> parse_amount(std::string_view field, std::size_t line) {
  const auto amount = parse_number(field);
  if (!amount) return ParseError{AnalyticsErrc::kBadNumber, line, "amount " + in_quotes(field)};
  if (*amount < 0) return ParseError{AnalyticsErrc::kNegativeAmount, line, in_quotes(field)};
  return *amount;
}

ParseResult<std::vector<Transaction>> parse_csv(const std::vector<std::string_view>& lines,
                                                std::size_t header_index) {
  const auto header = split_fields(lines[header_index], ',');
  std::optional<std::size_t> customer_col, date_col, amount_col;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto name = to_lower(header[i]);
    if (name == "customer" || name == "id" || name == "customer_id") customer_col = i;
    if (name == "date") date_col = i;
    if (name == "amount") amount_col = i;
  }
  const std::size_t header_line = header_index + 1;
  if (!customer_col || !date_col || !amount_col) {
    return ParseError{AnalyticsErrc::kMissingColumn, header_line,
                      "the header must name customer, date and amount"};
  }
  std::vector<Transaction> out;
  for (std::size_t i = header_index + 1; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    if (trim(lines[i]).empty()) continue;
    RAPPORT_TRY(const auto fields, split_csv_row(lines[i], line, header.size()));
    const auto date = parse_iso_date(fields[*date_col]);
    if (!date) return ParseError{AnalyticsErrc::kBadDate, line, in_quotes(fields[*date_col])};
    auto amount = parse_amount(fields[*amount_col], line);
    if (!amount) return amount.error();
    if (fields[*customer_col].empty()) {
      return ParseError{AnalyticsErrc::kMissingColumn, line, "empty customer"};
    }
    out.push_back({std::string(fields[*customer_col]), *date, *amount});
  }
  if (out.empty()) return ParseError{AnalyticsErrc::kEmptyInput, header_line, "no data rows"};
  return out;
}

ParseResult<std::vector<Transaction>> parse_log(const std::vector<std::string_view>& lines,
                                                std::size_t first) {
  std::vector<Transaction> out;
  for (std::size_t i = first; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    const auto fields = split_blanks(lines[i]);
    if (fields.empty()) continue;
    // An optional header line: its first field is not a number.
    if (out.empty() && i == first && !parse_number(fields[0])) continue;
    if (fields.size() != 4 && fields.size() != 5) {
      return ParseError{AnalyticsErrc::kWrongColumnCount, line,
                        std::to_string(fields.size()) +
                            " fields, the CDNOW log has 4 (customer date quantity amount) or 5"};
    }
    const std::size_t date_col = fields.size() - 3;
    const auto date = parse_compact_date(fields[date_col]);
    if (!date) return ParseError{AnalyticsErrc::kBadDate, line, in_quotes(fields[date_col])};
    if (!parse_number(fields[date_col + 1])) {
      return ParseError{AnalyticsErrc::kBadNumber, line,
                        "quantity " + in_quotes(fields[date_col + 1])};
    }
    auto amount = parse_amount(fields[date_col + 2], line);
    if (!amount) return amount.error();
    // Customer numbers are zero-padded in the log ("0001") and plain in its summaries ("1").
    auto customer = fields[date_col - 1];
    while (customer.size() > 1 && customer.front() == '0') customer.remove_prefix(1);
    out.push_back({std::string(customer), *date, *amount});
  }
  if (out.empty()) return ParseError{AnalyticsErrc::kEmptyInput, 0, "no transactions"};
  return out;
}

}  // namespace

std::optional<sys_days> parse_iso_date(std::string_view text) {
  text = trim(text);
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  return make_date(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2));
}

ParseResult<std::vector<Transaction>> parse_transactions(std::string_view text) {
  const auto lines = split_lines(text);
  std::size_t first = 0;
  while (first < lines.size() && trim(lines[first]).empty()) ++first;
  if (first == lines.size()) return ParseError{AnalyticsErrc::kEmptyInput, 0, "the file is empty"};
  if (lines[first].find(',') != std::string_view::npos) return parse_csv(lines, first);
  return parse_log(lines, first);
}

ParseResult<std::vector<Transaction>> read_transactions(const std::filesystem::path& file) {
  auto text = read_text_file(file);
  if (!text) return text.error();
  return parse_transactions(*text);
}

}  // namespace rapport::analytics
