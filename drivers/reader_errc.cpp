// drivers/reader_errc.cpp
#include "drivers/card_reader.h"
#include "drivers/reader_control.h"
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
    case ReaderErrc::kBadRead:
      return "the card could not be read; present it again";
    case ReaderErrc::kUnplugged:
      return "the card reader was unplugged during a read; plug it back in and present the card "
             "again";
    case ReaderErrc::kNoUsb:
      return "USB card readers are not available here (no /dev/bus/usb access); see "
             "config/99-rapport-readers.rules";
  }
  return "unknown card reader error";
}

}  // namespace

const char* to_string(CardKind kind) noexcept {
  switch (kind) {
    case CardKind::kTyped:
      return "typed";
    case CardKind::kMagstripe:
      return "magstripe";
    case CardKind::kBarcode:
      return "barcode";
    case CardKind::kContactless:
      return "contactless";
  }
  return "unknown";
}

const char* to_string(ReaderSignal signal) noexcept {
  switch (signal) {
    case ReaderSignal::kGoodRead:
      return "good";
    case ReaderSignal::kRejected:
      return "rejected";
  }
  return "unknown";
}

bool is_read_failure(const ErrorCode& error) noexcept {
  return error != ReaderErrc::kEndOfInput && error != ReaderErrc::kStopped &&
         error != ReaderErrc::kIo && error != ReaderErrc::kNoUsb;
}

const boost::system::error_category& reader_category() noexcept {
  static const NamedErrorCategory category("rapport.reader", &describe);
  return category;
}

}  // namespace rapport::drivers
