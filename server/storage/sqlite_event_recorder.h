// server/storage/sqlite_event_recorder.h
//
// Stores a batch of events once each and applies each new event's effect in the same
// transaction (Store::record_events; docs/protocol.md, "Event kinds"). Internal to the
// SQLite backend.
//
// Thread-safety: as the Database (one thread).

#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>

#include "server/storage/sqlite_points.h"
#include "server/storage/sqlite_purchases.h"
#include "server/storage/sqlite_usual_order.h"
#include "shared/domain/event.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

class EventRecorder {
 public:
  // Requires: `db` outlives the recorder.
  explicit EventRecorder(storage::Database& db)
      : db_(db), purchases_(db), ledger_(db), usual_orders_(db) {}

  // One transaction: durable when it returns success, nothing stored otherwise. Returns how
  // many events were new.
  [[nodiscard]] Result<std::size_t> record(std::span<const domain::Event> events);

  // See Store::set_card_velocity_window.
  void set_velocity_window(std::chrono::minutes window) { velocity_window_ = window; }

  // The points ledger the recorder posts event effects to (rules, operator calls).
  [[nodiscard]] PointsLedger& ledger() { return ledger_; }

 private:
  struct CardOwner {
    std::int64_t member_id = 0;
    bool blocked = false;
  };
  [[nodiscard]] Result<std::optional<CardOwner>> owner_of(const std::string& token);
  [[nodiscard]] Result<bool> insert(const domain::Event& e, std::optional<std::int64_t> member,
                                    const std::string& payload, const std::string& received_at);
  [[nodiscard]] Result<void> apply(const domain::Event& e, std::optional<CardOwner> owner,
                                   const std::string& received_at);
  [[nodiscard]] Result<void> count_visit(const domain::Event& e, std::int64_t member_id,
                                         const std::string& received_at);
  [[nodiscard]] Result<void> check_velocity(const domain::Event& e, std::int64_t member_id);
  [[nodiscard]] Result<void> enroll(const domain::Event& e);
  [[nodiscard]] Result<void> link_card(const domain::Event& e, std::int64_t member_id);
  [[nodiscard]] Result<void> keep_note(const domain::Event& e, std::optional<std::int64_t> member);
  [[nodiscard]] Result<void> block_card(const std::string& token, std::int64_t member_id);
  // An offer shown, declined or accepted at a counter, into offer_events (docs/offers.md).
  [[nodiscard]] Result<void> record_offer_outcome(const domain::Event& e, std::int64_t member_id,
                                                  const std::string& offer_id,
                                                  std::string_view outcome);
  // What the reward `reward` handed over by event `e` cost, at the catalogue's cost_cents
  // now, into reward_costs (migration 20, docs/rewards.md "Reward cost"). Nothing when there
  // are no rules or the catalogue does not hold `reward` (nothing to price it by).
  [[nodiscard]] Result<void> record_reward_cost(const domain::Event& e,
                                                std::optional<std::int64_t> member,
                                                const std::string& reward);
  [[nodiscard]] Result<std::int64_t> change_sequence();
  // A purchase of `member_id` was rung up or (partly) taken back: their usual order is
  // derived again and they are marked changed, so every terminal of the chain pulls their
  // recent purchases with what is left to refund (docs/protocol.md, "Recent purchases").
  [[nodiscard]] Result<void> purchases_changed(std::int64_t member_id);
  // The same for the member of purchase `purchase_id` (a refund or void of it), if any.
  [[nodiscard]] Result<void> purchases_changed_of(const std::string& purchase_id);

  storage::Database& db_;
  PurchaseBook purchases_;
  PointsLedger ledger_;
  UsualOrders usual_orders_;
  // Hot-path statements, prepared on first use and kept.
  std::optional<storage::Statement> owner_;
  std::optional<storage::Statement> insert_;
  std::optional<storage::Statement> count_visit_;
  std::optional<storage::Statement> seen_at_store_;
  std::optional<storage::Statement> card_seen_;
  std::optional<storage::Statement> mark_card_seen_;
  std::chrono::minutes velocity_window_{60};
  std::optional<std::int64_t> sequence_;  // this transaction's change sequence, once read
};

}  // namespace rapport::server::sqlite
