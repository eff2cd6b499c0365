// server/storage/store.h
//
// The server's storage interface: everything the server and rapportctl read or write goes
// through it, so a second backend (PostgreSQL, for chains that outgrow one machine) slots in
// beside the SQLite one. Schema: docs/schema.md.
//
// Thread-safety: one thread at a time per Store. Every write is durable when it returns.

#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/rewards/rewards_rules.h"
#include "server/value/forecast_accuracy.h"
#include "server/value/value_model.h"
#include "shared/domain/event.h"
#include "shared/domain/member.h"
#include "shared/util/result.h"

namespace rapport::server {

struct NewMember {
  std::string name;
  std::string home_store;
  std::optional<std::string> birth_date;  // YYYY-MM-DD
};

struct TerminalRecord {
  std::string id;
  std::string store_id;
  std::string certificate_serial;
  bool revoked = false;
};

// A member token the server signed for a terminal to write to a chip: who asked for what.
struct MemberTokenIssue {
  std::string card_token;
  std::int64_t member_id = 0;
  std::string chip_uid;  // hex, as the terminal's reader reported it
  int key_id = 0;
  std::string terminal_id;  // from the terminal's certificate
  std::string store_id;
  std::string issued_at;  // ISO 8601 UTC, server clock
};

// An event as the server keeps it: what the terminal said, plus the server's own order and
// time, and the member the server resolved from the card token (empty for an unknown card).
struct StoredEvent {
  std::int64_t sequence = 0;  // server arrival order
  domain::Event event;
  std::string received_at;
};

// Which members a store's terminals need (docs/protocol.md, "GET /sync/v1/changes"): those
// whose home store it is, those seen at the store since one time, and those seen anywhere in
// the chain since another (a regular of another store travelling).
struct ChangeScope {
  std::string store_id;
  std::string seen_in_store_since;  // ISO 8601 UTC, server time
  std::string seen_in_chain_since;  // ISO 8601 UTC, server time
};

// One page of changed members and where the next page starts.
struct MemberChanges {
  std::vector<domain::Member> members;  // oldest change first
  std::vector<std::int64_t> removed{};  // erased members, to be removed (in the same order)
  std::int64_t last_sequence = 0;       // cursor after this page (unchanged when empty)
  std::int64_t last_member_id = 0;
  bool more = false;  // members after these are waiting
};

// Reads of one card at two stores closer together than the chain allows (a cloned card).
struct CardAlert {
  std::string card_token;
  std::string last4;  // of the card, for staff
  std::optional<std::int64_t> member_id;
  std::string first_store;
  std::string first_at;  // terminal clocks: a lead for review, not proof
  std::string second_store;
  std::string second_at;
  std::string event_id;  // the second read's visit
  std::string flagged_at;
};

// One manual change to a member's points (rapportctl points adjust / import; docs/rewards.md).
struct PointsAdjustment {
  std::int64_t member_id = 0;
  std::int64_t points = 0;  // either sign, never 0
  std::string reason;       // required
  std::string staff_user;   // required: who did it
  // Makes it once: "import:<SHA-256 of the file>:<line>" for a bulk file, a fresh id otherwise.
  std::string cause;
};

// A redemption the ledger could not cover, recorded in full and kept for review.
struct PointsReview {
  std::string event_id;
  std::optional<std::int64_t> member_id;  // empty: no member held the card
  std::string terminal_id;
  std::int64_t points = 0;
  std::optional<std::int64_t> balance_before;
  std::string problem;
  std::string flagged_at;
};

struct PointsLiability {
  std::int64_t member_balances = 0;  // the chain's outstanding points: the sum of balances
  std::int64_t chain_accounts = 0;   // issued, redeemed, expired, adjusted: -member_balances
  std::int64_t members_with_points = 0;
};

// What the last value refresh left for the next (docs/value-engine.md, "Incremental refresh").
struct LastValueRefresh {
  std::int64_t events_seq = 0;         // events up to this arrival sequence are valued
  std::optional<std::int64_t> fit_id;  // the last full refresh's fit
  std::optional<value::ValueFitInfo> fit;
  std::optional<value::ValueScales> scales;
};

// How a refresh is saved: a full one keeps its fit and scales; an incremental one values a
// few members on the last fit (`fit_id`).
struct ValueSaveMark {
  bool full = true;
  std::int64_t events_seq = 0;  // the last event the refresh's inputs may include
  std::optional<std::int64_t> fit_id;
};

// One forecast cohort compared with what its members did (docs/value-engine.md).
struct ForecastCheck {
  std::int64_t fit_id = 0;
  std::string window_start;  // the forecast's as_of (purchases after this day count)
  std::string window_end;    // inclusive: today, or the end of the horizon when passed
  double elapsed_weeks = 0;
  std::vector<value::AccuracyBin> bins;
};

class Store {
 public:
  virtual ~Store() = default;

  // kConstraint when the store id exists already.
  [[nodiscard]] virtual Result<void> add_store(const std::string& id, const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::vector<std::string>> list_stores() = 0;
  // The store's region (docs/reports.md, "Regions"); nullopt clears it. False when there is
  // no such store.
  [[nodiscard]] virtual Result<bool> set_store_region(const std::string& id,
                                                      const std::optional<std::string>& region) = 0;

  // The new member's id. kConstraint when the home store does not exist.
  [[nodiscard]] virtual Result<std::int64_t> add_member(const NewMember& member) = 0;
  // A new member holding `card`, both or neither: kConstraint (and no member) when the card
  // is already someone's or the home store does not exist. Returns the member's id.
  [[nodiscard]] virtual Result<std::int64_t> enroll_member(const NewMember& member,
                                                           const domain::Card& card) = 0;
  // kConstraint when the token is already on another card or the member does not exist.
  [[nodiscard]] virtual Result<void> add_card(std::int64_t member_id, const domain::Card& card) = 0;
  // Members with their cards and visit counts, ordered by id; all stores when `store` is empty.
  [[nodiscard]] virtual Result<std::vector<domain::Member>> list_members(
      const std::optional<std::string>& store) = 0;

  // Members of `scope` whose change (sequence, id) comes after (after_sequence,
  // after_member_id), at most `limit`, with their cards. Every change to a member, its cards
  // or its visits moves it to the end of this order. Erased members are in every store's
  // scope and come in `removed` instead of `members` (docs/members-rights.md).
  [[nodiscard]] virtual Result<MemberChanges> member_changes(const ChangeScope& scope,
                                                             std::int64_t after_sequence,
                                                             std::int64_t after_member_id,
                                                             std::size_t limit) = 0;
  // The member holding the card `token` (active or blocked), with their cards.
  [[nodiscard]] virtual Result<std::optional<domain::Member>> find_member_by_card(
      const std::string& token) = 0;

  // Registers (or re-registers, with a new certificate) a terminal of `store_id`.
  [[nodiscard]] virtual Result<void> register_terminal(const TerminalRecord& terminal) = 0;
  [[nodiscard]] virtual Result<std::optional<TerminalRecord>> find_terminal(
      const std::string& id) = 0;
  // Shuts the terminal out until it is issued again. False when there is no such terminal.
  [[nodiscard]] virtual Result<bool> revoke_terminal(const std::string& id) = 0;

  // Stores each event once, in one transaction: an id already stored is skipped, so a batch
  // sent twice changes nothing. Returns how many events were new. When this returns
  // success every event of the batch is durable and may be acknowledged. A new event's
  // effect is applied in the same transaction, once (docs/protocol.md, "Event kinds"):
  // visits count for the card's member, an enrollment creates the member and card, a
  // linked card joins its member, a blocked card is blocked; events recorded earlier against
  // a card nobody held are attributed to the member who now holds it.
  // Requires: each event's terminal_id and store_id are set (from the client certificate).
  [[nodiscard]] virtual Result<std::size_t> record_events(
      std::span<const domain::Event> events) = 0;

  // The value engine's inputs: one row per member, ordered by id (docs/value-engine.md).
  [[nodiscard]] virtual Result<std::vector<value::MemberValueInput>> value_inputs() = 0;
  // The same for `members` only (unknown ids are left out), ordered by id.
  [[nodiscard]] virtual Result<std::vector<value::MemberValueInput>> value_inputs_of(
      std::span<const std::int64_t> members) = 0;
  // The arrival sequence of the newest event (0 without events). With several instances on
  // PostgreSQL, once no batch that drew a smaller number is still in flight (pg_value.h).
  [[nodiscard]] virtual Result<std::int64_t> last_event_sequence() = 0;
  // nullopt before the first refresh.
  [[nodiscard]] virtual Result<std::optional<LastValueRefresh>> last_value_refresh() = 0;
  // Members whose value inputs changed through events after `events_seq` (their own events,
  // purchases refunded or voided by them) and those who referred them, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<std::int64_t>> members_changed_since(
      std::int64_t events_seq, std::size_t limit) = 0;
  // (referrer, lifetime value in cents) for every member referred by one of `referrers`,
  // from the latest snapshots.
  [[nodiscard]] virtual Result<std::vector<std::pair<std::int64_t, std::int64_t>>>
  referee_lifetime_values(std::span<const std::int64_t> referrers) = 0;
  // Saves a refresh in one transaction: its fit, every member's snapshot, tier and segment
  // changes into tier_history, and what terminals show (tier, at risk, rhythm) on the
  // members, who are pulled again when that changed. Returns how many members changed tier
  // or segment. `as_of` is the day the forecast starts (YYYY-MM-DD).
  [[nodiscard]] virtual Result<std::size_t> save_value_refresh(const value::ValueRefresh& refresh,
                                                               const std::string& as_of,
                                                               const ValueSaveMark& mark) = 0;
  // Compares every kept forecast cohort with the purchases since (up to `today`, at most
  // `horizon_weeks`), saves the comparison in value_accuracy and returns it, oldest first.
  [[nodiscard]] virtual Result<std::vector<ForecastCheck>> check_forecasts(
      double horizon_weeks, std::chrono::sys_days today) = 0;
  // The member's latest snapshot; nullopt before the first refresh.
  [[nodiscard]] virtual Result<std::optional<value::ValueSnapshot>> value_snapshot(
      std::int64_t member_id) = 0;

  // Velocity check: a visit of a card at another store less than `window` after its previous
  // read (by the terminals' clocks) is stored as usual and flagged in card_alerts. Zero turns
  // the check off. Default: one hour.
  virtual void set_card_velocity_window(std::chrono::minutes window) = 0;
  [[nodiscard]] virtual Result<std::vector<CardAlert>> list_card_alerts(std::size_t limit) = 0;

  // --- Points ledger (docs/rewards.md) ---
  // The rules events are applied with from now on; without them nothing is earned (default).
  virtual void set_rewards_rules(std::shared_ptr<const rewards::RewardsRules> rules) = 0;
  // The member's balance (sum of their entries); nullopt when there is no such member.
  [[nodiscard]] virtual Result<std::optional<std::int64_t>> points_balance(
      std::int64_t member_id) = 0;
  // The member's customer-facing reward tier; nullopt without rules.
  [[nodiscard]] virtual Result<std::optional<std::string>> reward_tier(std::int64_t member_id) = 0;
  [[nodiscard]] virtual Result<PointsLiability> points_liability() = 0;
  // All in one transaction or none: kConstraint (nothing applied) when a member does not
  // exist or a cause was posted before (the same file imported twice).
  [[nodiscard]] virtual Result<void> adjust_points(
      std::span<const PointsAdjustment> adjustments) = 0;
  // True when a posting with this cause exists (an import file applied before).
  [[nodiscard]] virtual Result<bool> points_cause_posted(const std::string& cause) = 0;
  [[nodiscard]] virtual Result<void> transfer_points(std::int64_t from, std::int64_t to,
                                                     std::int64_t points, const std::string& reason,
                                                     const std::string& staff_user) = 0;
  // The expiry job: balances of members inactive for the rules' expire_after_days before
  // `now` expire, and reward tiers are looked at again on now's day. Returns how many
  // members' points expired. Safe to run as often as wished.
  [[nodiscard]] virtual Result<std::size_t> expire_points(
      std::chrono::system_clock::time_point now) = 0;
  [[nodiscard]] virtual Result<std::vector<PointsReview>> list_points_reviews(
      std::size_t limit) = 0;
  // The record of member tokens signed for terminals (member_token_handler.h), oldest first.
  [[nodiscard]] virtual Result<void> record_member_token_issue(const MemberTokenIssue& issue) = 0;
  [[nodiscard]] virtual Result<std::vector<MemberTokenIssue>> list_member_token_issues(
      std::size_t limit) = 0;

  // Events in arrival order, for rapportctl and tests.
  [[nodiscard]] virtual Result<std::vector<StoredEvent>> list_events(std::size_t limit) = 0;
};

// Opens (creating and migrating as needed) the SQLite store at `file`.
[[nodiscard]] Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& file);

}  // namespace rapport::server
