// server/storage/staff_store.h
//
// The dashboard's door to the server's database, on its own connection (like
// EnrollmentStore): staff users and their stores, the audit log, and the reads the
// dashboard's pages are made of. Two backends with the same answers: SQLite (migrations 8,
// 9, 12; staff_store*.cpp) and PostgreSQL (migration 7; pg_staff_*.cpp), chosen by the
// database URL through open_staff_store (store_url.h). docs/schema.md, docs/dashboard.md.
// Access rules are not decided here: the dashboard handler asks for exactly what a user may
// see (server/dashboard/staff.h).
//
// Thread-safety: one thread at a time per StaffStore. Writes are durable on return.

#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/dashboard/staff.h"
#include "server/reports/report.h"
#include "server/storage/session_store.h"
#include "server/value/value_model.h"
#include "shared/util/result.h"

namespace rapport::server {

struct NewStaffUser {
  std::string name;
  StaffRole role = StaffRole::kCashier;
  std::vector<std::string> stores;  // each must exist
  std::string password_hash;        // shared/crypto/password_hash.h
};

struct StaffAccount {
  StaffUser user;
  std::string password_hash;
  bool disabled = false;
};

// One line of the audit log: who looked at or changed what, and whether it was allowed.
struct AuditEntry {
  std::string at;  // ISO 8601 UTC
  std::optional<std::int64_t> user_id;
  std::string user_name;  // as typed at login for failed logins
  std::string action;     // "login", "login-refused", "read-regulars", "read-member", ...
  std::string object;     // "store:S1", "member:42", ""
  std::string outcome;    // "ok", "refused", "denied", "throttled", ...
  std::string remote;     // client address
};

// A member of the store as the regulars table shows them; value fields are empty before the
// first value refresh (docs/value-engine.md).
struct RegularRow {
  std::int64_t member_id = 0;
  std::string name;
  std::int64_t visit_count = 0;
  std::optional<std::string> last_visit;  // ISO 8601 of the last visit anywhere
  std::optional<std::string> tier;        // MVC, MGC, LMC, BZ
  std::optional<std::int64_t> total_value_cents;
  std::optional<double> p_alive;
  std::optional<double> rhythm_days;
  bool at_risk = false;
  std::optional<std::string> segment;
  std::optional<std::string> owner;  // the relationship owner's staff name
  bool owner_disabled = false;       // the owner's account is disabled (a lapsed owner)
};

// A staff user who may own relationships with a store's members (store-scoped, enabled).
struct OwnerCandidate {
  std::int64_t id = 0;
  std::string name;
};

// Something about a member that calls for a person (docs/dashboard.md, "Follow-ups").
struct FollowUp {
  std::int64_t id = 0;
  std::int64_t member_id = 0;
  std::string member_name;
  std::string home_store;
  std::string reason;  // "valuable-slipping", "owner-lapsed"
  std::string detail;
  std::string created_at;
  std::string due_at;
  std::optional<std::string> closed_at;
  std::optional<std::string> owner;  // the member's relationship owner now, if any
};

// What the value engine computed for a member, and how (the fit it used).
struct ValueExplanation {
  value::ValueSnapshot snapshot;
  std::string computed_at;
  std::optional<std::string> model;  // "bg-nbd", ...; nullopt when no fit was saved
  std::optional<std::string> params;
  std::optional<std::string> spend_params;
  std::optional<std::string> as_of;
  std::optional<std::int64_t> customers;  // members the fit was made on
};

struct HistoryLine {
  std::string at;     // ISO 8601 (a visit) or day (a purchase)
  std::string kind;   // "visit", "purchase", "refund", ...
  std::string store_id;
  std::optional<std::int64_t> amount_cents;  // purchases: amount less what was refunded
};

struct NoteLine {
  std::string noted_at;
  std::string store_id;
  std::string topic;
  std::string text;
};

struct LedgerLine {
  std::string occurred_at;
  std::string kind;
  std::int64_t points = 0;
};

// One offer event of the member (offer_events): shown at the counter, held out (the member
// was in the offer's control group and was not shown it), accepted or declined.
struct OfferLine {
  std::string at;
  std::string offer_id;
  std::string outcome;  // shown, held_out, accepted, declined
  std::optional<std::string> store_id;
};

// Everything on a member's full page beyond the overview.
struct MemberDetail {
  std::vector<HistoryLine> history;  // newest first, at most the limit asked for
  std::vector<NoteLine> notes;       // newest first
  std::optional<ValueExplanation> value;
  std::vector<LedgerLine> ledger;  // newest first; empty when the member has no points yet
  std::vector<OfferLine> offers;   // newest first, at most the history limit
  std::int64_t points_balance = 0;
  std::optional<std::string> owner;
  std::vector<FollowUp> open_follow_ups;
};

// A member of another store who visits this one: their visits here, nothing else.
struct VisitorRow {
  std::int64_t member_id = 0;
  std::string name;
  std::string home_store;
  std::int64_t visits = 0;  // at this store
  std::string last_visit;   // at this store
};

struct MemberOverview {
  std::int64_t id = 0;
  std::string name;
  std::string home_store;
  std::int64_t visit_count = 0;
  std::optional<std::string> last_visit;
  std::optional<std::string> tier;
  std::optional<std::int64_t> total_value_cents;
  std::optional<double> p_alive;
  std::optional<double> rhythm_days;
  bool at_risk = false;
  std::optional<std::int64_t> merged_into;  // set once merged into another member
};

// What a merge moved from the merged member to the survivor.
struct MergeOutcome {
  std::int64_t points_moved = 0;  // the merged member's balance, posted as a transfer
  std::int64_t cards_moved = 0;
  std::int64_t events_moved = 0;
};

// The figures behind the regulars page's charts (docs/dashboard.md, "Charts").
struct StoreCharts {
  static constexpr std::size_t kWeeks = 12;
  static constexpr std::size_t kValueBins = 10;
  // Home members with a value snapshot by tier: MVC, MGC, LMC, BZ in that order.
  std::vector<std::pair<std::string, std::int64_t>> tiers;
  // The day of the store's latest visit; nullopt (and no weeks) before the first visit.
  std::optional<std::string> last_visit_day;
  // Visits at the store in the kWeeks weeks up to last_visit_day, oldest week first.
  std::vector<std::int64_t> visits_per_week;
  // Home members by total value: bin i holds [i, i+1) * value_bin_cents (the last one and
  // anything above). Empty before the first value refresh.
  std::int64_t value_bin_cents = 0;
  std::vector<std::int64_t> value_bins;
};

// The regulars page's "this week" panels (docs/dashboard.md, "This week").
struct NamedMember {
  std::int64_t id = 0;
  std::string name;
  std::string when;  // joined (ISO 8601) or next birthday (YYYY-MM-DD)
};
struct OfferResult {
  std::string offer_id;
  std::int64_t shown = 0;
  std::int64_t accepted = 0;  // redeemed at the counter
  std::int64_t declined = 0;
};
struct StoreOverview {
  std::vector<NamedMember> new_members;  // home members who joined in the last 7 days
  std::vector<NamedMember> birthdays;    // home members' birthdays in the next 14 days
  std::vector<OfferResult> offers;       // offers at the store in the last 30 days
};

// A relationship owner's results with the store's members they own (docs/dashboard.md,
// "Owners' results"): retention of those active in the 90 days before the last 90, and
// revenue (net of refunds) in the last 90 days against the 90 before.
struct OwnerResult {
  std::string owner;
  bool disabled = false;
  std::int64_t customers = 0;
  std::int64_t active_before = 0;  // with a visit in days 91-180 before today
  std::int64_t retained = 0;       // of those, with a visit in the last 90 days
  std::int64_t revenue_recent_cents = 0;
  std::int64_t revenue_before_cents = 0;
};

struct StoreVisits {
  std::string store_id;
  std::int64_t visits = 0;
  std::string last_visit;
};

class StaffStore {
 public:
  // Opens (creating and migrating as needed) the server's SQLite file.
  [[nodiscard]] static Result<std::unique_ptr<StaffStore>> open(const std::filesystem::path& file);
  // (On PostgreSQL: open_pg_staff_store below; by URL: open_staff_store in store_url.h.)
  virtual ~StaffStore() = default;

  // The dashboard's sessions and failed logins, on this store's connection (same thread).
  [[nodiscard]] virtual SessionStore& sessions() = 0;

  // The new user's id. kConstraint when the name is taken or a store does not exist.
  [[nodiscard]] virtual Result<std::int64_t> add_user(const NewStaffUser& user,
                                                      const std::string& created_at) = 0;
  [[nodiscard]] virtual Result<std::vector<StaffUser>> list_users() = 0;
  [[nodiscard]] virtual Result<std::optional<StaffAccount>> find_user_by_name(
      const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::optional<StaffAccount>> find_user(std::int64_t id) = 0;
  [[nodiscard]] virtual Result<void> set_password_hash(std::int64_t id,
                                                       const std::string& password_hash) = 0;

  // Disables the user at `at`: they cannot log in, and their sessions end at their next
  // request. False when there is no such user or they were disabled already.
  [[nodiscard]] virtual Result<bool> disable_user(std::int64_t id, const std::string& at) = 0;

  // Runs a head-office report (server/reports/) on this connection, streaming its rows into
  // `sink` as they are read (the dashboard's report pages and CSV downloads). On PostgreSQL
  // not yet: PgErrc::kNotSupported.
  [[nodiscard]] virtual Result<void> run_report(const reports::Report& report,
                                                const reports::Filter& filter,
                                                reports::RowSink& sink) = 0;

  [[nodiscard]] virtual Result<void> record_audit(const AuditEntry& entry) = 0;
  // Newest first.
  [[nodiscard]] virtual Result<std::vector<AuditEntry>> list_audit(std::size_t limit) = 0;

  [[nodiscard]] virtual Result<bool> store_exists(const std::string& store_id) = 0;
  // Every store id, sorted (what chain-wide roles may choose from).
  [[nodiscard]] virtual Result<std::vector<std::string>> all_stores() = 0;
  // Members whose home store is `store_id`, most valuable first (members without a snapshot
  // last, by id), at most `limit`.
  [[nodiscard]] virtual Result<std::vector<RegularRow>> regulars(const std::string& store_id,
                                                                 std::size_t limit) = 0;
  // Members of other stores who visited `store_id`, most visits there first.
  [[nodiscard]] virtual Result<std::vector<VisitorRow>> visitors(const std::string& store_id,
                                                                 std::size_t limit) = 0;
  // True once any value refresh has been saved.
  [[nodiscard]] virtual Result<bool> has_value_snapshots() = 0;
  [[nodiscard]] virtual Result<std::optional<MemberOverview>> member(std::int64_t id) = 0;
  // Enabled store-scoped users of `store_id`, by name.
  [[nodiscard]] virtual Result<std::vector<OwnerCandidate>> owner_candidates(
      const std::string& store_id) = 0;
  // Makes `owner_id` the member's relationship owner (replacing any). The caller has
  // checked that the owner may own members of the member's home store.
  [[nodiscard]] virtual Result<void> set_owner(std::int64_t member_id, std::int64_t owner_id,
                                               std::int64_t assigned_by,
                                               const std::string& at) = 0;
  // The follow-up job (docs/dashboard.md): opens a follow-up, due some days after `now`
  // (ISO 8601 UTC), for each valuable member (tier MVC or MGC) the latest snapshot says is
  // at risk, and each member whose owner is disabled, unless one for the same member and
  // reason is open or was opened since the cause arose. Idempotent. Returns how many it opened.
  [[nodiscard]] virtual Result<std::size_t> raise_follow_ups(const std::string& now) = 0;
  // Open follow-ups of members whose home store is `store_id`, soonest due first.
  [[nodiscard]] virtual Result<std::vector<FollowUp>> open_follow_ups(
      const std::string& store_id) = 0;
  [[nodiscard]] virtual Result<std::optional<FollowUp>> follow_up(std::int64_t id) = 0;
  // False when it was already closed.
  [[nodiscard]] virtual Result<bool> close_follow_up(std::int64_t id, std::int64_t closed_by,
                                                     const std::string& at) = 0;
  // The member's history (at most `history_limit` lines), notes, value and how it was
  // computed, ledger, owner and open follow-ups.
  [[nodiscard]] virtual Result<MemberDetail> member_detail(std::int64_t id,
                                                           std::size_t history_limit) = 0;
  // Merges two memberships of the same person (docs/dashboard.md, "Merging two
  // memberships"), all or nothing: `merge`'s events, purchases, cards, notes, offers,
  // follow-ups, owner and categories move to `keep`, its points balance moves by a ledger
  // transfer posted by `by`, it is marked merged into `keep` at `at`, and both are marked
  // changed for terminals. kConstraint when the ids are equal, unknown or already merged.
  // The caller has checked that `by` may manage both members' home stores; `by.id` 0 is an
  // operator at the command line (`by.name` still names them in the ledger).
  [[nodiscard]] virtual Result<MergeOutcome> merge_members(std::int64_t keep, std::int64_t merge,
                                                           const StaffUser& by,
                                                           const std::string& at) = 0;
  // Moves member `id` to home store `store` (docs/dashboard.md, "Changing a member's home
  // store"): their history stays where it happened; a relationship owner not scoped to the
  // new store is released (the new store's manager assigns one); the member is marked
  // changed so the new store's terminals receive them. False when `store` is already their
  // home. kConstraint when the member is unknown or merged, or the store does not exist.
  [[nodiscard]] virtual Result<bool> move_member(std::int64_t id, const std::string& store) = 0;
  [[nodiscard]] virtual Result<StoreCharts> store_charts(const std::string& store_id) = 0;
  // `today`: YYYY-MM-DD (UTC), the day "this week" and "next 14 days" count from.
  [[nodiscard]] virtual Result<StoreOverview> store_overview(const std::string& store_id,
                                                             const std::string& today) = 0;
  // Per relationship owner of the store's home members, by owner name.
  [[nodiscard]] virtual Result<std::vector<OwnerResult>> owner_results(
      const std::string& store_id, const std::string& today) = 0;
  // The member's visits at each of `stores` where they have any.
  [[nodiscard]] virtual Result<std::vector<StoreVisits>> member_visits_at(
      std::int64_t id, const std::vector<std::string>& stores) = 0;
};

// The PostgreSQL backend (pg_staff_*.cpp): `url` is a libpq URI; migrated as needed. Two
// connections: the store's and its sessions'.
[[nodiscard]] Result<std::unique_ptr<StaffStore>> open_pg_staff_store(const std::string& url);

}  // namespace rapport::server
