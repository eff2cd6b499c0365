// drivers/reader_errc.cpp
#include "drivers/card_reader.h"
#include "shared/util/error_category.h"

namespace rapport::drivers {
namespace {

const char* describe(int value) {
  switch (static_cast<ReaderErrc>(value)) {
    case ReaderErrc::kEndOfInput:
      return "the card reader has no more input";
    case ReaderErrc::kStopped:
      return "the card reader was stopped";
    case ReaderErrc::kReadTooLong:
      return "card read too long; scan again";
    case ReaderErrc::kIo:
      return "the card reader failed to read";
  }
  return "unknown card reader error";
}

}  // namespace

const boost::system::error_category& reader_category() noexcept {
  static const NamedErrorCategory category("rapport.reader", &describe);
  return category;
}

}  // namespace rapport::drivers
