// terminal/redemption.h
//
// Rewards at the counter (docs/offers.md, "Offers at the counter"): the member's offers as
// the server last sent them, presenting them (recorded `shown`), redeeming an offer or a
// number of points, declining an offer, and a cashier's goodwill points. The one entry point
// for the counter's prompt, the cashier's screen and the POS API: `RewardsDesk`.
//
// A redemption is checked with the server first (GET /sync/v1/members/ID/balance, within
// [rewards] balance_check_timeout_ms): the server's balance less what this terminal's outbox
// still owes it must cover it. Without an answer in time the terminal decides alone: the
// cached balance (less what the outbox owes) must cover it and, with what was redeemed
// offline here for the member today, it must stay within the chain's offline limit per member
// per day (config/rewards.toml, sent with GET /sync/v1/changes). Every action is an event in
// the outbox (redemption, offer_response, gesture), durable before success is returned; the
// server applies each once (docs/protocol.md).
//
// Threading: the counter's thread (the Database, cache and outbox given are that thread's).

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shared/domain/member.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "terminal/redemption_errc.h"
#include "terminal/terminal_config.h"

namespace rapport::terminal {

// The member's balance on the server, or nullopt without an answer in time (offline).
class BalanceSource {
 public:
  virtual ~BalanceSource() = default;
  [[nodiscard]] virtual std::optional<std::int64_t> balance(std::int64_t member_id) = 0;
};

// Over HTTPS with config.balance_check_timeout; nullptr when that is 0 or no server is
// configured (always offline rules). After a failure it does not ask again for 15 s. Throws
// std::runtime_error (start-up) when the TLS files cannot be loaded.
[[nodiscard]] std::unique_ptr<BalanceSource> make_server_balance_source(const TerminalConfig& config);

// An offer (offer_id) or a number of points (points, on `reward`).
struct RedeemRequest {
  std::optional<std::string> offer_id{};    // one of the member's current offers, or
  std::int64_t points = 0;                  // this many points (when offer_id is empty)
  std::string reward = "points";            // what the points were spent on
  std::optional<std::string> purchase_id{}; // the sale it was redeemed on, when known
};

struct RedeemReceipt {
  std::string event_id;            // the event in the outbox
  std::int64_t points = 0;         // points debited (redemption) or given (gesture)
  std::int64_t balance_after = 0;  // as this terminal knows it now
  bool checked_online = false;     // the server's balance was asked
  std::string message;             // one line for the cashier
  // redeem() only: the member, the card it was recorded on, the offer, the event's time.
  std::int64_t member_id = 0;
  std::string card_last4{};
  std::optional<std::string> offer_id{};
  std::string occurred_at{};
};

// How many more points the member needs before `offer` can be redeemed, given what they can
// spend now (RewardsDesk::spendable_points); 0 when they can redeem it. Pure.
[[nodiscard]] std::int64_t points_to_go(const domain::MemberOffer& offer, std::int64_t spendable);

// Runs inside redeem()'s transaction once its event is appended, before the commit; a failure
// rolls the redemption back and redeem() returns that error (the POS API keeps its
// idempotency record here, terminal/pos_api/idempotency.h).
using RedeemAlsoInTransaction = std::function<Result<void>(const RedeemReceipt&)>;

class RewardsDesk {
 public:
  struct Identity {
    std::string terminal_id;
    std::string store_id;
  };

  // Requires: db, cache, outbox and server (when given) outlive the desk; cache and outbox
  // work on `db`. Without a server every redemption follows the offline rules.
  RewardsDesk(Identity identity, storage::Database& db, MemberCache& cache, Outbox& outbox,
              BalanceSource* server = nullptr)
      : identity_(std::move(identity)), db_(db), cache_(cache), outbox_(outbox), server_(server) {}

  // What the card's member can spend as this terminal knows it, without asking the server:
  // the cached balance with what the outbox has not delivered yet. An offer costing more is
  // shown as "N points to go", not as redeemable (redeem() would refuse it).
  [[nodiscard]] Result<std::int64_t> spendable_points(const std::string& card_token);
  // The current offers of the card's member, best first; nothing is recorded.
  [[nodiscard]] Result<std::vector<domain::MemberOffer>> offers(const std::string& card_token);
  // The same, recording each as `shown` (an offer_response event): call it when the offers
  // are actually put in front of the customer.
  [[nodiscard]] Result<std::vector<domain::MemberOffer>> present_offers(
      const std::string& card_token, std::chrono::system_clock::time_point now);
  // Redeems an offer (its points; one of 0 points is recorded `accepted`) or a number of
  // points for the card's member. The offer leaves the member's list here. `also` runs in
  // the same transaction (see RedeemAlsoInTransaction).
  [[nodiscard]] Result<RedeemReceipt> redeem(const std::string& card_token,
                                             const RedeemRequest& request,
                                             std::chrono::system_clock::time_point now,
                                             const RedeemAlsoInTransaction& also = {});
  // The customer said no: recorded `declined` (the server holds it back for the cool-down).
  [[nodiscard]] Result<std::string> decline(const std::string& card_token,
                                            const std::string& offer_id,
                                            std::chrono::system_clock::time_point now);
  // A cashier's goodwill points, within the chain's limit per cashier per day (what this
  // terminal has given for the cashier today counts; the server checks across terminals).
  [[nodiscard]] Result<RedeemReceipt> give_gesture(const std::string& card_token,
                                                   const std::string& staff, std::int64_t points,
                                                   const std::string& reason,
                                                   std::chrono::system_clock::time_point now);

 private:
  [[nodiscard]] Result<CardHolder> member_of(const std::string& card_token);
  [[nodiscard]] Result<std::string> append(domain::EventKind kind, const CardHolder& holder,
                                           std::string payload,
                                           std::chrono::system_clock::time_point now);

  Identity identity_;
  storage::Database& db_;
  MemberCache& cache_;
  Outbox& outbox_;
  BalanceSource* server_;
};

}  // namespace rapport::terminal
