// tests/fuzz/card_read_fuzz.cpp
//
// Any bytes a reader may deliver or a cashier may type: parsing never crashes, whatever it
// accepts is a well-formed card number of this chain, and whatever the phone normaliser
// (find by phone, shared/card/phone_number.h) accepts is "+" and 7 to 15 digits, not
// starting with 0, and normalises to itself.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shared/card/card_number.h"
#include "shared/card/phone_number.h"

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
  const auto phone = rapport::card::normalise_phone(raw, "44");
  if (phone) {
    if (phone->size() < 8 || phone->size() > 16 || (*phone)[0] != '+' || (*phone)[1] == '0') {
      std::abort();
    }
    for (std::size_t i = 1; i < phone->size(); ++i) {
      if ((*phone)[i] < '0' || (*phone)[i] > '9') std::abort();
    }
    if (rapport::card::normalise_phone(*phone, "44") != phone) std::abort();
  }
  return 0;
}
