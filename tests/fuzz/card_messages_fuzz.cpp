// tests/fuzz/card_messages_fuzz.cpp
//
// Anything a server answers to GET /sync/v1/token-keys or POST /sync/v1/member-tokens, or a
// terminal posts to the latter: decoding never crashes, and whatever decodes encodes back to
// text that decodes to the same message.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shared/protocol/card_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::protocol;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (const auto keys = decode_token_keys_answer(text); keys) {
    const auto again = decode_token_keys_answer(encode(*keys));
    if (!again || again->keyring != keys->keyring || again->retired != keys->retired) std::abort();
  }
  if (const auto request = decode_member_token_request(text); request) {
    const auto again = decode_member_token_request(encode(*request));
    if (!again || again->card_number != request->card_number || again->uid != request->uid) {
      std::abort();
    }
  }
  if (const auto answer = decode_member_token_answer(text); answer) {
    const auto again = decode_member_token_answer(encode(*answer));
    if (!again || again->token != answer->token || again->member_id != answer->member_id ||
        again->key_id != answer->key_id) {
      std::abort();
    }
  }
  return 0;
}
