// shared/card/card_number.cpp
#include "shared/card/card_number.h"

#include <algorithm>
#include <cstdio>

#include "shared/crypto/random.h"

namespace rapport::card {
namespace {

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool is_valid_issuer_prefix(std::string_view prefix) {
  return prefix.size() == kIssuerPrefixDigits && all_digits(prefix);
}

char luhn_check_digit(std::string_view payload) {
  // Double every second digit from the right of the payload (the check digit will sit to
  // its right), subtract 9 from doubled values above 9, and complete the sum to a multiple of 10.
  int sum = 0;
  bool double_it = true;
  for (auto it = payload.rbegin(); it != payload.rend(); ++it) {
    int d = *it - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

Result<CardNumber> CardNumber::parse(std::string_view raw, std::string_view issuer_prefix) {
  std::string digits;
  digits.reserve(raw.size());
  for (const char c : raw) {
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9') return CardErrc::kInvalidCharacter;
    digits.push_back(c);
  }
  if (digits.empty()) return CardErrc::kEmpty;
  if (digits.size() != kCardNumberDigits) return CardErrc::kWrongLength;
  const std::string_view payload(digits.data(), digits.size() - 1);
  if (luhn_check_digit(payload) != digits.back()) return CardErrc::kBadCheckDigit;
  if (!digits.starts_with(issuer_prefix)) return CardErrc::kOtherIssuer;
  return CardNumber(std::move(digits));
}

CardNumber CardNumber::generate(std::string_view issuer_prefix) {
  char account[10];
  std::snprintf(account, sizeof account, "%09llu",
                static_cast<unsigned long long>(crypto::random_below(1'000'000'000)));
  std::string digits(issuer_prefix);
  digits += account;
  digits.push_back(luhn_check_digit(digits));
  return CardNumber(std::move(digits));
}

std::string CardNumber::grouped() const {
  std::string out;
  for (std::size_t i = 0; i < digits_.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(digits_[i]);
  }
  return out;
}

}  // namespace rapport::card
