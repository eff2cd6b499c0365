// server/dashboard/request_parts.h
//
// The pieces of an HTTP request the dashboard reads, parsed from outside input: a cookie
// from the Cookie header, the path and query of the target, the login form (JSON). Pure and
// fuzzed (tests/fuzz/dashboard_request_fuzz.cpp).

#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rapport::server {

// The value of cookie `name` in a Cookie header ("a=1; b=2"); nullopt when absent.
[[nodiscard]] std::optional<std::string> cookie_value(std::string_view cookie_header,
                                                      std::string_view name);

struct Target {
  std::vector<std::string> segments;          // "/api/stores/S1" -> {"api", "stores", "S1"}
  std::map<std::string, std::string> query;   // percent-decoded; the last of a repeated key
};
// nullopt when the target is not an absolute path, or holds bad percent-escapes, NUL, or a
// "." / ".." segment.
[[nodiscard]] std::optional<Target> parse_target(std::string_view target);

struct LoginForm {
  std::string name;
  std::string password;
};
// {"name": "...", "password": "..."}: both strings, name 1-64 and password 1-1024 bytes.
[[nodiscard]] std::optional<LoginForm> parse_login_form(std::string_view json);

}  // namespace rapport::server
