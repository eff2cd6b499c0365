// tests/fuzz/hid_pos_report_fuzz.cpp
//
// Any stream of reports from the HID-POS scanner of tests/support/hid_pos_descriptor.h:
// the decoder never crashes, and no code it delivers is empty or over its 4096-byte bound.
// Input: reports of 61 bytes (the descriptor's report size); a shorter tail is fed as is.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drivers/hid/hid_pos_decoder.h"
#include "drivers/hid/report_descriptor.h"
#include "tests/support/hid_pos_descriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::drivers;
  static const auto descriptor = rapport::testing::hid_pos_report_descriptor();
  auto decoder =
      HidPosDecoder::from_descriptor(parse_report_descriptor(descriptor).value()).value();

  std::span<const std::uint8_t> rest(data, size);
  while (!rest.empty()) {
    const std::size_t n = std::min(rest.size(), rapport::testing::kHidPosReportBytes);
    const auto code = decoder.feed(rest.first(n));
    rest = rest.subspan(n);
    if (!code || !*code) continue;
    if ((*code)->data.empty() || (*code)->data.size() > HidPosDecoder::kMaxCodeBytes) std::abort();
    const auto& aim = (*code)->symbology;
    if (!aim.empty() && (aim.size() != 3 || aim[0] != ']')) std::abort();
  }
  return 0;
}
