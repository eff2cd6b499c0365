// shared/protocol/sync_messages.h
//
// The sync protocol's messages and their JSON form (spec: docs/protocol.md). Terminals push
// events and pull their store's members over HTTPS under /sync/v1/. Decoding checks every
// field, so the server's handler only ever sees well-formed values.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shared/domain/event.h"
#include "shared/domain/member.h"
#include "shared/util/result.h"

namespace rapport::protocol {

inline constexpr std::string_view kPushEventsPath = "/sync/v1/events";
inline constexpr std::string_view kMembersPath = "/sync/v1/members";
inline constexpr std::size_t kMaxEventsPerBatch = 500;

// POST /sync/v1/events. The terminal and store come from the client certificate, not from
// the body, so a terminal cannot write events in another terminal's name.
struct PushEventsRequest {
  std::vector<domain::Event> events;  // terminal_id and store_id are not sent
};

// Ids the server has stored durably (new or already stored before). The terminal deletes
// exactly these from its outbox.
struct PushEventsResponse {
  std::vector<std::string> acknowledged;
};

// GET /sync/v1/members: a full copy of the members the terminal's store needs.
struct MembersSnapshot {
  std::string store_id;
  std::vector<domain::Member> members;
};

[[nodiscard]] std::string encode(const PushEventsRequest& request);
[[nodiscard]] Result<PushEventsRequest> decode_push_events_request(std::string_view json);

[[nodiscard]] std::string encode(const PushEventsResponse& response);
[[nodiscard]] Result<PushEventsResponse> decode_push_events_response(std::string_view json);

[[nodiscard]] std::string encode(const MembersSnapshot& snapshot);
[[nodiscard]] Result<MembersSnapshot> decode_members_snapshot(std::string_view json);

// {"error": message}: the body of every 4xx/5xx answer.
[[nodiscard]] std::string encode_error(std::string_view message);

}  // namespace rapport::protocol
