// tests/fuzz/sync_messages_fuzz.cpp
//
// Any body a peer may send: decoding never crashes, and whatever decodes re-encodes to a
// message that decodes to the same thing.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shared/protocol/sync_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::protocol;
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  if (const auto request = decode_push_events_request(body); request) {
    const auto again = decode_push_events_request(encode(*request));
    if (!again || again->events.size() != request->events.size()) std::abort();
    for (std::size_t i = 0; i < request->events.size(); ++i) {
      if (again->events[i].id != request->events[i].id) std::abort();
      if (again->events[i].member_id != request->events[i].member_id) std::abort();
      if (again->events[i].payload != request->events[i].payload) std::abort();
    }
  }
  if (const auto response = decode_push_events_response(body); response) {
    const auto again = decode_push_events_response(encode(*response));
    if (!again || again->acknowledged != response->acknowledged) std::abort();
  }
  if (const auto page = decode_changes_page(body); page) {
    const auto again = decode_changes_page(encode(*page));
    if (!again || again->members.size() != page->members.size() ||
        again->cursor != page->cursor || again->more != page->more ||
        again->removed != page->removed ||
        again->limits.has_value() != page->limits.has_value()) {
      std::abort();
    }
    for (std::size_t i = 0; i < page->members.size(); ++i) {
      if (again->members[i].offers.size() != page->members[i].offers.size()) std::abort();
    }
  }
  if (const auto balance = decode_balance_answer(body); balance) {
    const auto again = decode_balance_answer(encode(*balance));
    if (!again || again->member_id != balance->member_id ||
        again->points_balance != balance->points_balance) {
      std::abort();
    }
  }
  if (const auto member = decode_member(body); member) {
    const auto again = decode_member(encode(*member));
    if (!again || again->id != member->id || again->cards.size() != member->cards.size() ||
        again->offers.size() != member->offers.size() ||
        again->phone_digest != member->phone_digest) {
      std::abort();
    }
    if (member->phone_digest && member->phone_digest->size() != 64) std::abort();
    if (member->phone) std::abort();  // the raw phone is never read from the wire
  }
  return 0;
}
