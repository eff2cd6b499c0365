// shared/protocol/protocol_errc.cpp
#include "shared/protocol/protocol_errc.h"

#include "shared/util/error_category.h"

namespace rapport::protocol {
namespace {

const char* describe(int value) {
  switch (static_cast<ProtocolErrc>(value)) {
    case ProtocolErrc::kNotJson:
      return "message body is not valid JSON";
    case ProtocolErrc::kWrongShape:
      return "message is missing a field or a field has the wrong type";
    case ProtocolErrc::kTooManyEvents:
      return "too many events in one batch; send smaller batches";
    case ProtocolErrc::kBadEventId:
      return "event id is not a UUID";
    case ProtocolErrc::kUnknownEventKind:
      return "unknown event kind; upgrade the server";
    case ProtocolErrc::kBadCardToken:
      return "card token is not 64 hex digits";
    case ProtocolErrc::kBadTimestamp:
      return "time is not ISO 8601 UTC";
    case ProtocolErrc::kBadPayload:
      return "event payload does not match its kind (docs/protocol.md, Event kinds)";
    case ProtocolErrc::kBadAmount:
      return "amount out of range, or sale lines that do not add up to total_cents";
    case ProtocolErrc::kBadCursor:
      return "changes cursor is not one this server handed out; pull again from the start";
  }
  return "unknown protocol error";
}

}  // namespace

const boost::system::error_category& protocol_category() noexcept {
  static const NamedErrorCategory category("rapport.protocol", &describe);
  return category;
}

}  // namespace rapport::protocol
