// shared/protocol/detail/payload_check.h
//
// The payload check on an already parsed JSON object, for the batch decoder (no second parse).

#pragma once

#include "shared/domain/event.h"
#include "shared/protocol/detail/json_fields.h"

namespace rapport::protocol::detail {

[[nodiscard]] Result<void> check_payload_object(domain::EventKind kind, const json::object& o);

}  // namespace rapport::protocol::detail
