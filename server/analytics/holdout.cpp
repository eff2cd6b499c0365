// server/analytics/holdout.cpp
#include "server/analytics/holdout.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <ostream>
#include <unordered_map>

#include "server/analytics/text_fields.h"

namespace rapport::analytics {
std::vector<HoldoutCustomer> summarize_holdout(const std::vector<Transaction>& transactions,
                                               std::chrono::sys_days calibration_end,
                                               std::chrono::sys_days holdout_end, TimeUnit unit) {
  const double scale = unit == TimeUnit::kWeeks ? 7.0 : 1.0;
  const double duration = static_cast<double>((holdout_end - calibration_end).count()) / scale;
  // The calibration customers in summarize()'s order: first appearance among the
  // transactions on or before the calibration end.
  std::unordered_map<std::string, std::size_t> index;
  std::vector<HoldoutCustomer> out;
  for (const auto& t : transactions) {
    if (t.date > calibration_end) continue;
    if (index.try_emplace(t.customer, out.size()).second) {
      out.push_back({t.customer, 0, duration});
    }
  }
  std::vector<std::vector<std::chrono::sys_days>> days(out.size());
  for (const auto& t : transactions) {
    if (t.date <= calibration_end || t.date > holdout_end) continue;
    const auto it = index.find(t.customer);
    if (it != index.end()) days[it->second].push_back(t.date);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& d = days[i];
    std::sort(d.begin(), d.end());
    out[i].frequency = static_cast<double>(std::unique(d.begin(), d.end()) - d.begin());
  }
  return out;
}

std::chrono::sys_days last_transaction_date(const std::vector<Transaction>& transactions) {
  return std::max_element(
             transactions.begin(), transactions.end(),
             [](const Transaction& a, const Transaction& b) { return a.date < b.date; })
      ->date;
}

ParseResult<std::vector<HoldoutCustomer>> parse_holdout(std::string_view text) {
  const auto lines = split_lines(text);
  std::size_t first = 0;
  while (first < lines.size() && trim(lines[first]).empty()) ++first;
  if (first == lines.size()) return ParseError{AnalyticsErrc::kEmptyInput, 0, "the file is empty"};

  const auto header = split_fields(lines[first], ',');
  std::optional<std::size_t> id_col, frequency_col, duration_col, unnamed;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto name = to_lower(header[i]);
    if (name == "frequency_holdout") {
      frequency_col = i;
    } else if (name == "duration_holdout") {
      duration_col = i;
    } else if (name == "id" || name == "customer" || name == "customer_id") {
      id_col = i;
    } else if (!unnamed) {
      unnamed = i;
    }
  }
  if (!id_col) id_col = unnamed;
  const std::size_t header_line = first + 1;
  if (!id_col || !frequency_col || !duration_col) {
    return ParseError{AnalyticsErrc::kMissingColumn, header_line,
                      "the header must name an id column, frequency_holdout and duration_holdout"};
  }

  std::vector<HoldoutCustomer> out;
  for (std::size_t i = first + 1; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    if (trim(lines[i]).empty()) continue;
    RAPPORT_TRY(const auto fields, split_csv_row(lines[i], line, header.size()));
    HoldoutCustomer c;
    c.id = std::string(fields[*id_col]);
    const auto frequency = parse_number(fields[*frequency_col]);
    const auto duration = parse_number(fields[*duration_col]);
    if (!frequency || !duration) {
      const std::size_t col = frequency ? *duration_col : *frequency_col;
      return ParseError{AnalyticsErrc::kBadNumber, line,
                        std::string(header[col]) + " " + in_quotes(fields[col])};
    }
    if (*frequency < 0 || *frequency != std::floor(*frequency)) {
      return ParseError{AnalyticsErrc::kBadFrequency, line, in_quotes(fields[*frequency_col])};
    }
    if (*duration <= 0) {
      return ParseError{AnalyticsErrc::kNegativeTime, line,
                        "duration_holdout must be positive: " + in_quotes(fields[*duration_col])};
    }
    c.frequency = *frequency;
    c.duration = *duration;
    out.push_back(std::move(c));
  }
  if (out.empty()) return ParseError{AnalyticsErrc::kEmptyInput, header_line, "no data rows"};
  return out;
}

ParseResult<std::vector<HoldoutCustomer>> read_holdout(const std::filesystem::path& file) {
  auto text = read_text_file(file);
  if (!text) return text.error();
  return parse_holdout(*text);
}

void write_holdout_csv(std::ostream& out, const std::vector<HoldoutCustomer>& holdout) {
  const auto precision = out.precision(10);
  out << "id,frequency_holdout,duration_holdout\n";
  for (const auto& c : holdout) out << c.id << ',' << c.frequency << ',' << c.duration << '\n';
  out.precision(precision);
}

ParseResult<std::vector<HoldoutCustomer>> align_holdout(
    const std::vector<CustomerSummary>& customers, const std::vector<HoldoutCustomer>& holdout) {
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < holdout.size(); ++i) {
    if (!index.try_emplace(holdout[i].id, i).second) {
      return ParseError{AnalyticsErrc::kHoldoutMismatch, 0,
                        "customer " + in_quotes(holdout[i].id) + " appears twice"};
    }
  }
  std::vector<HoldoutCustomer> out;
  out.reserve(customers.size());
  for (const auto& c : customers) {
    const auto it = index.find(c.id);
    if (it == index.end()) {
      return ParseError{AnalyticsErrc::kHoldoutMismatch, 0,
                        "customer " + in_quotes(c.id) + " of the summary has no hold-out row"};
    }
    out.push_back(holdout[it->second]);
  }
  if (holdout.size() != customers.size()) {
    // Every summary customer was found, so some hold-out row names a customer it lacks.
    std::unordered_map<std::string_view, bool> known;
    for (const auto& c : customers) known.emplace(c.id, true);
    for (const auto& h : holdout) {
      if (!known.count(h.id)) {
        return ParseError{AnalyticsErrc::kHoldoutMismatch, 0,
                          "customer " + in_quotes(h.id) + " of the hold-out is not in the summary"};
      }
    }
    return ParseError{AnalyticsErrc::kHoldoutMismatch, 0, "the summary repeats a customer"};
  }
  return out;
}

double HoldoutBucket::actual_mean() const {
  return customers == 0 ? 0.0 : actual / static_cast<double>(customers);
}

double HoldoutBucket::predicted_mean() const {
  return customers == 0 ? 0.0 : predicted / static_cast<double>(customers);
}

HoldoutComparison compare_holdout(const PurchaseModel& model,
                                  const std::vector<CustomerSummary>& customers,
                                  const std::vector<HoldoutCustomer>& holdout,
                                  std::size_t last_bucket, const ProgressCallback& progress) {
  HoldoutComparison out;
  for (std::size_t k = 0; k <= last_bucket; ++k) {
    out.buckets.push_back(
        {k < last_bucket ? std::to_string(k) : std::to_string(k) + "+", 0, 0.0, 0.0});
  }
  out.total.label = "all";
  double squared = 0;
  double absolute = 0;
  const std::string stage =
      "forecasting the hold-out period (" + std::string(model_title(model.kind())) + ")";
  ProgressTicker ticker(progress, stage, customers.size());
  for (std::size_t i = 0; i < customers.size(); ++i) {
    const auto& c = customers[i];
    const double predicted = model.expected_purchases(c, holdout[i].duration);
    const double actual = holdout[i].frequency;
    const auto k = std::min(static_cast<std::size_t>(c.frequency), last_bucket);
    for (HoldoutBucket* b : {&out.buckets[k], &out.total}) {
      b->customers += 1;
      b->actual += actual;
      b->predicted += predicted;
    }
    squared += (predicted - actual) * (predicted - actual);
    absolute += std::abs(predicted - actual);
    ticker.tick();
  }
  ticker.finish();
  if (!customers.empty()) {
    const auto n = static_cast<double>(customers.size());
    out.rmse = std::sqrt(squared / n);
    out.mae = absolute / n;
  }
  return out;
}

}  // namespace rapport::analytics
