// shared/protocol/sync_messages.h
//
// The sync protocol's messages and their JSON form (spec: docs/protocol.md). Terminals push
// events, pull what changed since their cursor and look up unknown cards over HTTPS under
// /sync/v1/. Decoding checks every field (and each event's payload against its kind), so the
// server's handler only ever sees well-formed values.

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/domain/event.h"
#include "shared/domain/member.h"
#include "shared/util/result.h"

namespace rapport::protocol {

inline constexpr std::string_view kPushEventsPath = "/sync/v1/events";
inline constexpr std::string_view kChangesPath = "/sync/v1/changes";
inline constexpr std::string_view kCardsPath = "/sync/v1/cards/";  // + the card token
// + the member id + kBalanceSuffix: GET a member's current points balance (docs/protocol.md).
inline constexpr std::string_view kMembersPath = "/sync/v1/members/";
inline constexpr std::string_view kBalanceSuffix = "/balance";
inline constexpr std::size_t kMaxEventsPerBatch = 500;
inline constexpr std::size_t kMaxOffersPerMember = 50;
inline constexpr std::size_t kMaxMembersPerPage = 1000;
// The latest notes sent with each member (docs/protocol.md); decoders accept up to 10.
inline constexpr std::size_t kMaxNotesPerMember = 3;
// The member's recent purchases sent with each member (docs/protocol.md, "Recent purchases"),
// so any till can refund them. Bounded because every change of the member resends them all:
// a refund is asked for within days, rarely after a quarter, and a regular's ten latest
// purchases cover weeks; older ones are refunded through the POS API by id. Decoders accept
// up to 20.
inline constexpr std::size_t kMaxPurchasesPerMember = 10;
inline constexpr int kRecentPurchaseDays = 90;

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

// Where a terminal's pull stands: the last change it has applied. Opaque to terminals
// ("<sequence>.<member id>"); the empty cursor means "from the start".
struct ChangesCursor {
  std::int64_t sequence = 0;
  std::int64_t member_id = 0;
};
[[nodiscard]] std::string encode_cursor(const ChangesCursor& cursor);
// kBadCursor for anything encode_cursor does not write; "" is the start.
[[nodiscard]] Result<ChangesCursor> decode_cursor(std::string_view text);

// GET /sync/v1/changes?since=CURSOR: the members the terminal's store needs that changed
// after the cursor, oldest change first, at most kMaxMembersPerPage at a time.
// The chain's counter limits from config/rewards.toml (docs/rewards.md), sent with every
// changes page so terminals enforce the server's rules; absent from a server without rewards
// (the terminal then allows neither offline redemption nor gestures).
struct CounterLimits {
  std::int64_t offline_redeem_points_per_member_per_day = 0;
  std::int64_t gesture_points_per_cashier_per_day = 0;
};

struct ChangesPage {
  std::string store_id;
  std::vector<domain::Member> members;
  std::string cursor;  // pass as `since` next time
  bool more = false;   // another page is waiting: pull again now
  // Ids of erased members: delete them, their cards and anything local about them. Absent
  // from servers before the erasure issue (decoded as empty).
  std::vector<std::int64_t> removed{};
  std::optional<CounterLimits> limits{};
};

[[nodiscard]] std::string encode(const PushEventsRequest& request);
[[nodiscard]] Result<PushEventsRequest> decode_push_events_request(std::string_view json);

[[nodiscard]] std::string encode(const PushEventsResponse& response);
[[nodiscard]] Result<PushEventsResponse> decode_push_events_response(std::string_view json);

[[nodiscard]] std::string encode(const ChangesPage& page);
[[nodiscard]] Result<ChangesPage> decode_changes_page(std::string_view json);

// GET /sync/v1/cards/TOKEN: the member holding the card (200), or 404.
[[nodiscard]] std::string encode(const domain::Member& member);
[[nodiscard]] Result<domain::Member> decode_member(std::string_view json);

// GET /sync/v1/members/ID/balance: the member's balance on the server's ledger now.
struct BalanceAnswer {
  std::int64_t member_id = 0;
  std::int64_t points_balance = 0;
};
[[nodiscard]] std::string encode(const BalanceAnswer& answer);
[[nodiscard]] Result<BalanceAnswer> decode_balance_answer(std::string_view json);

// {"error": message}: the body of every 4xx/5xx answer.
[[nodiscard]] std::string encode_error(std::string_view message);

}  // namespace rapport::protocol
