// terminal/sales.h
//
// Recording sales at the terminal: a purchase with its lines, a refund of (part of) an earlier
// purchase, or a void, for a card or member this terminal knows. The one entry point both the
// POS integration API (terminal/pos_api/) and the cashier screen's sale form use. Each is
// checked with the protocol's own payload check (shared/protocol/event_payloads.h), then
// appended to the outbox in one transaction with the staff audit line (staff_actions) and
// whatever the caller adds (the POS API's idempotency record).
//
// Thread-safety: as the Database it was given (one thread). Each thread that records sales
// has its own Sales over its own connection (with its own MemberCache and Outbox).

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "shared/domain/event.h"
#include "shared/protocol/event_payloads.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"

namespace rapport::terminal {

enum class SalesErrc {
  kNoCustomer = 1,  // neither a card nor a member was given (or both)
  kUnknownCard,     // the card is not known to this terminal's store
  kUnknownMember,   // no member with this id in this terminal's store
  kBlockedCard,     // the card is blocked (lost or replaced)
  kNoActiveCard,    // the member holds no card that is not blocked
};

[[nodiscard]] const boost::system::error_category& sales_category() noexcept;

inline ErrorCode make_error_code(SalesErrc e) noexcept {
  return {static_cast<int>(e), sales_category()};
}

// Who the sale is for: exactly one of the two.
struct SaleCustomer {
  // A card the member cache knows, e.g. ScanResult::holder->card.token after a scan, or
  // ReadCard::token (terminal/counter.h).
  std::optional<std::string> card_token;
  // A member of this store; the sale goes on their first card that is not blocked.
  std::optional<std::int64_t> member_id;
};

using SaleAction =
    std::variant<protocol::PurchasePayload, protocol::RefundPayload, protocol::VoidPayload>;

struct RecordedSale {
  std::string event_id;
  domain::EventKind kind = domain::EventKind::kPurchase;
  CardHolder holder;        // the member and the card the event is recorded against
  std::string payload;      // the event's payload as stored (compact JSON)
  std::string occurred_at;  // ISO 8601 UTC
};

// Runs inside the sale's transaction after the append, before the commit; a failure rolls
// the whole sale back and record() returns that error.
using SaleAlsoInTransaction = std::function<Result<void>(const RecordedSale&)>;

class Sales {
 public:
  struct Identity {
    std::string terminal_id;
    std::string store_id;
  };

  // Requires: db, cache and outbox outlive this object; cache and outbox work on `db`.
  Sales(Identity identity, storage::Database& db, MemberCache& cache, Outbox& outbox)
      : identity_(std::move(identity)), db_(db), cache_(cache), outbox_(outbox) {}

  // Records `action` for `customer`, durably (the outbox append, the staff line when
  // `staff_id` is given, and `also`, in one transaction). For a purchase, total_cents is
  // set from the lines before the check. Errors: SalesErrc (who), ProtocolErrc::kBadPayload
  // or kBadAmount (what: the message names the field), storage errors (not recorded).
  [[nodiscard]] Result<RecordedSale> record(const SaleCustomer& customer, SaleAction action,
                                            std::optional<std::int64_t> staff_id,
                                            std::chrono::system_clock::time_point now,
                                            const SaleAlsoInTransaction& also = {});

  // The member with `member_id` and their first card that is not blocked (kUnknownMember,
  // kNoActiveCard otherwise).
  [[nodiscard]] Result<CardHolder> holder_of_member(std::int64_t member_id);

 private:
  Result<CardHolder> resolve(const SaleCustomer& customer);

  Identity identity_;
  storage::Database& db_;
  MemberCache& cache_;
  Outbox& outbox_;
};

}  // namespace rapport::terminal

template <>
struct boost::system::is_error_code_enum<rapport::terminal::SalesErrc> : std::true_type {};
