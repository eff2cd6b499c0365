// tests/fuzz/report_descriptor_fuzz.cpp
//
// Any report descriptor a device may return: parsing never crashes or runs away, every field
// it reports lies inside the 4096-byte report bound, and a HID-POS decoder built from it
// reads reports of its declared size safely.

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "drivers/hid/hid_pos_decoder.h"
#include "drivers/hid/report_descriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::drivers;
  const auto fields = parse_report_descriptor(std::span(data, size));
  if (!fields) return 0;
  if (fields->size() > kMaxReportFields) std::abort();
  for (const ReportField& field : *fields) {
    const std::uint64_t end = field.bit_offset + std::uint64_t{field.bit_size} * field.count;
    if (field.bit_size == 0 || field.count == 0 || end > kMaxReportBytes * 8) std::abort();
    for (const UsageRange& range : field.usages) {
      if (range.minimum > range.maximum) std::abort();
    }
  }
  auto decoder = HidPosDecoder::from_descriptor(*fields);
  if (!decoder) return 0;
  if (decoder->report_size() > kMaxReportBytes + 1) std::abort();
  // A report of the declared size, filled from the descriptor bytes themselves.
  std::vector<std::uint8_t> report(decoder->report_size(), 0);
  for (std::size_t i = 0; i < report.size(); ++i) report[i] = size ? data[i % size] : 0;
  if (!report.empty()) report[0] = decoder->report_id() ? decoder->report_id() : report[0];
  const auto code = decoder->feed(report);
  if (code && *code && (*code)->data.size() > HidPosDecoder::kMaxCodeBytes) std::abort();
  return 0;
}
