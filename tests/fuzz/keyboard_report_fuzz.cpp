// tests/fuzz/keyboard_report_fuzz.cpp
//
// Any stream of reports a keyboard-mode reader may send: the decoder never crashes, and every
// read it completes is non-empty printable ASCII within its length bound.
// Input: byte 0 picks the layout and terminator, then 8-byte reports; a shorter tail is fed
// as a short report, and a report starting 0xFF also stands for a quiet gap.

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "drivers/hid/keyboard_decoder.h"

namespace {

constexpr std::size_t kMaxChars = 64;

void check(const std::optional<std::string>& read) {
  if (!read) return;
  if (read->empty() || read->size() > kMaxChars) std::abort();
  for (const char c : *read) {
    if (c < 0x20 || c > 0x7E) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using rapport::drivers::KeyboardLayout;
  using rapport::drivers::Terminator;
  if (size == 0) return 0;
  const auto layout = static_cast<KeyboardLayout>(data[0] % 3);
  const auto terminator = static_cast<Terminator>((data[0] / 3) % 3);
  rapport::drivers::KeyboardDecoder decoder(layout, terminator, kMaxChars);

  std::span<const std::uint8_t> rest(data + 1, size - 1);
  while (!rest.empty()) {
    const auto report = rest.first(rest.size() < 8 ? rest.size() : 8);
    rest = rest.subspan(report.size());
    const auto step = decoder.feed(report);
    check(step.completed);
    if (report[0] == 0xFF) check(decoder.on_quiet_gap());
  }
  check(decoder.on_quiet_gap());
  if (decoder.pending()) std::abort();  // a quiet gap always ends the read in progress
  return 0;
}
