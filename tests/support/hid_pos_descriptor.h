// tests/support/hid_pos_descriptor.h
//
// A HID-POS barcode scanner's report descriptor, written from the HID Point of Sale Usage
// Tables (Bar Code Scanner page 0x8C), and a builder for its input report. Shared by the
// parser tests and the emulated scanner of the USB tests.
//
// Report 2 (61 bytes with its ID): 3 bytes Symbology Identifier 1-3 (the AIM identifier),
// 56 bytes Decoded Data (Buffered Bytes, NUL-padded), 1 bit Decode Data Continued, 7 bits
// padding.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace rapport::testing {

inline constexpr std::uint8_t kHidPosReportId = 2;
inline constexpr std::size_t kHidPosDataBytes = 56;
inline constexpr std::size_t kHidPosReportBytes = 1 + 3 + kHidPosDataBytes + 1;

inline std::vector<std::uint8_t> hid_pos_report_descriptor() {
  return {
      0x05, 0x8C,        // Usage Page (Bar Code Scanner)
      0x09, 0x02,        // Usage (Bar Code Scanner)
      0xA1, 0x01,        // Collection (Application)
      0x09, 0x12,        //   Usage (Scanned Data Report)
      0xA1, 0x02,        //   Collection (Logical)
      0x85, 0x02,        //     Report ID (2)
      0x15, 0x00,        //     Logical Minimum (0)
      0x26, 0xFF, 0x00,  //     Logical Maximum (255)
      0x75, 0x08,        //     Report Size (8)
      0x95, 0x03,        //     Report Count (3)
      0x09, 0xFB,        //     Usage (Symbology Identifier 1)
      0x09, 0xFC,        //     Usage (Symbology Identifier 2)
      0x09, 0xFD,        //     Usage (Symbology Identifier 3)
      0x81, 0x02,        //     Input (Data, Variable, Absolute)
      0x95, 0x38,        //     Report Count (56)
      0x09, 0xFE,        //     Usage (Decoded Data)
      0x82, 0x02, 0x01,  //     Input (Data, Variable, Absolute, Buffered Bytes)
      0x75, 0x01,        //     Report Size (1)
      0x95, 0x01,        //     Report Count (1)
      0x25, 0x01,        //     Logical Maximum (1)
      0x09, 0xFF,        //     Usage (Decode Data Continued)
      0x81, 0x02,        //     Input (Data, Variable, Absolute)
      0x95, 0x07,        //     Report Count (7)
      0x81, 0x03,        //     Input (Constant, Variable, Absolute): padding
      0xC0,              //   End Collection
      0xC0,              // End Collection
  };
}

// One input report for the descriptor above. Requires: symbology has at most 3 characters
// and data at most 56 (longer codes: split them and set `continued` on all but the last).
inline std::vector<std::uint8_t> hid_pos_report(std::string_view symbology, std::string_view data,
                                                bool continued) {
  std::vector<std::uint8_t> report(kHidPosReportBytes, 0);
  report[0] = kHidPosReportId;
  for (std::size_t i = 0; i < symbology.size() && i < 3; ++i) {
    report[1 + i] = static_cast<std::uint8_t>(symbology[i]);
  }
  for (std::size_t i = 0; i < data.size() && i < kHidPosDataBytes; ++i) {
    report[4 + i] = static_cast<std::uint8_t>(data[i]);
  }
  report[4 + kHidPosDataBytes] = continued ? 0x01 : 0x00;
  return report;
}

// The reports a scanner sends for `data`: 56-byte pieces, all but the last marked continued.
inline std::vector<std::vector<std::uint8_t>> hid_pos_reports(std::string_view symbology,
                                                              std::string_view data) {
  std::vector<std::vector<std::uint8_t>> reports;
  do {
    const auto piece = data.substr(0, kHidPosDataBytes);
    data.remove_prefix(piece.size());
    reports.push_back(hid_pos_report(symbology, piece, !data.empty()));
  } while (!data.empty());
  return reports;
}

}  // namespace rapport::testing
