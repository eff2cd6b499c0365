// server/storage/pg_points.h
//
// The points ledger on PostgreSQL (docs/rewards.md), with the same postings as SQLite's
// (sqlite_points.h has the rules: what earns, reverses, gives back, flags and expires, each
// posting made once by its unique cause) and the reward events' own rows (reward_costs,
// offer_events). Set-based per run of events: the members a run touches are locked in id
// order, their ledger state is read in a handful of statements, the run's effects are
// worked out here event by event in the run's order (as SQLite applies them one by one),
// and the postings, entries, reviews and tiers go back in one statement each.
//
// Internal to the PostgreSQL backend. Thread-safety: as the Connection (one thread).
// Requires: every call inside a transaction (the caller's), but the reads.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/rewards/rewards_rules.h"
#include "server/storage/pg_connection.h"
#include "server/storage/store.h"
#include "shared/domain/event.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

// One event the ledger applies, in the run's order, with the member its card resolved to.
struct LedgerEvent {
  const domain::Event* event = nullptr;
  std::optional<std::int64_t> member;
  // A purchase stored earlier against a card nobody held, now attributed to `member`.
  bool attached = false;
};

class PointsLedger {
 public:
  // Requires: `db` outlives the ledger.
  explicit PointsLedger(Connection& db) : db_(db) {}

  // Without rules nothing is earned (no bonuses, no tiers, no expiry); redemptions,
  // reversals of what was earned, adjustments and transfers still post.
  void set_rules(std::shared_ptr<const rewards::RewardsRules> rules) { rules_ = std::move(rules); }
  [[nodiscard]] bool has_rules() const { return rules_ != nullptr; }

  // True when a run holding this kind needs the ledger (before its effects are applied).
  [[nodiscard]] bool concerns(domain::EventKind kind) const;

  // A run's ledger work in two steps around the other effects of the run. `prepare`, before
  // any of them: locks the members the run's postings may touch (in id order) and reads
  // their ledger state and the purchases the run refers to as they were before the run.
  // `apply`, after them (visits counted, purchases stored): works out every posting, review,
  // tier, offer outcome and reward cost of the run and writes them. `run_ids`: every event
  // id of the run (its own refunds are not "earlier" ones). A null run: nothing to apply
  // (sales without rules, on which nothing was posted before they arrived).
  class Run;
  struct RunDeleter {
    void operator()(Run* run) const;
  };
  using RunPtr = std::unique_ptr<Run, RunDeleter>;
  [[nodiscard]] Result<RunPtr> prepare(std::vector<LedgerEvent> events,
                                       std::span<const std::string> run_ids);
  [[nodiscard]] Result<void> apply(Run& run);

  // Purchases of `token` no member held, to be earned by the member who now holds it: list
  // them before attach_card_history, then prepare/apply them as `attached` events.
  [[nodiscard]] Result<std::vector<domain::Event>> unattached_purchases(const std::string& token);

  // --- Operators and jobs (each inside the caller's transaction) ---
  // All or nothing: kConstraint (nothing applied) for a line without points, reason, staff
  // or cause, for a member who does not exist, or for a cause posted before.
  [[nodiscard]] Result<void> adjust(std::span<const PointsAdjustment> adjustments);
  // kConstraint for a bad request or a member who does not exist.
  [[nodiscard]] Result<void> transfer(std::int64_t from, std::int64_t to, std::int64_t points,
                                      const std::string& reason, const std::string& staff_user);
  // As sqlite::PointsLedger::expire and review_tiers together (the expiry job).
  [[nodiscard]] Result<std::size_t> expire(std::chrono::system_clock::time_point now);
  [[nodiscard]] Result<std::size_t> review_tiers(std::chrono::sys_days today);

  // --- Reads ---
  [[nodiscard]] Result<std::optional<std::int64_t>> balance(std::int64_t member_id);
  [[nodiscard]] Result<PointsLiability> liability();
  [[nodiscard]] Result<bool> posted(const std::string& cause);
  [[nodiscard]] Result<std::optional<std::string>> reward_tier(std::int64_t member_id);
  [[nodiscard]] Result<std::vector<PointsReview>> reviews(std::size_t limit);

 private:
  Connection& db_;
  std::shared_ptr<const rewards::RewardsRules> rules_;
};

}  // namespace rapport::server::pg
