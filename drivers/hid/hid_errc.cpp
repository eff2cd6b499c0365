// drivers/hid/hid_errc.cpp
#include "drivers/hid/hid_errc.h"

#include "shared/util/error_category.h"

namespace rapport::drivers {
namespace {

const char* describe(int value) {
  switch (static_cast<HidErrc>(value)) {
    case HidErrc::kUnknownLayout:
      return "unknown keyboard layout for the reader (use us, fr or de)";
    case HidErrc::kReportTooShort:
      return "the reader sent an incomplete report: scan or swipe again";
    case HidErrc::kErrorRollOver:
      return "the reader lost keystrokes: scan or swipe again";
    case HidErrc::kReadTooLong:
      return "card read too long: scan or swipe again";
    case HidErrc::kDescriptorTruncated:
      return "the reader's report descriptor is cut short: reader not supported";
    case HidErrc::kDescriptorUnbalanced:
      return "the reader's report descriptor is malformed (unbalanced collections)";
    case HidErrc::kDescriptorTooLarge:
      return "the reader's report descriptor describes absurdly large reports";
    case HidErrc::kDescriptorInvalid:
      return "the reader's report descriptor is malformed";
    case HidErrc::kNotABarcodeScanner:
      return "the reader does not describe itself as a HID-POS barcode scanner";
  }
  return "unknown HID reader error";
}

}  // namespace

const boost::system::error_category& hid_category() noexcept {
  static const NamedErrorCategory category("rapport.hid", &describe);
  return category;
}

}  // namespace rapport::drivers
