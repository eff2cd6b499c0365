// server/analytics/summary.cpp
#include "server/analytics/summary.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <unordered_map>

#include "server/analytics/text_fields.h"

namespace rapport::analytics {
namespace {

struct Columns {
  std::optional<std::size_t> id, frequency, recency, age, monetary;
};

Columns find_columns(const std::vector<std::string_view>& header) {
  Columns c;
  std::optional<std::size_t> unnamed;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto name = to_lower(header[i]);
    if (name == "frequency" || name == "x") {
      c.frequency = i;
    } else if (name == "recency" || name == "t_x") {
      c.recency = i;
    } else if (header[i] == "T") {
      c.age = i;
    } else if (name == "monetary_value" || name == "zbar") {
      c.monetary = i;
    } else if (name == "id" || name == "customer" || name == "customer_id") {
      c.id = i;
    } else if (!unnamed) {
      unnamed = i;
    }
  }
  if (!c.id) c.id = unnamed;
  return c;
}

}  // namespace

Summary summarize(const std::vector<Transaction>& transactions,
                  std::chrono::sys_days calibration_end, TimeUnit unit) {
  // Per customer, the amount spent on each day (ordered), in order of first appearance.
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::string> ids;
  std::vector<std::map<std::chrono::sys_days, double>> days;
  for (const auto& t : transactions) {
    if (t.date > calibration_end) continue;
    auto [it, added] = index.try_emplace(t.customer, ids.size());
    if (added) {
      ids.push_back(t.customer);
      days.emplace_back();
    }
    days[it->second][t.date] += t.amount;
  }

  const double scale = unit == TimeUnit::kWeeks ? 7.0 : 1.0;
  Summary summary;
  summary.has_monetary_value = true;
  summary.customers.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& spend = days[i];
    const auto first = spend.begin()->first;
    const auto last = spend.rbegin()->first;
    CustomerSummary c;
    c.id = ids[i];
    c.frequency = static_cast<double>(spend.size() - 1);
    c.recency = static_cast<double>((last - first).count()) / scale;
    c.age = static_cast<double>((calibration_end - first).count()) / scale;
    double repeat_total = 0;
    for (auto it = std::next(spend.begin()); it != spend.end(); ++it) repeat_total += it->second;
    c.monetary_value = spend.size() > 1 ? repeat_total / c.frequency : 0.0;
    summary.customers.push_back(std::move(c));
  }
  return summary;
}

ParseResult<Summary> parse_summary(std::string_view text) {
  const auto lines = split_lines(text);
  std::size_t first = 0;
  while (first < lines.size() && trim(lines[first]).empty()) ++first;
  if (first == lines.size()) return ParseError{AnalyticsErrc::kEmptyInput, 0, "the file is empty"};

  const auto header = split_fields(lines[first], ',');
  const auto cols = find_columns(header);
  const std::size_t header_line = first + 1;
  if (!cols.id || !cols.frequency || !cols.recency || !cols.age) {
    return ParseError{AnalyticsErrc::kMissingColumn, header_line,
                      "the header must name an id column, frequency (or x), recency (or t_x) "
                      "and T"};
  }

  Summary summary;
  summary.has_monetary_value = cols.monetary.has_value();
  for (std::size_t i = first + 1; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    if (trim(lines[i]).empty()) continue;
    RAPPORT_TRY(const auto fields, split_csv_row(lines[i], line, header.size()));
    auto number = [&](std::size_t col) -> ParseResult<double> {
      const auto value = parse_number(fields[col]);
      if (!value) {
        return ParseError{AnalyticsErrc::kBadNumber, line,
                          std::string(header[col]) + " " + in_quotes(fields[col])};
      }
      return *value;
    };
    CustomerSummary c;
    c.id = std::string(fields[*cols.id]);
    RAPPORT_TRY(c.frequency, number(*cols.frequency));
    RAPPORT_TRY(c.recency, number(*cols.recency));
    RAPPORT_TRY(c.age, number(*cols.age));
    if (cols.monetary) {
      RAPPORT_TRY(c.monetary_value, number(*cols.monetary));
    }

    if (c.frequency < 0 || c.frequency != std::floor(c.frequency)) {
      return ParseError{AnalyticsErrc::kBadFrequency, line, in_quotes(fields[*cols.frequency])};
    }
    if (c.recency < 0 || c.age < 0) {
      return ParseError{
          AnalyticsErrc::kNegativeTime, line,
          "recency " + in_quotes(fields[*cols.recency]) + ", T " + in_quotes(fields[*cols.age])};
    }
    if (c.recency > c.age) {
      return ParseError{AnalyticsErrc::kRecencyAfterAge, line,
                        in_quotes(fields[*cols.recency]) + " > " + in_quotes(fields[*cols.age])};
    }
    if (c.monetary_value < 0) {
      return ParseError{AnalyticsErrc::kBadSpend, line, in_quotes(fields[*cols.monetary])};
    }
    summary.customers.push_back(std::move(c));
  }
  if (summary.customers.empty()) {
    return ParseError{AnalyticsErrc::kEmptyInput, header_line, "no data rows"};
  }
  return summary;
}

ParseResult<Summary> read_summary(const std::filesystem::path& file) {
  auto text = read_text_file(file);
  if (!text) return text.error();
  return parse_summary(*text);
}

void write_summary_csv(std::ostream& out, const Summary& summary) {
  const auto precision = out.precision(10);
  out << "id,frequency,recency,T,monetary_value\n";
  for (const auto& c : summary.customers) {
    out << c.id << ',' << c.frequency << ',' << c.recency << ',' << c.age << ',' << c.monetary_value
        << '\n';
  }
  out.precision(precision);
}

}  // namespace rapport::analytics
