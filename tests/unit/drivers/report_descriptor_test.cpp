// tests/unit/drivers/report_descriptor_test.cpp
//
// HID report descriptors (HID 1.11 §6.2.2) to report fields: a HID-POS scanner's and the
// boot keyboard's descriptors, the item rules, and the truncated, unbalanced and absurd
// descriptors a broken or hostile device may send.

#include "drivers/hid/report_descriptor.h"

#include <cstdint>
#include <vector>

#include "drivers/hid/hid_errc.h"
#include "tests/support/catch_result.h"
#include "tests/support/hid_pos_descriptor.h"

using rapport::drivers::HidErrc;
using rapport::drivers::parse_report_descriptor;
using rapport::drivers::report_bytes;
using rapport::drivers::ReportKind;
using rapport::drivers::UsageRange;

namespace {

using Bytes = std::vector<std::uint8_t>;

// The boot keyboard descriptor of HID 1.11 Appendix B.1 (E.6 lists it byte by byte).
const Bytes kBootKeyboard{
    0x05, 0x01, 0x09, 0x06, 0xA1, 0x01,              // Generic Desktop, Keyboard, Application
    0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7,              // Key codes, usages E0-E7 (modifiers)
    0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08,  // 8 x 1 bit, 0..1
    0x81, 0x02,                                      // Input (Data, Variable, Absolute)
    0x95, 0x01, 0x75, 0x08, 0x81, 0x01,              // reserved byte, Input (Constant)
    0x95, 0x05, 0x75, 0x01, 0x05, 0x08, 0x19, 0x01, 0x29, 0x05,  // 5 LEDs
    0x91, 0x02,                                                  // Output (Data, Variable)
    0x95, 0x01, 0x75, 0x03, 0x91, 0x01,                          // LED padding
    0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x25, 0x65,              // 6 key slots, 0..101
    0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00,              // Input (Data, Array)
    0xC0,
};

// A minimal valid Input field around `items` (the items come before the Input).
Bytes input_with(const Bytes& items) {
  Bytes d{0x05, 0x01, 0x75, 0x08, 0x95, 0x01};
  d.insert(d.end(), items.begin(), items.end());
  d.insert(d.end(), {0x81, 0x02});
  return d;
}

}  // namespace

TEST_CASE("a HID-POS scanner's descriptor gives its scanned-data report layout",
          "[drivers][descriptor]") {
  const auto fields = parse_report_descriptor(rapport::testing::hid_pos_report_descriptor());
  REQUIRE(fields);
  REQUIRE(fields->size() == 4);

  const auto& symbology = (*fields)[0];
  CHECK(symbology.report_id == 2);
  CHECK(symbology.kind == ReportKind::kInput);
  CHECK(symbology.usage_page == 0x8C);
  CHECK(symbology.bit_offset == 0);
  CHECK(symbology.bit_size == 8);
  CHECK(symbology.count == 3);
  CHECK(symbology.variable);
  CHECK(symbology.usage_at(0) == 0x008C00FBu);
  CHECK(symbology.usage_at(2) == 0x008C00FDu);
  CHECK(symbology.logical_maximum == 255);

  const auto& data = (*fields)[1];
  CHECK(data.bit_offset == 24);
  CHECK(data.count == 56);
  CHECK(data.buffered_bytes);
  CHECK(data.flags == 0x102);
  CHECK(data.has_usage(0x008C00FE));
  CHECK(data.usage_at(55) == 0x008C00FEu);  // the last usage repeats

  const auto& continued = (*fields)[2];
  CHECK(continued.bit_offset == 24 + 56 * 8);
  CHECK(continued.bit_size == 1);
  CHECK(continued.usage_at(0) == 0x008C00FFu);
  CHECK_FALSE(continued.constant);

  const auto& padding = (*fields)[3];
  CHECK(padding.constant);
  CHECK(padding.bit_size == 1);
  CHECK(padding.count == 7);
  CHECK(padding.usages.empty());
  CHECK(padding.usage_at(0) == std::nullopt);

  CHECK(report_bytes(*fields, 2, ReportKind::kInput) == rapport::testing::kHidPosReportBytes);
  CHECK(report_bytes(*fields, 2, ReportKind::kOutput) == 0);
  CHECK(report_bytes(*fields, 1, ReportKind::kInput) == 0);
}

TEST_CASE("the boot keyboard descriptor gives the 8-byte boot report", "[drivers][descriptor]") {
  const auto fields = parse_report_descriptor(kBootKeyboard);
  REQUIRE(fields);
  REQUIRE(fields->size() == 5);
  const auto& modifiers = (*fields)[0];
  CHECK(modifiers.report_id == 0);
  CHECK(modifiers.usages.size() == 1);
  CHECK(modifiers.usages[0].minimum == 0x000700E0u);
  CHECK(modifiers.usages[0].maximum == 0x000700E7u);
  CHECK(modifiers.usage_at(1) == 0x000700E1u);  // LShift
  const auto& leds = (*fields)[2];
  CHECK(leds.kind == ReportKind::kOutput);
  CHECK(leds.usage_page == 0x08);
  CHECK(leds.bit_offset == 0);
  const auto& keys = (*fields)[4];
  CHECK_FALSE(keys.variable);
  CHECK(keys.bit_offset == 16);
  CHECK(keys.count == 6);
  CHECK(keys.has_usage(0x00070028));  // Enter is one of the array's values
  CHECK(keys.logical_maximum == 0x65);
  CHECK(report_bytes(*fields, 0, ReportKind::kInput) == 8);
  CHECK(report_bytes(*fields, 0, ReportKind::kOutput) == 1);
}

TEST_CASE("usages take the Usage Page of their Main item unless given in 32 bits",
          "[drivers][descriptor]") {
  // Usage (0x30) before Usage Page (Generic Desktop): it still means Generic Desktop X.
  const auto late_page =
      parse_report_descriptor(Bytes{0x09, 0x30, 0x05, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02});
  REQUIRE(late_page);
  CHECK(late_page->at(0).usage_at(0) == 0x00010030u);

  // A 4-byte Usage names its own page (here 0x8C Decoded Data on a Generic Desktop page).
  const auto extended = parse_report_descriptor(input_with({0x0B, 0xFE, 0x00, 0x8C, 0x00}));
  REQUIRE(extended);
  CHECK(extended->at(0).usage_at(0) == 0x008C00FEu);
  CHECK(extended->at(0).usage_page == 0x01);
}

TEST_CASE("Push and Pop save and restore the global items", "[drivers][descriptor]") {
  const Bytes d{0x05, 0x01, 0x75, 0x08, 0x95, 0x02,  // page 1, 2 x 8 bits
                0xA4,                                // Push
                0x75, 0x04, 0x05, 0x09,              // 4 bits, Button page
                0x09, 0x01, 0x81, 0x02,              // Input
                0xB4,                                // Pop
                0x09, 0x30, 0x81, 0x02};             // Input with the restored globals
  const auto fields = parse_report_descriptor(d);
  REQUIRE(fields);
  REQUIRE(fields->size() == 2);
  CHECK(fields->at(0).bit_size == 4);
  CHECK(fields->at(0).usage_page == 0x09);
  CHECK(fields->at(1).bit_size == 8);
  CHECK(fields->at(1).usage_page == 0x01);
  CHECK(fields->at(1).bit_offset == 8);
}

TEST_CASE("usage lists and ranges count out per value, long items are skipped",
          "[drivers][descriptor]") {
  // Usage 0x30, Usage Min 0x40 .. Max 0x42, a long item, then 6 values.
  const Bytes d{
      0x05, 0x01, 0x75, 0x08, 0x95, 0x06, 0x09, 0x30, 0x19,
      0x40, 0x29, 0x42, 0xFE, 0x02, 0x10, 0xAA, 0xBB,  // long item: 2 data bytes, tag 0x10
      0x81, 0x02};
  const auto fields = parse_report_descriptor(d);
  REQUIRE(fields);
  const auto& field = fields->at(0);
  CHECK(field.usage_at(0) == 0x00010030u);
  CHECK(field.usage_at(1) == 0x00010040u);
  CHECK(field.usage_at(3) == 0x00010042u);
  CHECK(field.usage_at(5) == 0x00010042u);
  CHECK(field.has_usage(0x00010041));
  CHECK_FALSE(field.has_usage(0x00010031));
}

TEST_CASE("logical limits are signed as devices mean them", "[drivers][descriptor]") {
  // Logical Maximum (0xFF) with Logical Minimum 0 means 255, not -1.
  auto fields = parse_report_descriptor(input_with({0x15, 0x00, 0x25, 0xFF}));
  REQUIRE(fields);
  CHECK(fields->at(0).logical_maximum == 255);
  fields = parse_report_descriptor(input_with({0x15, 0x81, 0x25, 0x7F}));
  REQUIRE(fields);
  CHECK(fields->at(0).logical_minimum == -127);
  CHECK(fields->at(0).logical_maximum == 127);
}

TEST_CASE("report IDs keep separate offsets per report and kind", "[drivers][descriptor]") {
  const Bytes d{0x05, 0x01, 0x75, 0x08, 0x95, 0x02, 0x85, 0x01, 0x81, 0x02,
                0x91, 0x02, 0x85, 0x02, 0x81, 0x02, 0x85, 0x01, 0x81, 0x02};
  const auto fields = parse_report_descriptor(d);
  REQUIRE(fields);
  REQUIRE(fields->size() == 4);
  CHECK(fields->at(1).kind == ReportKind::kOutput);
  CHECK(fields->at(1).bit_offset == 0);
  CHECK(fields->at(2).report_id == 2);
  CHECK(fields->at(2).bit_offset == 0);
  CHECK(fields->at(3).report_id == 1);
  CHECK(fields->at(3).bit_offset == 16);
  CHECK(report_bytes(*fields, 1, ReportKind::kInput) == 5);
}

TEST_CASE("a truncated descriptor is refused at every cut", "[drivers][descriptor]") {
  // Every cut from inside the first Collection item on: the first four bytes alone (Usage
  // Page, Usage) are a complete, if useless, descriptor.
  const Bytes full = rapport::testing::hid_pos_report_descriptor();
  for (std::size_t n = 5; n < full.size(); ++n) {
    const auto result = parse_report_descriptor(std::span(full.data(), n));
    INFO("cut after " << n << " bytes");
    REQUIRE_FALSE(result);
    CHECK((result.error() == HidErrc::kDescriptorTruncated ||
           result.error() == HidErrc::kDescriptorUnbalanced));
  }
  CHECK(parse_report_descriptor(Bytes{0x26, 0xFF}).error() == HidErrc::kDescriptorTruncated);
  CHECK(parse_report_descriptor(Bytes{0x0B, 0xFE, 0x00}).error() == HidErrc::kDescriptorTruncated);
  CHECK(parse_report_descriptor(Bytes{0xFE, 0x05, 0x10, 0x01}).error() ==
        HidErrc::kDescriptorTruncated);
  CHECK(parse_report_descriptor(Bytes{0xFE}).error() == HidErrc::kDescriptorTruncated);
  CHECK(parse_report_descriptor(Bytes{}).value().empty());
}

TEST_CASE("unbalanced collections and Pop are refused", "[drivers][descriptor]") {
  CHECK(parse_report_descriptor(Bytes{0xC0}).error() == HidErrc::kDescriptorUnbalanced);
  CHECK(parse_report_descriptor(Bytes{0xA1, 0x01, 0xC0, 0xC0}).error() ==
        HidErrc::kDescriptorUnbalanced);
  CHECK(parse_report_descriptor(Bytes{0xA1, 0x01, 0xA1, 0x02, 0xC0}).error() ==
        HidErrc::kDescriptorUnbalanced);
  CHECK(parse_report_descriptor(Bytes{0xA4, 0xB4, 0xB4}).error() == HidErrc::kDescriptorUnbalanced);
}

TEST_CASE("absurd sizes are refused before they cost memory", "[drivers][descriptor]") {
  // 65535 values of 8 bits: far over 4096 bytes.
  CHECK(parse_report_descriptor(Bytes{0x75, 0x08, 0x96, 0xFF, 0xFF, 0x81, 0x02}).error() ==
        HidErrc::kDescriptorTooLarge);
  // Two fields that together pass 4096 bytes in one report.
  CHECK(parse_report_descriptor(
            Bytes{0x75, 0x08, 0x96, 0x00, 0x10, 0x81, 0x02, 0x95, 0x01, 0x81, 0x02})
            .error() == HidErrc::kDescriptorTooLarge);
  CHECK(parse_report_descriptor(Bytes{0x75, 0x08, 0x96, 0x00, 0x10, 0x81, 0x02}));  // exactly 4096
  CHECK(parse_report_descriptor(Bytes{0x76, 0x01, 0x01}).error() ==
        HidErrc::kDescriptorTooLarge);  // Report Size 257 bits
  CHECK(parse_report_descriptor(Bytes{0x97, 0x00, 0x00, 0x01, 0x00}).error() ==
        HidErrc::kDescriptorTooLarge);  // Report Count 65536

  Bytes nested;
  for (int i = 0; i < 40; ++i) nested.insert(nested.end(), {0xA1, 0x00});
  CHECK(parse_report_descriptor(nested).error() == HidErrc::kDescriptorTooLarge);

  Bytes pushes;
  for (int i = 0; i < 20; ++i) pushes.push_back(0xA4);
  CHECK(parse_report_descriptor(pushes).error() == HidErrc::kDescriptorTooLarge);

  Bytes many_fields{0x75, 0x01, 0x95, 0x01};
  for (int i = 0; i < 1025; ++i) many_fields.insert(many_fields.end(), {0x81, 0x02});
  CHECK(parse_report_descriptor(many_fields).error() == HidErrc::kDescriptorTooLarge);

  Bytes many_usages{0x75, 0x01, 0x95, 0x01};
  for (int i = 0; i < 1025; ++i) many_usages.insert(many_usages.end(), {0x09, 0x01});
  CHECK(parse_report_descriptor(many_usages).error() == HidErrc::kDescriptorTooLarge);

  CHECK(parse_report_descriptor(Bytes(70000, 0x00)).error() == HidErrc::kDescriptorTooLarge);
}

TEST_CASE("items the specification does not allow are refused", "[drivers][descriptor]") {
  CHECK(parse_report_descriptor(Bytes{0x85, 0x00}).error() == HidErrc::kDescriptorInvalid);
  CHECK(parse_report_descriptor(Bytes{0x86, 0x00, 0x01}).error() ==
        HidErrc::kDescriptorInvalid);  // Report ID 256
  CHECK(parse_report_descriptor(Bytes{0x0C}).error() == HidErrc::kDescriptorInvalid);
  CHECK(parse_report_descriptor(Bytes{0xD0}).error() == HidErrc::kDescriptorInvalid);
  CHECK(parse_report_descriptor(Bytes{0x07, 0x00, 0x00, 0x01, 0x00}).error() ==
        HidErrc::kDescriptorInvalid);  // Usage Page 0x10000
  CHECK(parse_report_descriptor(input_with({0x19, 0x01})).error() ==
        HidErrc::kDescriptorInvalid);  // Usage Minimum alone
  CHECK(parse_report_descriptor(input_with({0x19, 0x05, 0x29, 0x01})).error() ==
        HidErrc::kDescriptorInvalid);  // Minimum above Maximum
}
