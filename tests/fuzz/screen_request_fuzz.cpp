// tests/fuzz/screen_request_fuzz.cpp
//
// Whatever a browser (or anyone) sends the cashier screen as a Cookie header or a sign-in
// body: parsing never crashes, and a parsed sign-in respects its bounds.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "terminal/screen/screen_handler.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::terminal;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (screen_cookie_value(text, "rapport_screen").size() > text.size()) std::abort();
  if (const auto login = parse_pin_login(text); login) {
    if (!is_valid_staff_name(login->name) || login->pin.size() > 64) std::abort();
  }
  return 0;
}
