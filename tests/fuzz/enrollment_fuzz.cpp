// tests/fuzz/enrollment_fuzz.cpp
//
// Anything a person types as an enrollment code, or a peer posts to /enroll/v1: parsing never
// crashes, and whatever parses formats back to a code that parses to the same thing.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shared/protocol/enrollment_code.h"
#include "shared/protocol/enrollment_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::protocol;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (const auto code = parse_enrollment_code(text); code) {
    if (!is_valid_terminal_id(code->terminal_id)) std::abort();
    const auto again = parse_enrollment_code(format_enrollment_code(*code));
    if (!again || !(*again == *code)) std::abort();
  }
  if (const auto request = decode_enroll_request(text); request) {
    const auto again = decode_enroll_request(encode(*request));
    if (!again || again->code != request->code ||
        again->certificate_request != request->certificate_request) {
      std::abort();
    }
  }
  if (const auto response = decode_enroll_response(text); response) {
    const auto again = decode_enroll_response(encode(*response));
    if (!again || again->sync_port != response->sync_port ||
        again->certificate != response->certificate) {
      std::abort();
    }
  }
  return 0;
}
