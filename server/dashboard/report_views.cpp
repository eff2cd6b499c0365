// server/dashboard/report_views.cpp
#include "server/dashboard/report_views.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>

#include "server/dashboard/views.h"

namespace rapport::server {
namespace {

bool is_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 && std::isdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  return true;
}

std::string json_string(std::string_view text) {
  std::string out = boost::json::serialize(boost::json::value(boost::json::string(text)));
  // Inside <script type="application/json">: "</" must not end the block.
  for (std::size_t at = out.find("</"); at != std::string::npos; at = out.find("</", at + 2)) {
    out.replace(at, 2, "<\\/");
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string cell_text(const reports::Cell& cell) {
  if (const auto* n = std::get_if<std::int64_t>(&cell)) return std::to_string(*n);
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  return {};
}

// A cell as a chart value: a number, or null when it has none or is not a number.
std::string chart_value(const reports::Cell& cell) {
  if (const auto* n = std::get_if<std::int64_t>(&cell)) return std::to_string(*n);
  if (const auto* s = std::get_if<std::string>(&cell)) {
    double value = 0;
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), value);
    if (ec == std::errc{} && end == s->data() + s->size()) return *s;
  }
  return "null";
}

std::string head(std::string_view title, bool chart) {
  std::string html =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
      html_escape(title) + " — Rapport</title><link rel=\"stylesheet\" href=\"/assets/app.css\">";
  if (chart) {
    html += "<script src=\"/assets/chart.min.js\" defer></script>"
            "<script src=\"/assets/reports.js\" defer></script>";
  }
  return html + "</head><body><header><a href=\"/\">Rapport</a> <a href=\"/reports\">Reports</a>"
                "</header><main>";
}

template <typename F>
void set_region(F& filter, const std::map<std::string, std::string>& query) {
  if constexpr (requires { filter.region; }) {
    const auto found = query.find("region");
    if (found != query.end() && !found->second.empty()) filter.region = found->second;
  }
}

template <typename F>
std::optional<std::string> region_of(const F& filter) {
  if constexpr (requires { filter.region; }) {
    return filter.region;
  } else {
    return std::nullopt;
  }
}

}  // namespace

std::optional<reports::Filter> report_filter_from_query(
    const std::map<std::string, std::string>& query) {
  reports::Filter filter;
  const auto value = [&](const char* key) -> std::optional<std::string> {
    const auto found = query.find(key);
    if (found == query.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
  filter.store = value("store");
  filter.from = value("from");
  filter.to = value("to");
  if ((filter.from && !is_day(*filter.from)) || (filter.to && !is_day(*filter.to))) {
    return std::nullopt;
  }
  set_region(filter, query);
  return filter;
}

std::string report_filter_query(const reports::Filter& filter) {
  std::string query;
  const auto add = [&](std::string_view key, const std::optional<std::string>& value) {
    if (!value) return;
    query += (query.empty() ? "" : "&") + std::string(key) + "=" + percent_encode(*value);
  };
  add("store", filter.store);
  add("from", filter.from);
  add("to", filter.to);
  add("region", region_of(filter));
  return query;
}

std::string reports_index_page(const std::vector<std::unique_ptr<reports::Report>>& reports) {
  std::string html = head("Reports", false) + "<h1>Reports</h1><ul id=\"reports\">";
  for (const auto& report : reports) {
    const std::string name = html_escape(report->name());
    html += "<li><a href=\"/reports/" + name + "\">" + name + "</a> — " +
            html_escape(report->description()) + "</li>";
  }
  return html + "</ul></main></body></html>\n";
}

ReportPageSink::ReportPageSink(const reports::Report& report, std::size_t max_rows)
    : report_(report), max_rows_(max_rows) {}

void ReportPageSink::begin(std::span<const reports::Column> columns) {
  const auto chart = report_.chart();
  if (!chart) return;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == chart->label_column) label_index_ = i;
  }
  for (const auto name : chart->value_columns) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].name == name) value_indexes_.push_back(i);
    }
  }
  datasets_.resize(value_indexes_.size());
}

void ReportPageSink::row(std::span<const reports::Cell> cells) {
  if (rows_++ >= max_rows_) return;
  table_rows_ += "<tr>";
  for (const auto& cell : cells) {
    const bool number = !std::holds_alternative<std::string>(cell) ||
                        chart_value(cell) != "null";
    table_rows_ += number ? "<td class=\"num\">" : "<td>";
    table_rows_ += html_escape(cell_text(cell)) + "</td>";
  }
  table_rows_ += "</tr>";
  if (!label_index_ || *label_index_ >= cells.size()) return;
  labels_.push_back(json_string(cell_text(cells[*label_index_])));
  for (std::size_t d = 0; d < value_indexes_.size(); ++d) {
    datasets_[d].push_back(value_indexes_[d] < cells.size() ? chart_value(cells[value_indexes_[d]])
                                                            : "null");
  }
}

std::string ReportPageSink::chart_json() const {
  const auto chart = report_.chart();
  std::string json = "{\"type\":\"";
  json += chart->kind == reports::ChartKind::kLine ? "line" : "bar";
  json += "\",\"labels\":[";
  for (std::size_t i = 0; i < labels_.size(); ++i) json += (i ? "," : "") + labels_[i];
  json += "],\"datasets\":[";
  for (std::size_t d = 0; d < datasets_.size(); ++d) {
    json += (d ? ",{\"label\":" : "{\"label\":") +
            json_string(chart->value_columns[d < chart->value_columns.size() ? d : 0]) +
            ",\"data\":[";
    for (std::size_t i = 0; i < datasets_[d].size(); ++i) {
      json += (i ? "," : "") + datasets_[d][i];
    }
    json += "]}";
  }
  return json + "]}";
}

std::string ReportPageSink::page(const reports::Filter& filter,
                                 const std::vector<std::string>& stores) const {
  const std::string name = html_escape(report_.name());
  const bool chart = report_.chart().has_value() && rows_ > 0 && !value_indexes_.empty();
  std::string html = head(report_.name(), chart) + "<h1 id=\"report-name\">" + name + "</h1><p>" +
                     html_escape(report_.description()) + "</p>";
  // The filter form: a plain GET back to this page.
  html += "<form id=\"filter\" method=\"get\" action=\"/reports/" + name +
          "\"><label for=\"store\">Store</label> <select id=\"store\" name=\"store\">"
          "<option value=\"\">All stores</option>";
  for (const auto& store : stores) {
    const std::string s = html_escape(store);
    html += "<option value=\"" + s + "\"" + (filter.store == store ? " selected" : "") + ">" + s +
            "</option>";
  }
  html += "</select>";
  if constexpr (kFilterHasRegion) {
    html += " <label for=\"region\">Region</label> <input id=\"region\" name=\"region\" value=\"" +
            html_escape(region_of(filter).value_or("")) + "\">";
  }
  html += " <label for=\"from\">From</label> <input id=\"from\" name=\"from\" type=\"date\" "
          "value=\"" + html_escape(filter.from.value_or("")) +
          "\"> <label for=\"to\">To</label> <input id=\"to\" name=\"to\" type=\"date\" value=\"" +
          html_escape(filter.to.value_or("")) + "\"> <button type=\"submit\">Show</button></form>";
  const std::string query = report_filter_query(filter);
  html += "<p><a id=\"csv-link\" href=\"/api/reports/" + name + ".csv" +
          (query.empty() ? "" : "?" + html_escape(query)) + "\" download>Download CSV</a></p>";
  if (chart) {
    html += "<div class=\"chart\"><canvas id=\"report-chart\"></canvas></div>"
            "<script type=\"application/json\" id=\"chart-data\">" + chart_json() + "</script>";
  }
  if (rows_ == 0) {
    html += "<p id=\"no-rows\" class=\"notice\">Nothing to report for this choice. Value-based "
            "reports stay empty until the first value refresh (<code>rapportctl value "
            "refresh</code>).</p>";
  }
  html += "<table id=\"report\"><thead><tr>";
  for (const auto& column : report_.columns()) html += "<th>" + html_escape(column.name) + "</th>";
  html += "</tr></thead><tbody>" + table_rows_ + "</tbody></table>";
  if (rows_ > max_rows_) {
    html += "<p id=\"rows-cut\" class=\"notice\">Only the first " + std::to_string(max_rows_) +
            " rows are shown: download the CSV for all of them.</p>";
  }
  return html + "</main></body></html>\n";
}

void CsvLineSink::put(const std::string& line) {
  if (!gone_ && !write_(line)) gone_ = true;
}

void CsvLineSink::begin(std::span<const reports::Column> columns) {
  std::string line;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    line += (i == 0 ? "" : ",") + csv_field(columns[i].name);
  }
  put(line + "\r\n");
}

void CsvLineSink::row(std::span<const reports::Cell> cells) {
  ++rows_;
  if (gone_) return;
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += ',';
    if (const auto* n = std::get_if<std::int64_t>(&cells[i])) line += std::to_string(*n);
    if (const auto* t = std::get_if<std::string>(&cells[i])) {
      line += chart_value(cells[i]) != "null" ? *t : csv_field(*t);
    }
  }
  put(line + "\r\n");
}

}  // namespace rapport::server
