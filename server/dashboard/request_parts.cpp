// server/dashboard/request_parts.cpp
#include "server/dashboard/request_parts.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace rapport::server {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' is a space in the query only.
std::optional<std::string> decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit(text[i + 1]);
      const int low = hex_digit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    const std::string_view pair = trim(header.substr(0, semicolon));
    header = semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (trim(pair.substr(0, equals)) != name) continue;
    std::string_view value = trim(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::optional<Target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  const auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  Target parsed;
  path.remove_prefix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view raw = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (raw.empty()) continue;
    auto segment = decode(raw, false);
    if (!segment || *segment == "." || *segment == ".." ||
        segment->find('/') != std::string::npos) {
      return std::nullopt;
    }
    parsed.segments.push_back(std::move(*segment));
  }
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto equals = pair.find('=');
    auto key = decode(pair.substr(0, equals), true);
    auto value = decode(equals == std::string_view::npos ? std::string_view{}
                                                         : pair.substr(equals + 1),
                        true);
    if (!key || !value) return std::nullopt;
    parsed.query[std::move(*key)] = std::move(*value);
  }
  return parsed;
}

std::optional<LoginForm> parse_login_form(std::string_view json) {
  if (json.size() > 4096) return std::nullopt;
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& object = value.get_object();
  const auto* name = object.if_contains("name");
  const auto* password = object.if_contains("password");
  if (name == nullptr || password == nullptr || !name->is_string() || !password->is_string()) {
    return std::nullopt;
  }
  LoginForm form{std::string(name->get_string()), std::string(password->get_string())};
  if (form.name.empty() || form.name.size() > 64 || form.password.empty() ||
      form.password.size() > 1024) {
    return std::nullopt;
  }
  return form;
}

}  // namespace rapport::server
