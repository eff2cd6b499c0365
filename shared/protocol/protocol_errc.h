// shared/protocol/protocol_errc.h
//
// Why a sync message was refused. A peer sending any of these gets HTTP 400 with the message,
// and the connection carries on: one bad batch never takes the server down.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::protocol {

enum class ProtocolErrc {
  kNotJson = 1,       // the body is not valid JSON
  kWrongShape,        // valid JSON, but a field is missing or has the wrong type
  kTooManyEvents,     // a batch above kMaxEventsPerBatch: split it
  kBadEventId,        // an event id that is not a UUID
  kUnknownEventKind,  // an event kind this server does not know: upgrade the server
  kBadCardToken,      // a card token that is not 64 hex digits
  kBadTimestamp,      // a time that is not ISO 8601 UTC
  kBadPayload,        // an event's payload lacks a field of its kind, or has one it should not
  kBadAmount,         // an amount out of range, or sale lines that do not add up to the total
  kBadCursor,         // a changes cursor this server did not hand out
};

[[nodiscard]] const boost::system::error_category& protocol_category() noexcept;

inline ErrorCode make_error_code(ProtocolErrc e) noexcept {
  return {static_cast<int>(e), protocol_category()};
}

}  // namespace rapport::protocol

template <>
struct boost::system::is_error_code_enum<rapport::protocol::ProtocolErrc> : std::true_type {};
