// terminal/chip_write_errc.cpp
#include "terminal/chip_write_errc.h"

#include "shared/util/error_category.h"

namespace rapport::terminal {
namespace {

const char* describe(int value) {
  switch (static_cast<ChipWriteErrc>(value)) {
    case ChipWriteErrc::kOffline:
      return "the server cannot be reached, and only the server can sign a card";
    case ChipWriteErrc::kUnknownCard:
      return "no member holds this card number on the server";
    case ChipWriteErrc::kCardBlocked:
      return "this card number is blocked (lost or replaced)";
    case ChipWriteErrc::kServerRefused:
      return "the server refused to sign a token for this card";
    case ChipWriteErrc::kNotBlank:
      return "this chip already holds the token of another card";
    case ChipWriteErrc::kNoReader:
      return "this reader cannot write cards";
  }
  return "unknown card-writing error";
}

}  // namespace

const boost::system::error_category& chip_write_category() noexcept {
  static const NamedErrorCategory category("rapport.chip_write", &describe);
  return category;
}

}  // namespace rapport::terminal
