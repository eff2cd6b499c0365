// shared/card/card_errc.cpp
#include "shared/card/card_errc.h"

#include "shared/util/error_category.h"

namespace rapport::card {
namespace {

const char* describe(int value) {
  switch (static_cast<CardErrc>(value)) {
    case CardErrc::kEmpty:
      return "empty card read";
    case CardErrc::kInvalidCharacter:
      return "card number contains a character that is not a digit";
    case CardErrc::kWrongLength:
      return "card number must have 16 digits";
    case CardErrc::kBadCheckDigit:
      return "card number check digit is wrong (misread or typo)";
    case CardErrc::kOtherIssuer:
      return "card is not one of this chain's cards";
    case CardErrc::kBadKey:
      return "card key is missing, malformed or readable by others";
  }
  return "unknown card error";
}

}  // namespace

const boost::system::error_category& card_category() noexcept {
  static const NamedErrorCategory category("rapport.card", &describe);
  return category;
}

}  // namespace rapport::card
