// server/storage/sqlite_points.h
//
// The points ledger (docs/rewards.md): double-entry postings, each tied to what caused it (an
// event, a job, an operator) and made at most once by its unique `cause`. Event effects are
// applied by the event recorder in the transaction that stores the event: a sale earns, a
// refund or void reverses what the sale earned (once, in proportion), a reward redeemed on a
// sale taken back gives its points back, a redemption debits (and one the balance cannot
// cover is recorded in full and flagged for review), bonuses for sign-up, birthdays, every
// Nth visit and referrals. Internal to the SQLite backend.
//
// Thread-safety: as the Database (one thread). Requires: every call inside a write
// transaction (the caller's), so an effect lands with its cause or not at all.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/rewards/rewards_rules.h"
#include "shared/domain/event.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::sqlite {

class PointsLedger {
 public:
  // Requires: `db` outlives this.
  explicit PointsLedger(storage::Database& db) : db_(db) {}

  // Without rules nothing is earned (no bonuses, no expiry); redemptions, reversals of what
  // was earned, adjustments and transfers still post.
  void set_rules(std::shared_ptr<const rewards::RewardsRules> rules) { rules_ = std::move(rules); }
  [[nodiscard]] const rewards::RewardsRules* rules() const { return rules_.get(); }

  // --- Effects of newly stored events (after the event's own effect) ---
  [[nodiscard]] Result<void> on_purchase(const domain::Event& e,
                                         std::optional<std::int64_t> member);
  // A refund or void: reverses the share of the sale's points (and gives back rewards
  // redeemed on a sale wholly taken back). Nothing when the sale has not arrived: its
  // arrival settles it.
  [[nodiscard]] Result<void> on_taken_back(const domain::Event& e, const std::string& purchase_id);
  [[nodiscard]] Result<void> on_redemption(const domain::Event& e,
                                           std::optional<std::int64_t> member);
  // A cashier's goodwill points: posted as an adjustment (cause gesture:<event>, the reason
  // and the cashier) when the cashier's gestures that day (by the event's date) stay within
  // the rules' gesture_points_per_cashier_per_day; otherwise nothing is posted and the event
  // is flagged in points_reviews. A card nobody holds is flagged too.
  [[nodiscard]] Result<void> on_gesture(const domain::Event& e,
                                        std::optional<std::int64_t> member);
  [[nodiscard]] Result<void> on_enrollment(const domain::Event& e, std::int64_t member_id);
  [[nodiscard]] Result<void> on_visit(const domain::Event& e, std::int64_t member_id);
  // Sales of a card nobody held earn when the card gets its member: list them before
  // attach_card_history, and call on_card_attached after it.
  [[nodiscard]] Result<std::vector<std::string>> unattached_purchases(const std::string& token);
  [[nodiscard]] Result<void> on_card_attached(const std::vector<std::string>& purchase_ids,
                                              std::int64_t member_id);

  // --- Operators and jobs ---
  // A manual adjustment (either sign): reason and staff user are required. `cause` makes it
  // once (an import line, or a fresh id). False when that cause was posted already.
  [[nodiscard]] Result<bool> adjust(std::int64_t member_id, std::int64_t points,
                                    const std::string& reason, const std::string& staff_user,
                                    const std::string& cause);
  // Moves points between members (a household pooling, a card replacement onto another
  // member's account).
  [[nodiscard]] Result<void> transfer(std::int64_t from, std::int64_t to, std::int64_t points,
                                      const std::string& reason, const std::string& staff_user);
  // Expires the whole positive balance of each member inactive for the rules'
  // expire_after_days before `now` (no event of theirs, no adjustment or transfer). Running
  // it twice expires nothing more. Returns how many members' points expired.
  [[nodiscard]] Result<std::size_t> expire(std::chrono::system_clock::time_point now);
  // Looks at every member's reward tier again on `today` (moves down after the grace period).
  [[nodiscard]] Result<std::size_t> review_tiers(std::chrono::sys_days today);

  [[nodiscard]] Result<std::int64_t> balance(std::int64_t member_id);
  // Sum of all member balances: the chain's outstanding points.
  [[nodiscard]] Result<std::int64_t> liability();
  // Sum over the chain's own accounts; double entry makes it -liability().
  [[nodiscard]] Result<std::int64_t> chain_accounts();
  // The member's reward tier name; nullopt without rules or before their first earning.
  [[nodiscard]] Result<std::optional<std::string>> reward_tier(std::int64_t member_id);
  // True when a member with this id exists.
  [[nodiscard]] Result<bool> member_exists(std::int64_t member_id);
  // True when `cause` was posted already.
  [[nodiscard]] Result<bool> posted(const std::string& cause);

 private:
  struct Leg {
    const char* account;  // "member" or a chain account
    std::optional<std::int64_t> member;
    std::int64_t points;
  };
  struct Posting {
    const char* kind;
    std::string cause;
    std::optional<std::string> event_id;
    std::optional<std::string> purchase_id;
    std::optional<std::string> reason;
    std::optional<std::string> staff_user;
    std::string occurred_at;
  };
  // False (and nothing posted) when the cause was posted before.
  [[nodiscard]] Result<bool> post(const Posting& p, const std::vector<Leg>& legs);
  [[nodiscard]] Result<void> bonus(std::int64_t member_id, std::int64_t points, std::string cause,
                                   const domain::Event& e);
  [[nodiscard]] Result<void> settle(const std::string& purchase_id, const domain::Event& cause);
  [[nodiscard]] Result<void> birthday(const domain::Event& e, std::int64_t member_id);
  [[nodiscard]] Result<void> flag(const domain::Event& e, std::optional<std::int64_t> member,
                                  std::int64_t points, std::optional<std::int64_t> balance,
                                  const std::string& problem);
  [[nodiscard]] Result<std::int64_t> sum_for_purchase(const std::string& purchase_id,
                                                      const char* kind,
                                                      std::optional<std::int64_t> member);
  [[nodiscard]] Result<double> tier_multiplier(std::int64_t member_id);
  [[nodiscard]] Result<bool> update_tier(std::int64_t member_id, std::chrono::sys_days today);

  storage::Database& db_;
  std::shared_ptr<const rewards::RewardsRules> rules_;
  std::optional<storage::Statement> insert_posting_;
  std::optional<storage::Statement> insert_entry_;
  std::optional<storage::Statement> balance_;
};

}  // namespace rapport::server::sqlite
