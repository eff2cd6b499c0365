// drivers/hid/report_descriptor.h
//
// A HID report descriptor (HID 1.11 §6.2.2) turned into the list of fields each report
// carries, so a driver reads values at the offsets the device declares instead of assuming
// a layout. Short items only; long items are skipped as the specification allows. Pure and
// bounded: a hostile descriptor gets an error, never unbounded memory or time.
//
// Usages are kept as extended 32-bit usages, (usage page << 16) | usage ID, as HID 1.11
// §6.2.2.8 defines for 4-byte Usage items: a 1- or 2-byte Usage takes the Usage Page in
// force when its Main item is parsed. Usage Minimum/Maximum stay ranges (never expanded).
//
// Bounds (HidErrc::kDescriptorTooLarge beyond them): descriptor 64 KiB, 1024 fields, 1024
// usage entries per Main item, collections nested 32 deep, Push 16 deep, Report Size 256 bits
// (Linux's hid-core limit), and 4096 bytes per report (each report ID and kind).

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "shared/util/result.h"

namespace rapport::drivers {

inline constexpr std::size_t kMaxReportBytes = 4096;
inline constexpr std::size_t kMaxDescriptorBytes = 65536;
inline constexpr std::size_t kMaxReportFields = 1024;

enum class ReportKind : std::uint8_t { kInput, kOutput, kFeature };

// A single extended usage when minimum == maximum, else a Usage Minimum/Maximum range.
struct UsageRange {
  std::uint32_t minimum = 0;
  std::uint32_t maximum = 0;
};

// One Input, Output or Feature main item: `count` values of `bit_size` bits each.
struct ReportField {
  std::uint8_t report_id = 0;  // 0 when the descriptor declares no Report ID
  ReportKind kind = ReportKind::kInput;
  std::uint16_t usage_page = 0;    // the Usage Page in force at the Main item
  std::vector<UsageRange> usages;  // extended usages, in declaration order
  std::uint32_t bit_offset = 0;    // from the start of the report data, after the ID byte
  std::uint32_t bit_size = 0;      // Report Size
  std::uint32_t count = 0;         // Report Count
  std::int64_t logical_minimum = 0;
  std::int64_t logical_maximum = 0;  // read unsigned when logical_minimum >= 0, as devices mean
  std::uint32_t flags = 0;           // the Main item's data bits
  bool constant = false;             // bit 0: padding or a fixed value
  bool variable = false;             // bit 1: one value per usage; else an array of usage indices
  bool buffered_bytes = false;       // bit 8: a byte stream (Decoded Data, for example)

  // The usage of value `index` of a variable field: usages in order, ranges counted out,
  // the last one repeating for the remaining values (HID 1.11 §6.2.2.9). Nullopt without
  // usages.
  [[nodiscard]] std::optional<std::uint32_t> usage_at(std::uint32_t index) const;

  // True when any usage or usage range of the field covers `usage` (an extended usage).
  [[nodiscard]] bool has_usage(std::uint32_t usage) const;
};

// The fields in descriptor order. Errors (HidErrc): kDescriptorTruncated (an item's data
// runs past the end), kDescriptorUnbalanced (End Collection or Pop without an opening item,
// collections left open), kDescriptorTooLarge (the bounds above), kDescriptorInvalid (Report
// ID 0 or over 255, reserved item type, unknown Main item, Usage Minimum without Maximum or
// above it, a Usage Page over 0xFFFF).
[[nodiscard]] Result<std::vector<ReportField>> parse_report_descriptor(
    std::span<const std::uint8_t> descriptor);

// Bytes of report `report_id` of `kind`, the ID byte included when report_id != 0; 0 when
// no field belongs to it.
[[nodiscard]] std::size_t report_bytes(const std::vector<ReportField>& fields,
                                       std::uint8_t report_id, ReportKind kind);

}  // namespace rapport::drivers
