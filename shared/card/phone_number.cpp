// shared/card/phone_number.cpp
#include "shared/card/phone_number.h"

#include <algorithm>

namespace rapport::card {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr std::size_t kMinDigits = 7;
constexpr std::size_t kMaxDigits = 15;
constexpr std::size_t kMaxTyped = 40;  // the longest phone an enrollment carries

}  // namespace

bool is_valid_country_code(std::string_view code) {
  return !code.empty() && code.size() <= 3 && code.front() != '0' &&
         std::all_of(code.begin(), code.end(), is_digit);
}

std::optional<std::string> normalise_phone(std::string_view text, std::string_view country_code) {
  if (text.size() > kMaxTyped) return std::nullopt;
  // "(0)": the trunk prefix written beside a country code ("+44 (0)7700 ..."): never dialled.
  std::string typed(text);
  for (auto at = typed.find("(0)"); at != std::string::npos; at = typed.find("(0)")) {
    typed.erase(at, 3);
  }
  bool plus = false;
  std::string digits;
  for (const char c : typed) {
    if (is_digit(c)) {
      digits += c;
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c != ' ' && c != '\t' && c != '-' && c != '.' && c != '/' && c != '(' &&
               c != ')') {
      return std::nullopt;
    }
  }
  if (plus) {
    // As it is.
  } else if (digits.starts_with("00")) {
    digits.erase(0, 2);
  } else {
    if (digits.starts_with('0')) digits.erase(0, 1);
    digits.insert(0, country_code);
  }
  if (digits.size() < kMinDigits || digits.size() > kMaxDigits || digits.front() == '0') {
    return std::nullopt;
  }
  return "+" + digits;
}

}  // namespace rapport::card
