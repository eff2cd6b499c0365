// server/storage/pg_store.cpp
//
// The PostgreSQL backend of Store (docs/schema.md, "PostgreSQL"): one libpq connection,
// the schema migrated on open, events stored by pg::EventRecorder, the points ledger kept by
// pg::PointsLedger (pg_points.h), the value engine's reads and save by pg_value.h. Every
// Store call is answered here as on SQLite (tests/unit/store_contract_test.cpp and the value,
// ledger and property contracts run on both).

#include <spdlog/spdlog.h>

#include <utility>

#include "server/storage/pg_connection.h"
#include "server/storage/pg_errc.h"
#include "server/storage/pg_event_recorder.h"
#include "server/storage/pg_members.h"
#include "server/storage/pg_schema.h"
#include "server/storage/pg_value.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

using pg::Connection;
using pg::param;
using pg::PgErrc;
using pg::Transaction;

// member_changes selects kMemberColumns and then whether the member was erased.
constexpr int kErasedColumn = pg::kMemberColumnCount;

class PgStore final : public Store {
 public:
  explicit PgStore(Connection db) : db_(std::move(db)), recorder_(db_) {}
  // recorder_ refers to db_: the store stays where it was built.
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  Result<void> add_store(const std::string& id, const std::string& name) override {
    RAPPORT_TRY_VOID(db_.exec("INSERT INTO stores(id, name) VALUES ($1, $2)", {id, name}));
    return {};
  }

  Result<std::vector<std::string>> list_stores() override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT id FROM stores ORDER BY id"));
    std::vector<std::string> stores;
    for (std::size_t r = 0; r < rows.size(); ++r) stores.push_back(rows.text(r, 0));
    return stores;
  }

  Result<bool> set_store_region(const std::string& id,
                                const std::optional<std::string>& region) override {
    // No report cache on PostgreSQL yet: nothing else to forget.
    RAPPORT_TRY(const auto rows,
                db_.exec("UPDATE stores SET region = $2 WHERE id = $1", {id, region}));
    return rows.affected() > 0;
  }

  Result<std::int64_t> add_member(const NewMember& member) override {
    RAPPORT_TRY(const auto rows,
                db_.exec("INSERT INTO members(name, home_store, birth_date, created_at, "
                         "changed_seq, enrolled_on) VALUES ($1, $2, $3, $4, "
                         "nextval('member_change_seq'), substr($4, 1, 10)) RETURNING id",
                         {member.name, member.home_store, member.birth_date, now_iso8601()}));
    return rows.int64(0, 0);
  }

  Result<std::int64_t> enroll_member(const NewMember& member, const domain::Card& card) override {
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    RAPPORT_TRY(const std::int64_t id, add_member(member));
    RAPPORT_TRY_VOID(insert_card(id, card));
    RAPPORT_TRY_VOID(tx.commit());
    return id;
  }

  Result<void> add_card(std::int64_t member_id, const domain::Card& card) override {
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    RAPPORT_TRY_VOID(insert_card(member_id, card));
    return tx.commit();
  }

  Result<std::vector<domain::Member>> list_members(
      const std::optional<std::string>& store) override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT " + std::string(pg::kMemberColumns) +
                                              " FROM members m WHERE $1::text IS NULL OR "
                                              "m.home_store = $1 ORDER BY m.id",
                                          {store}));
    std::vector<domain::Member> members;
    for (std::size_t r = 0; r < rows.size(); ++r) members.push_back(pg::member_from_row(rows, r));
    RAPPORT_TRY_VOID(pg::load_cards_and_notes(db_, members, false));
    return members;
  }

  Result<MemberChanges> member_changes(const ChangeScope& scope, std::int64_t after_sequence,
                                       std::int64_t after_member_id, std::size_t limit) override {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT " + std::string(pg::kMemberColumns) +
                             ", m.erased_at IS NOT NULL FROM members m "
                             "WHERE (m.changed_seq, m.id) > ($1::bigint, $2::bigint) AND "
                             "(m.erased_at IS NOT NULL OR m.home_store = $3 OR "
                             "m.last_seen_at >= $5 OR EXISTS (SELECT 1 FROM "
                             "member_store_visits v WHERE v.member_id = m.id AND "
                             "v.store_id = $3 AND v.last_seen_at >= $4)) "
                             "ORDER BY m.changed_seq, m.id LIMIT $6",
                         {param(after_sequence), param(after_member_id), scope.store_id,
                          scope.seen_in_store_since, scope.seen_in_chain_since,
                          param(static_cast<std::int64_t>(limit + 1))}));
    MemberChanges page;
    page.last_sequence = after_sequence;
    page.last_member_id = after_member_id;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (page.members.size() + page.removed.size() == limit) {
        page.more = true;
        break;
      }
      page.last_sequence = rows.int64(r, 6);
      if (rows.boolean(r, kErasedColumn)) {
        page.removed.push_back(rows.int64(r, 0));
        page.last_member_id = page.removed.back();
        continue;
      }
      page.members.push_back(pg::member_from_row(rows, r));
      page.last_member_id = page.members.back().id;
    }
    RAPPORT_TRY_VOID(pg::load_cards_and_notes(db_, page.members, true));
    return page;
  }

  Result<std::optional<domain::Member>> find_member_by_card(const std::string& token) override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT " + std::string(pg::kMemberColumns) +
                                              " FROM members m JOIN cards c ON c.member_id = "
                                              "m.id WHERE c.token = $1",
                                          {token}));
    if (rows.empty()) return std::optional<domain::Member>{};
    std::vector<domain::Member> found{pg::member_from_row(rows, 0)};
    RAPPORT_TRY_VOID(pg::load_cards_and_notes(db_, found, true));
    return std::optional<domain::Member>(std::move(found.front()));
  }

  Result<void> register_terminal(const TerminalRecord& terminal) override {
    RAPPORT_TRY_VOID(
        db_.exec("INSERT INTO terminals(id, store_id, certificate_serial, "
                 "issued_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE "
                 "SET store_id = excluded.store_id, certificate_serial = "
                 "excluded.certificate_serial, issued_at = excluded.issued_at, "
                 "revoked_at = NULL",
                 {terminal.id, terminal.store_id, terminal.certificate_serial, now_iso8601()}));
    return {};
  }

  Result<std::optional<TerminalRecord>> find_terminal(const std::string& id) override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT id, store_id, certificate_serial, "
                                          "revoked_at IS NOT NULL FROM terminals WHERE id = $1",
                                          {id}));
    if (rows.empty()) return std::optional<TerminalRecord>{};
    return std::optional(
        TerminalRecord{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2), rows.boolean(0, 3)});
  }

  Result<bool> revoke_terminal(const std::string& id) override {
    RAPPORT_TRY(const auto rows, db_.exec("UPDATE terminals SET revoked_at = $2 WHERE id = $1 "
                                          "AND revoked_at IS NULL",
                                          {id, now_iso8601()}));
    return rows.affected() > 0;
  }

  Result<std::size_t> record_events(std::span<const domain::Event> events) override {
    return recorder_.record(events);
  }

  // --- The value engine (pg_value.h) ---
  Result<std::vector<value::MemberValueInput>> value_inputs() override {
    return pg::read_value_inputs(db_);
  }
  Result<std::vector<value::MemberValueInput>> value_inputs_of(
      std::span<const std::int64_t> members) override {
    return pg::read_value_inputs_of(db_, members);
  }
  Result<std::int64_t> last_event_sequence() override { return pg::settled_event_sequence(db_); }
  Result<std::optional<LastValueRefresh>> last_value_refresh() override {
    return pg::read_last_value_refresh(db_);
  }
  Result<std::vector<std::int64_t>> members_changed_since(std::int64_t events_seq,
                                                          std::size_t limit) override {
    return pg::members_changed_since(db_, events_seq, limit);
  }
  Result<std::vector<std::pair<std::int64_t, std::int64_t>>> referee_lifetime_values(
      std::span<const std::int64_t> referrers) override {
    return pg::referee_lifetime_values(db_, referrers);
  }
  Result<std::size_t> save_value_refresh(const value::ValueRefresh& refresh,
                                         const std::string& as_of,
                                         const ValueSaveMark& mark) override {
    return pg::save_value_refresh(db_, refresh, now_iso8601(), as_of, mark);
  }
  Result<std::vector<ForecastCheck>> check_forecasts(double horizon_weeks,
                                                     std::chrono::sys_days today) override {
    return pg::check_forecasts(db_, horizon_weeks, today);
  }
  Result<std::optional<value::ValueSnapshot>> value_snapshot(std::int64_t member_id) override {
    return pg::read_value_snapshot(db_, member_id);
  }

  void set_card_velocity_window(std::chrono::minutes window) override {
    recorder_.set_velocity_window(window);
  }

  Result<std::vector<CardAlert>> list_card_alerts(std::size_t limit) override {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT a.card_token, a.member_id, a.first_store, a.first_at, "
                         "a.second_store, a.second_at, a.event_id, a.flagged_at, "
                         "coalesce(c.last4, '----') FROM card_alerts a LEFT JOIN cards c ON "
                         "c.token = a.card_token ORDER BY a.id LIMIT $1",
                         {param(static_cast<std::int64_t>(limit))}));
    std::vector<CardAlert> alerts;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      CardAlert a;
      a.card_token = rows.text(r, 0);
      a.member_id = rows.optional_int64(r, 1);
      a.first_store = rows.text(r, 2);
      a.first_at = rows.text(r, 3);
      a.second_store = rows.text(r, 4);
      a.second_at = rows.text(r, 5);
      a.event_id = rows.text(r, 6);
      a.flagged_at = rows.text(r, 7);
      a.last4 = rows.text(r, 8);
      alerts.push_back(std::move(a));
    }
    return alerts;
  }

  // --- Points ledger: each call one transaction over pg::PointsLedger ---
  void set_rewards_rules(std::shared_ptr<const rewards::RewardsRules> rules) override {
    recorder_.ledger().set_rules(std::move(rules));
  }

  Result<std::optional<std::int64_t>> points_balance(std::int64_t member_id) override {
    return recorder_.ledger().balance(member_id);
  }

  Result<std::optional<std::string>> reward_tier(std::int64_t member_id) override {
    return recorder_.ledger().reward_tier(member_id);
  }

  Result<PointsLiability> points_liability() override { return recorder_.ledger().liability(); }

  Result<void> adjust_points(std::span<const PointsAdjustment> adjustments) override {
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    RAPPORT_TRY_VOID(recorder_.ledger().adjust(adjustments));
    return tx.commit();
  }

  Result<bool> points_cause_posted(const std::string& cause) override {
    return recorder_.ledger().posted(cause);
  }

  Result<void> transfer_points(std::int64_t from, std::int64_t to, std::int64_t points,
                               const std::string& reason, const std::string& staff_user) override {
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    RAPPORT_TRY_VOID(recorder_.ledger().transfer(from, to, points, reason, staff_user));
    return tx.commit();
  }

  Result<std::size_t> expire_points(std::chrono::system_clock::time_point now) override {
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    auto& ledger = recorder_.ledger();
    RAPPORT_TRY(const std::size_t expired, ledger.expire(now));
    RAPPORT_TRY(const std::size_t moved,
                ledger.review_tiers(std::chrono::floor<std::chrono::days>(now)));
    (void)moved;
    RAPPORT_TRY_VOID(tx.commit());
    return expired;
  }

  Result<std::vector<PointsReview>> list_points_reviews(std::size_t limit) override {
    return recorder_.ledger().reviews(limit);
  }

  Result<void> record_member_token_issue(const MemberTokenIssue& issue) override {
    RAPPORT_TRY_VOID(db_.exec(
        "INSERT INTO member_token_issues(card_token, member_id, chip_uid, "
        "key_id, terminal_id, store_id, issued_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {issue.card_token, param(issue.member_id), issue.chip_uid,
         param(std::int64_t{issue.key_id}), issue.terminal_id, issue.store_id, issue.issued_at}));
    return {};
  }

  Result<std::vector<MemberTokenIssue>> list_member_token_issues(std::size_t limit) override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT card_token, member_id, chip_uid, key_id, "
                                          "terminal_id, store_id, issued_at FROM "
                                          "member_token_issues ORDER BY id LIMIT $1",
                                          {param(static_cast<std::int64_t>(limit))}));
    std::vector<MemberTokenIssue> issues;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      issues.push_back({rows.text(r, 0), rows.int64(r, 1), rows.text(r, 2),
                        static_cast<int>(rows.int64(r, 3)), rows.text(r, 4), rows.text(r, 5),
                        rows.text(r, 6)});
    }
    return issues;
  }

  Result<std::vector<StoredEvent>> list_events(std::size_t limit) override {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT seq, id, kind, terminal_id, store_id, card_token, member_id, "
                         "occurred_at, received_at, payload FROM events ORDER BY seq LIMIT $1",
                         {param(static_cast<std::int64_t>(limit))}));
    std::vector<StoredEvent> out;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      StoredEvent s;
      s.sequence = rows.int64(r, 0);
      s.event.id = rows.text(r, 1);
      s.event.kind =
          domain::event_kind_from_string(rows.text(r, 2)).value_or(domain::EventKind::kVisit);
      s.event.terminal_id = rows.text(r, 3);
      s.event.store_id = rows.text(r, 4);
      s.event.card_token = rows.text(r, 5);
      s.event.member_id = rows.optional_int64(r, 6);
      s.event.occurred_at = rows.text(r, 7);
      s.received_at = rows.text(r, 8);
      s.event.payload = rows.text(r, 9);
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  // Requires: inside a transaction.
  Result<void> insert_card(std::int64_t member_id, const domain::Card& card) {
    RAPPORT_TRY_VOID(
        db_.exec("INSERT INTO cards(token, member_id, last4, status, issued_at) "
                 "VALUES ($1, $2, $3, $4, $5)",
                 {card.token, param(member_id), card.last4,
                  param(card.status == domain::CardStatus::kBlocked ? "blocked" : "active"),
                  now_iso8601()}));
    // Visits recorded against the card before anyone held it now count for its member.
    RAPPORT_TRY_VOID(pg::attach_card_history(db_, card.token, member_id));
    const std::int64_t changed[] = {member_id};
    return pg::mark_changed(db_, changed);
  }

  Connection db_;
  pg::EventRecorder recorder_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_pg_store(const std::string& url) {
  RAPPORT_TRY(auto db, Connection::open(url));
  RAPPORT_TRY_VOID(pg::migrate(db));
  return std::unique_ptr<Store>(std::make_unique<PgStore>(std::move(db)));
}

}  // namespace rapport::server
