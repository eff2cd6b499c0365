// server/reports/sinks.cpp
#include "server/reports/sinks.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <vector>

namespace rapport::server::reports {
namespace {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

class CsvSink final : public RowSink {
 public:
  explicit CsvSink(std::ostream& out) : out_(out) {}
  void begin(std::span<const Column> columns) override {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      out_ << (i == 0 ? "" : ",") << csv_field(columns[i].name);
    }
    out_ << "\r\n";
  }
  void row(std::span<const Cell> cells) override {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out_ << ',';
      if (const auto* n = std::get_if<std::int64_t>(&cells[i])) out_ << *n;
      if (const auto* s = std::get_if<std::string>(&cells[i])) out_ << csv_field(*s);
    }
    out_ << "\r\n";
  }
  void end() override { out_.flush(); }

 private:
  std::ostream& out_;
};

class JsonSink final : public RowSink {
 public:
  explicit JsonSink(std::ostream& out) : out_(out) {}
  void begin(std::span<const Column> columns) override {
    names_.clear();
    for (const auto& c : columns) {
      names_.push_back(boost::json::serialize(boost::json::value(boost::json::string(c.name))));
    }
    out_ << '[';
    rows_ = 0;
  }
  void row(std::span<const Cell> cells) override {
    out_ << (rows_++ == 0 ? "\n{" : ",\n{");
    for (std::size_t i = 0; i < cells.size() && i < names_.size(); ++i) {
      out_ << (i == 0 ? "" : ",") << names_[i] << ':';
      if (const auto* n = std::get_if<std::int64_t>(&cells[i])) {
        out_ << *n;
      } else if (const auto* s = std::get_if<std::string>(&cells[i])) {
        out_ << boost::json::serialize(boost::json::value(boost::json::string(*s)));
      } else {
        out_ << "null";
      }
    }
    out_ << '}';
  }
  void end() override {
    out_ << (rows_ == 0 ? "]\n" : "\n]\n");
    out_.flush();
  }

 private:
  std::ostream& out_;
  std::vector<std::string> names_;  // each already a JSON string
  std::size_t rows_ = 0;
};

}  // namespace

std::unique_ptr<RowSink> csv_sink(std::ostream& out) { return std::make_unique<CsvSink>(out); }
std::unique_ptr<RowSink> json_sink(std::ostream& out) { return std::make_unique<JsonSink>(out); }

}  // namespace rapport::server::reports
