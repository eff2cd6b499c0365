// tests/fuzz/track_data_fuzz.cpp
//
// Any text a keyboard-mode stripe reader may type, and any 337-byte vendor report: parsing
// never crashes, and whatever it accepts is a plausible card number, never a damaged one.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "drivers/magstripe/magtek_report.h"
#include "drivers/magstripe/track_data.h"

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

void check(const rapport::Result<rapport::drivers::TrackRead>& read) {
  if (!read) return;
  const std::string& pan = read->pan;
  if (pan.empty() || pan.size() > 19 || !std::all_of(pan.begin(), pan.end(), is_digit)) {
    std::abort();
  }
  const std::string& expiry = read->expiry_yymm;
  if (!expiry.empty() &&
      (expiry.size() != 4 || !std::all_of(expiry.begin(), expiry.end(), is_digit))) {
    std::abort();
  }
  if (read->track != 1 && read->track != 2) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(rapport::drivers::parse_tracks(text));
  check(rapport::drivers::parse_magtek_report(std::span(data, size)));
  return 0;
}
