// shared/card/card_number.h
//
// A membership card number as printed, encoded in the barcode and on the stripe:
// 16 digits = 6-digit issuer prefix (config) + 9 random account digits + a Luhn check digit.
// Random account digits make a guessed number rarely exist; the check digit rejects typos.
// Format and rationale: docs/architecture.md, "Cards".

#pragma once

#include <string>
#include <string_view>

#include "shared/card/card_errc.h"
#include "shared/util/result.h"

namespace rapport::card {

inline constexpr std::size_t kCardNumberDigits = 16;
inline constexpr std::size_t kIssuerPrefixDigits = 6;

// True when `prefix` is exactly six digits.
[[nodiscard]] bool is_valid_issuer_prefix(std::string_view prefix);

// The Luhn check digit ('0'..'9') for `payload`, which must be all digits.
[[nodiscard]] char luhn_check_digit(std::string_view payload);

class CardNumber {
 public:
  // Drops spaces and dashes, then checks characters, length, check digit and issuer prefix,
  // in that order, so the error names the first thing wrong.
  // Requires: is_valid_issuer_prefix(issuer_prefix).
  [[nodiscard]] static Result<CardNumber> parse(std::string_view raw,
                                                std::string_view issuer_prefix);

  // A new number under `issuer_prefix` with 9 uniformly random account digits.
  [[nodiscard]] static CardNumber generate(std::string_view issuer_prefix);

  [[nodiscard]] const std::string& digits() const { return digits_; }
  [[nodiscard]] std::string last4() const { return digits_.substr(digits_.size() - 4); }
  // "6275 9912 3456 7897": how it is printed on the card.
  [[nodiscard]] std::string grouped() const;

  friend bool operator==(const CardNumber&, const CardNumber&) = default;

 private:
  explicit CardNumber(std::string digits) : digits_(std::move(digits)) {}
  std::string digits_;  // exactly 16 digits, check digit valid
};

}  // namespace rapport::card
