// drivers/hid/hid_errc.h
//
// Why a USB HID report did not become a card read: the keyboard-mode decoder, the report
// descriptor parser and the HID-POS scanner decoder share this closed set. Every value is an
// expected outcome at the counter or at installation, worded for the person who sees it.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::drivers {

enum class HidErrc {
  kUnknownLayout = 1,     // a keyboard layout name other than "us", "fr", "de" (configuration)
  kReportTooShort,        // a report shorter than the reader's report format: a broken read
  kErrorRollOver,         // the keyboard-mode reader lost keystrokes; the partial read is gone
  kReadTooLong,           // more characters than any card carries; the read was discarded
  kDescriptorTruncated,   // the report descriptor ends inside an item
  kDescriptorUnbalanced,  // End Collection or Pop without its opening item, or one left open
  kDescriptorTooLarge,    // sizes, counts or nesting beyond our bounds (report_descriptor.h)
  kDescriptorInvalid,     // an item the HID specification does not allow (Report ID 0, ...)
  kNotABarcodeScanner,    // the descriptor has no HID-POS Decoded Data input field
};

[[nodiscard]] const boost::system::error_category& hid_category() noexcept;

inline ErrorCode make_error_code(HidErrc e) noexcept {
  return {static_cast<int>(e), hid_category()};
}

}  // namespace rapport::drivers

template <>
struct boost::system::is_error_code_enum<rapport::drivers::HidErrc> : std::true_type {};
