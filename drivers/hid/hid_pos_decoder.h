// drivers/hid/hid_pos_decoder.h
//
// Barcode scanners in HID-POS mode (usage page 0x8C, card-readers.md §4): the scanner's
// report descriptor says where in its input report the symbology identifier, the decoded
// data and the "continued" flag sit; this decoder reads them there and joins a long code
// that spans several reports. Pure: the USB side hands over each interrupt-IN report.
//
// Usage IDs: HID Point of Sale Usage Tables 1.02 (usb.org, pos1_02.pdf), Bar Code Scanner
// page 0x8C. Checked against open copies found with the project's code search (not copied):
// Wireshark's epan/dissectors/packet-usb-hid.c usage table (0x8C0012 Scanned Data Report,
// 0x8C00FB-0x8C00FD Symbology Identifier 1-3, 0x8C00FE Decoded Data, 0x8C00FF Decode Data
// Continued, 0x01003B Byte Count), Haiku's bar-code-scanner usage header (Scanned Data
// Report 0x12), and a Honeywell scanner firmware descriptor that lays out report 2 as Byte
// Count, Symbology Identifier 1-3, 56 bytes Decoded Data (Buffered Bytes), two vendor bytes,
// then Decode Data Continued in bit 0 of the last byte.
//
// Thread-safety: none; one decoder per scanner, fed from one thread.

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/hid/report_descriptor.h"
#include "shared/util/result.h"

namespace rapport::drivers {

inline constexpr std::uint16_t kBarCodeScannerPage = 0x8C;
inline constexpr std::uint32_t kUsageScannedDataReport = 0x008C0012;
inline constexpr std::uint32_t kUsageSymbologyIdentifier1 = 0x008C00FB;
inline constexpr std::uint32_t kUsageSymbologyIdentifier2 = 0x008C00FC;
inline constexpr std::uint32_t kUsageSymbologyIdentifier3 = 0x008C00FD;
inline constexpr std::uint32_t kUsageDecodedData = 0x008C00FE;
inline constexpr std::uint32_t kUsageDecodeDataContinued = 0x008C00FF;
inline constexpr std::uint32_t kUsageByteCount = 0x0001003B;  // Generic Desktop page

struct ScannedCode {
  std::string symbology;  // the AIM identifier ("]E0", "]Q1") or "" when the scanner sent none
  std::string data;       // the decoded characters, passed on unchanged (may be binary)
};

class HidPosDecoder {
 public:
  static constexpr std::size_t kMaxCodeBytes = 4096;

  // Locates the fields in the descriptor's input reports. Requires a Decoded Data field of
  // 8-bit values (HidErrc::kNotABarcodeScanner otherwise); symbology, continued flag and
  // byte count are optional and must sit in the same report.
  [[nodiscard]] static Result<HidPosDecoder> from_descriptor(
      const std::vector<ReportField>& fields);

  // One interrupt-IN report, the Report ID byte first when the descriptor declares IDs.
  // Returns a code once a report arrives without Decode Data Continued; nullopt while a code
  // continues, for reports with another Report ID (other collections), and for an empty
  // code. Errors (HidErrc): kReportTooShort (the report is ignored, a code in progress is
  // kept), kReadTooLong (over kMaxCodeBytes: the code is discarded up to its last report).
  // The data is cut to the Byte Count when the scanner sends one, else trailing NULs are
  // removed (the scanner pads the field with them).
  [[nodiscard]] Result<std::optional<ScannedCode>> feed(std::span<const std::uint8_t> report);

  // True between the first and the last report of a long code (for the caller's logs and
  // time-outs: a scanner unplugged here loses the code).
  [[nodiscard]] bool mid_read() const { return in_code_ || discarding_; }

  [[nodiscard]] std::uint8_t report_id() const { return report_id_; }
  // Expected report length in bytes, the Report ID byte included.
  [[nodiscard]] std::size_t report_size() const { return report_size_; }

 private:
  struct Value {  // where one value sits in the report, after the ID byte
    std::uint32_t bit_offset = 0;
    std::uint32_t bit_size = 0;
  };

  HidPosDecoder() = default;

  std::uint8_t report_id_ = 0;
  std::size_t report_size_ = 0;
  Value data_;  // the first byte; data_count_ bytes follow at 8-bit steps
  std::uint32_t data_count_ = 0;
  std::optional<Value> continued_;
  std::optional<Value> byte_count_;
  std::array<std::optional<Value>, 3> symbology_;

  std::string pending_;            // data of a code still continuing
  std::string pending_symbology_;  // its symbology, from its first report
  bool in_code_ = false;           // a first report was seen, more are coming
  bool discarding_ = false;        // dropping the rest of a code that grew too long
};

// A name for an AIM symbology identifier, for logs and the installer's tool: "]E0" →
// "EAN-13", "]Q1" → "QR Code" (card-readers.md §4); "unknown" for identifiers not listed.
[[nodiscard]] std::string_view describe_symbology(std::string_view aim);

}  // namespace rapport::drivers
