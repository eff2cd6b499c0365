// terminal/screen/form_fields.cpp
#include "terminal/screen/form_fields.h"

#include <boost/json/parse.hpp>

namespace rapport::terminal {

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

bool has_control(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::optional<std::string> text_field(const boost::json::object& o, std::string_view key,
                                      bool& bad) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    bad = true;
    return std::nullopt;
  }
  auto text = trimmed(v->get_string());
  if (text.empty()) return std::nullopt;
  return text;
}

std::optional<std::uint64_t> scan_field(const boost::json::object& o) {
  const auto* v = o.if_contains("scan");
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64() && v->get_uint64() > 0) return v->get_uint64();
  if (v->is_int64() && v->get_int64() > 0) return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

std::optional<boost::json::object> json_object_of(std::string_view body) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.get_object());
}

}  // namespace rapport::terminal
