// tests/unit/drivers/hid_pos_decoder_test.cpp
//
// HID-POS barcode scanners: the decoder built from the scanner's own descriptor, scans of
// every length, and the garbage a scanner or a cable may produce.

#include "drivers/hid/hid_pos_decoder.h"

#include <string>
#include <vector>

#include "drivers/hid/hid_errc.h"
#include "drivers/hid/report_descriptor.h"
#include "tests/support/catch_result.h"
#include "tests/support/hid_pos_descriptor.h"

using rapport::drivers::describe_symbology;
using rapport::drivers::HidErrc;
using rapport::drivers::HidPosDecoder;
using rapport::drivers::parse_report_descriptor;
using rapport::drivers::ScannedCode;
using rapport::testing::hid_pos_report;
using rapport::testing::hid_pos_reports;

namespace {

using Bytes = std::vector<std::uint8_t>;

HidPosDecoder make_decoder(
    const Bytes& descriptor = rapport::testing::hid_pos_report_descriptor()) {
  auto fields = parse_report_descriptor(descriptor);
  REQUIRE(fields);
  auto decoder = HidPosDecoder::from_descriptor(*fields);
  REQUIRE(decoder);
  return std::move(*decoder);
}

// Feeds every report; returns the codes completed (errors fail the test).
std::vector<ScannedCode> feed_all(HidPosDecoder& decoder, const std::vector<Bytes>& reports) {
  std::vector<ScannedCode> codes;
  for (const auto& report : reports) {
    auto step = decoder.feed(report);
    REQUIRE(step);
    if (*step) codes.push_back(**step);
  }
  return codes;
}

// A layout like Honeywell's report 2 (written here from the usage tables): Byte Count, the
// AIM identifier, 56 bytes of data, a vendor byte, then an 8-bit field of Decode Data
// Continued flags of which bit 0 is used.
const Bytes kWithByteCount{
    0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01,                    // Bar Code Scanner, Application
    0x09, 0x12, 0xA1, 0x02,                                // Scanned Data Report, Logical
    0x85, 0x02, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08,  // Report 2, bytes
    0x95, 0x01, 0x05, 0x01, 0x09, 0x3B, 0x81, 0x02,        // Generic Desktop Byte Count
    0x95, 0x03, 0x05, 0x8C, 0x09, 0xFB, 0x09, 0xFC, 0x09, 0xFD, 0x81, 0x02, 0x95, 0x38,
    0x09, 0xFE, 0x82, 0x02, 0x01,                          // Decoded Data, Buffered Bytes
    0x06, 0x66, 0xFF, 0x95, 0x01, 0x09, 0x04, 0x81, 0x02,  // a vendor byte
    0x05, 0x8C, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x09, 0xFF, 0x81, 0x02, 0xC0, 0xC0,
};

Bytes report_with_byte_count(std::string_view data, std::uint8_t count, bool continued) {
  Bytes report(1 + 1 + 3 + 56 + 1 + 1, 0);
  report[0] = 0x02;
  report[1] = count;
  report[2] = ']';
  report[3] = 'C';
  report[4] = '0';
  for (std::size_t i = 0; i < data.size(); ++i) report[5 + i] = static_cast<std::uint8_t>(data[i]);
  report[62] = continued ? 0x01 : 0x00;
  return report;
}

}  // namespace

TEST_CASE("an EAN-13 scan arrives with its AIM identifier", "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder();
  CHECK(decoder.report_id() == 2);
  CHECK(decoder.report_size() == rapport::testing::kHidPosReportBytes);
  const auto codes = feed_all(decoder, {hid_pos_report("]E0", "5901234123457", false)});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].symbology == "]E0");
  CHECK(codes[0].data == "5901234123457");
  CHECK(describe_symbology(codes[0].symbology) == "EAN-13");
  CHECK_FALSE(decoder.mid_read());
}

TEST_CASE("a long code spans several reports and is joined", "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder();
  std::string token;
  for (int i = 0; i < 200; ++i) token.push_back(static_cast<char>('A' + i % 26));
  const auto reports = hid_pos_reports("]Q1", token);
  REQUIRE(reports.size() == 4);

  for (std::size_t i = 0; i + 1 < reports.size(); ++i) {
    const auto step = decoder.feed(reports[i]);
    REQUIRE(step);
    CHECK_FALSE(*step);
    CHECK(decoder.mid_read());
  }
  const auto last = decoder.feed(reports.back());
  REQUIRE(last);
  REQUIRE(*last);
  CHECK((*last)->data == token);
  CHECK((*last)->symbology == "]Q1");
  CHECK_FALSE(decoder.mid_read());

  SECTION("exactly 56 characters fit in one report") {
    const auto one = feed_all(decoder, hid_pos_reports("]C0", token.substr(0, 56)));
    REQUIRE(one.size() == 1);
    CHECK(one[0].data == token.substr(0, 56));
  }
}

TEST_CASE("trailing NUL padding is removed, other bytes pass unchanged", "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder();
  const std::string binary("a\0b\x01\xFFz", 6);
  const auto codes = feed_all(decoder, {hid_pos_report("]d1", binary, false)});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].data == binary);
  CHECK(describe_symbology(codes[0].symbology) == "Data Matrix");
}

TEST_CASE("a scanner that sends no AIM identifier gives an empty symbology", "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder();
  auto codes = feed_all(decoder, {hid_pos_report("", "12345", false)});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].symbology.empty());
  codes = feed_all(decoder, {hid_pos_report("E0?", "12345", false)});  // not "]" letter digit
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].symbology.empty());
}

TEST_CASE("reports with another Report ID are ignored, even mid-code", "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder();
  auto first = hid_pos_report("]C0", std::string(56, '1'), true);
  auto other = hid_pos_report("]C0", "999", false);
  other[0] = 0x04;
  auto last = hid_pos_report("]C0", "22", false);
  const auto codes = feed_all(decoder, {other, first, other, last});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].data == std::string(56, '1') + "22");
}

TEST_CASE("short reports are errors, the code in progress is kept", "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder();
  REQUIRE(decoder.feed(hid_pos_report("]C0", std::string(56, '7'), true)));
  CHECK(decoder.feed(Bytes{}).error() == HidErrc::kReportTooShort);
  CHECK(decoder.feed(Bytes{0x02, ']', 'C'}).error() == HidErrc::kReportTooShort);
  auto cut = hid_pos_report("]C0", "8", false);
  cut.pop_back();
  CHECK(decoder.feed(cut).error() == HidErrc::kReportTooShort);
  const auto codes = feed_all(decoder, {hid_pos_report("]C0", "8", false)});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].data == std::string(56, '7') + "8");
}

TEST_CASE("a code over 4096 bytes is refused and discarded to its last report",
          "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder();
  const auto reports = hid_pos_reports("]Q1", std::string(5000, 'x'));
  bool refused = false;
  for (const auto& report : reports) {
    const auto step = decoder.feed(report);
    if (!step) {
      CHECK(step.error() == HidErrc::kReadTooLong);
      CHECK_FALSE(refused);  // reported once
      refused = true;
    } else {
      CHECK_FALSE(*step);  // no piece of it ever comes out
    }
  }
  CHECK(refused);
  CHECK_FALSE(decoder.mid_read());
  const auto codes = feed_all(decoder, {hid_pos_report("]E0", "5901234123457", false)});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].data == "5901234123457");

  // Exactly 4096 bytes is accepted.
  const auto longest = feed_all(decoder, hid_pos_reports("]Q1", std::string(4096, 'y')));
  REQUIRE(longest.size() == 1);
  CHECK(longest[0].data.size() == 4096);
}

TEST_CASE("garbage reports never crash and never invent a code", "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder();
  const Bytes all_ones(rapport::testing::kHidPosReportBytes, 0xFF);  // wrong ID 0xFF
  CHECK_FALSE(decoder.feed(all_ones).value());
  Bytes noise(rapport::testing::kHidPosReportBytes, 0xA5);
  noise[0] = 0x02;
  noise.back() = 0x00;
  const auto code = decoder.feed(noise);
  REQUIRE(code);
  REQUIRE(*code);
  CHECK((*code)->data == std::string(56, '\xA5'));
  CHECK((*code)->symbology.empty());  // 0xA5 is no ']'
  const Bytes empty_scan = hid_pos_report("]E0", "", false);
  CHECK_FALSE(decoder.feed(empty_scan).value());  // nothing scanned, nothing delivered
}

TEST_CASE("a Byte Count cuts the data exactly, the continued flag is bit 0 of its byte",
          "[drivers][hidpos]") {
  HidPosDecoder decoder = make_decoder(kWithByteCount);
  CHECK(decoder.report_size() == 63);
  const std::string with_nul(
      "12\0"
      "34",
      5);
  auto codes = feed_all(decoder, {report_with_byte_count(with_nul, 5, false)});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].data == with_nul);  // counted bytes, NUL included
  CHECK(codes[0].symbology == "]C0");

  codes = feed_all(decoder, {report_with_byte_count(std::string(56, 'a'), 56, true),
                             report_with_byte_count("bcdef", 3, false)});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].data == std::string(56, 'a') + "bcd");

  // A count over the field's 56 bytes is held to 56.
  codes = feed_all(decoder, {report_with_byte_count(std::string(56, 'z'), 200, false)});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].data == std::string(56, 'z'));
}

TEST_CASE("a descriptor without Decoded Data is not a barcode scanner", "[drivers][hidpos]") {
  const Bytes boot_keyboard_like{0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x75, 0x01, 0x95, 0x08, 0x81,
                                 0x02, 0x75, 0x08, 0x95, 0x06, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00};
  const auto fields = parse_report_descriptor(boot_keyboard_like);
  REQUIRE(fields);
  CHECK(HidPosDecoder::from_descriptor(*fields).error() == HidErrc::kNotABarcodeScanner);
  CHECK(HidPosDecoder::from_descriptor({}).error() == HidErrc::kNotABarcodeScanner);

  // Decoded Data declared only as an Output or Feature does not count either.
  const Bytes output_only{0x05, 0x8C, 0x75, 0x08, 0x95, 0x38, 0x09, 0xFE, 0x91, 0x02};
  CHECK(HidPosDecoder::from_descriptor(parse_report_descriptor(output_only).value()).error() ==
        HidErrc::kNotABarcodeScanner);
}

TEST_CASE("a descriptor without report IDs reads reports without the ID byte",
          "[drivers][hidpos]") {
  const Bytes no_ids{0x05, 0x8C, 0x75, 0x08, 0x95, 0x04, 0x09, 0xFE, 0x82, 0x02, 0x01};
  HidPosDecoder decoder = make_decoder(no_ids);
  CHECK(decoder.report_size() == 4);
  const auto codes = feed_all(decoder, {Bytes{'1', '2', '3', 0}});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].data == "123");
  CHECK(codes[0].symbology.empty());
}

TEST_CASE("AIM identifiers are described for logs", "[drivers][hidpos]") {
  CHECK(describe_symbology("]E0") == "EAN-13");
  CHECK(describe_symbology("]E4") == "EAN-8");
  CHECK(describe_symbology("]Q1") == "QR Code");
  CHECK(describe_symbology("]C0") == "Code 128");
  CHECK(describe_symbology("]C1") == "GS1-128");
  CHECK(describe_symbology("]A0") == "Code 39");
  CHECK(describe_symbology("]I0") == "Interleaved 2 of 5");
  CHECK(describe_symbology("]d1") == "Data Matrix");
  CHECK(describe_symbology("]X9") == "unknown");
  CHECK(describe_symbology("") == "unknown");
  CHECK(describe_symbology("E0") == "unknown");
}
