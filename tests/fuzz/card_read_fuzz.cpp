// tests/fuzz/card_read_fuzz.cpp
//
// Any bytes a reader may deliver: parsing never crashes, and whatever it accepts is a
// well-formed card number of this chain.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shared/card/card_number.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const auto number = rapport::card::CardNumber::parse(raw, "627599");
  if (number) {
    const std::string& digits = number->digits();
    if (digits.size() != 16 || !digits.starts_with("627599")) std::abort();
    if (rapport::card::luhn_check_digit(std::string_view(digits).substr(0, 15)) != digits[15]) {
      std::abort();
    }
  }
  return 0;
}
