// server/storage/sqlite_store.cpp
//
// The SQLite backend of Store: one file in WAL mode with full sync, hot statements prepared
// once. Events are stored by sqlite::EventRecorder (exactly-once and each kind's effect).

#include <utility>

#include "server/storage/sqlite_event_recorder.h"
#include "server/storage/sqlite_members.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/sqlite_value.h"
#include "server/storage/store.h"
#include "shared/protocol/sync_messages.h"
#include "shared/storage/database.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

using storage::Database;
using storage::Statement;
using storage::Transaction;

// member_changes selects kMemberColumns and then whether the member was erased.
constexpr int kErasedColumn = sqlite::kMemberColumnCount;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Database db)
      : db_(std::move(db)), recorder_(db_), cards_(db_), notes_(db_), purchases_(db_) {}
  // recorder_, cards_, notes_ and purchases_ refer to db_: the store stays where it was built.
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<void> add_store(const std::string& id, const std::string& name) override {
    RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO stores(id, name) VALUES (?1, ?2)"));
    return stmt.bind(1, id).bind(2, name).run();
  }

  Result<bool> set_store_region(const std::string& id,
                                const std::optional<std::string>& region) override {
    RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
    RAPPORT_TRY(auto stmt, db_.prepare("UPDATE stores SET region = ?2 WHERE id = ?1"));
    RAPPORT_TRY_VOID(stmt.bind(1, id).bind_optional(2, region).run());
    const bool changed = db_.changes() > 0;
    if (changed) {
      // Reports kept until the next value refresh (report_cache) were cut by the old regions.
      RAPPORT_TRY(auto forget, db_.prepare("DELETE FROM report_cache"));
      RAPPORT_TRY_VOID(forget.run());
    }
    RAPPORT_TRY_VOID(tx.commit());
    return changed;
  }

  Result<std::vector<std::string>> list_stores() override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT id FROM stores ORDER BY id"));
    std::vector<std::string> stores;
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      stores.push_back(stmt.column_text(0));
    }
    return stores;
  }

  Result<std::int64_t> add_member(const NewMember& member) override {
    RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO members(name, home_store, birth_date, "
                                       "created_at, changed_seq, enrolled_on) VALUES (?1, ?2, "
                                       "?3, ?4, (SELECT coalesce(max(changed_seq), 0) + 1 FROM "
                                       "members), substr(?4, 1, 10))"));
    RAPPORT_TRY_VOID(stmt.bind(1, member.name)
                         .bind(2, member.home_store)
                         .bind_optional(3, member.birth_date)
                         .bind(4, now_iso8601())
                         .run());
    return db_.last_insert_rowid();
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

  // Requires: inside a transaction.
  Result<void> insert_card(std::int64_t member_id, const domain::Card& card) {
    RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO cards(token, member_id, last4, status, "
                                       "issued_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    RAPPORT_TRY_VOID(
        stmt.bind(1, card.token)
            .bind(2, member_id)
            .bind(3, card.last4)
            .bind(4, std::string_view(card.status == domain::CardStatus::kBlocked ? "blocked"
                                                                                   : "active"))
            .bind(5, now_iso8601())
            .run());
    // Visits recorded against the card before anyone held it now count for its member.
    RAPPORT_TRY_VOID(sqlite::attach_card_history(db_, card.token, member_id));
    RAPPORT_TRY(const auto sequence, sqlite::next_change_sequence(db_));
    return sqlite::mark_changed(db_, member_id, sequence);
  }

  Result<std::vector<domain::Member>> list_members(
      const std::optional<std::string>& store) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT " + std::string(sqlite::kMemberColumns) +
                                       " FROM members m WHERE ?1 IS NULL OR m.home_store = ?1 "
                                       "ORDER BY m.id"));
    stmt.bind_optional(1, store);
    std::vector<domain::Member> members;
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      members.push_back(sqlite::member_from_row(stmt));
    }
    for (auto& m : members) RAPPORT_TRY_VOID(cards_.load(m));
    return members;
  }

  Result<MemberChanges> member_changes(const ChangeScope& scope, std::int64_t after_sequence,
                                       std::int64_t after_member_id,
                                       std::size_t limit) override {
    if (!changes_) {
      RAPPORT_TRY(changes_,
                  db_.prepare("SELECT " + std::string(sqlite::kMemberColumns) +
                              ", m.erased_at IS NOT NULL"
                              " FROM members m WHERE (m.changed_seq, m.id) > (?1, ?2) AND "
                              "(m.erased_at IS NOT NULL OR "
                              "m.home_store = ?3 OR m.last_seen_at >= ?5 OR EXISTS ("
                              "  SELECT 1 FROM member_store_visits v WHERE v.member_id = m.id "
                              "  AND v.store_id = ?3 AND v.last_seen_at >= ?4)) "
                              "ORDER BY m.changed_seq, m.id LIMIT ?6"));
    }
    Statement& stmt = *changes_;
    stmt.bind(1, after_sequence)
        .bind(2, after_member_id)
        .bind(3, scope.store_id)
        .bind(4, scope.seen_in_store_since)
        .bind(5, scope.seen_in_chain_since)
        .bind(6, static_cast<std::int64_t>(limit + 1));
    MemberChanges page;
    page.last_sequence = after_sequence;
    page.last_member_id = after_member_id;
    for (;;) {
      auto row = stmt.step();
      if (!row) return row.error();
      if (!*row) break;
      if (page.members.size() + page.removed.size() == limit) {
        page.more = true;
        break;
      }
      page.last_sequence = sqlite::changed_seq_of_row(stmt);
      if (stmt.column_int64(kErasedColumn) != 0) {
        page.removed.push_back(stmt.column_int64(0));
        page.last_member_id = page.removed.back();
        continue;
      }
      page.members.push_back(sqlite::member_from_row(stmt));
      page.last_member_id = page.members.back().id;
    }
    stmt.reset();
    for (auto& m : page.members) {
      RAPPORT_TRY_VOID(cards_.load(m));
      RAPPORT_TRY_VOID(notes_.load(m, protocol::kMaxNotesPerMember));
      RAPPORT_TRY_VOID(purchases_.load(m));
    }
    return page;
  }

  Result<std::optional<domain::Member>> find_member_by_card(const std::string& token) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT " + std::string(sqlite::kMemberColumns) +
                                       " FROM members m JOIN cards c ON c.member_id = m.id "
                                       "WHERE c.token = ?1"));
    stmt.bind(1, token);
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) return std::optional<domain::Member>{};
    auto member = sqlite::member_from_row(stmt);
    stmt.reset();
    RAPPORT_TRY_VOID(cards_.load(member));
    RAPPORT_TRY_VOID(notes_.load(member, protocol::kMaxNotesPerMember));
    RAPPORT_TRY_VOID(purchases_.load(member));
    return std::optional<domain::Member>(std::move(member));
  }

  Result<void> register_terminal(const TerminalRecord& terminal) override {
    RAPPORT_TRY(auto stmt,
                db_.prepare("INSERT INTO terminals(id, store_id, certificate_serial, issued_at) "
                            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET "
                            "store_id = ?2, certificate_serial = ?3, issued_at = ?4, "
                            "revoked_at = NULL"));
    return stmt.bind(1, terminal.id)
        .bind(2, terminal.store_id)
        .bind(3, terminal.certificate_serial)
        .bind(4, now_iso8601())
        .run();
  }

  Result<std::optional<TerminalRecord>> find_terminal(const std::string& id) override {
    if (!find_terminal_) {
      RAPPORT_TRY(find_terminal_, db_.prepare("SELECT id, store_id, certificate_serial, "
                                              "revoked_at IS NOT NULL FROM terminals "
                                              "WHERE id = ?1"));
    }
    Statement& stmt = *find_terminal_;
    stmt.bind(1, id);
    auto row = stmt.step();
    if (!row) return row.error();
    std::optional<TerminalRecord> terminal;
    if (*row) {
      terminal = TerminalRecord{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                                stmt.column_int64(3) != 0};
    }
    stmt.reset();
    return terminal;
  }

  Result<bool> revoke_terminal(const std::string& id) override {
    RAPPORT_TRY(auto stmt, db_.prepare("UPDATE terminals SET revoked_at = ?2 WHERE id = ?1 AND "
                                       "revoked_at IS NULL"));
    RAPPORT_TRY_VOID(stmt.bind(1, id).bind(2, now_iso8601()).run());
    return db_.changes() > 0;
  }

  Result<std::size_t> record_events(std::span<const domain::Event> events) override {
    return recorder_.record(events);
  }

  Result<std::vector<value::MemberValueInput>> value_inputs() override {
    return sqlite::read_value_inputs(db_);
  }

  Result<std::vector<value::MemberValueInput>> value_inputs_of(
      std::span<const std::int64_t> members) override {
    return sqlite::read_value_inputs_of(db_, members);
  }

  Result<std::int64_t> last_event_sequence() override { return sqlite::last_event_sequence(db_); }

  Result<std::optional<LastValueRefresh>> last_value_refresh() override {
    return sqlite::read_last_value_refresh(db_);
  }

  Result<std::vector<std::int64_t>> members_changed_since(std::int64_t events_seq,
                                                          std::size_t limit) override {
    return sqlite::members_changed_since(db_, events_seq, limit);
  }

  Result<std::vector<std::pair<std::int64_t, std::int64_t>>> referee_lifetime_values(
      std::span<const std::int64_t> referrers) override {
    return sqlite::referee_lifetime_values(db_, referrers);
  }

  Result<std::size_t> save_value_refresh(const value::ValueRefresh& refresh,
                                         const std::string& as_of,
                                         const ValueSaveMark& mark) override {
    return sqlite::save_value_refresh(db_, refresh, now_iso8601(), as_of, mark);
  }

  Result<std::vector<ForecastCheck>> check_forecasts(double horizon_weeks,
                                                     std::chrono::sys_days today) override {
    return sqlite::check_forecasts(db_, horizon_weeks, today);
  }

  Result<std::optional<value::ValueSnapshot>> value_snapshot(std::int64_t member_id) override {
    return sqlite::read_value_snapshot(db_, member_id);
  }

  void set_card_velocity_window(std::chrono::minutes window) override {
    recorder_.set_velocity_window(window);
  }

  // --- Points ledger: each call one transaction over sqlite::PointsLedger ---
  void set_rewards_rules(std::shared_ptr<const rewards::RewardsRules> rules) override {
    recorder_.ledger().set_rules(std::move(rules));
  }

  Result<std::optional<std::int64_t>> points_balance(std::int64_t member_id) override {
    auto& ledger = recorder_.ledger();
    RAPPORT_TRY(const bool exists, ledger.member_exists(member_id));
    if (!exists) return std::optional<std::int64_t>();
    RAPPORT_TRY(const std::int64_t balance, ledger.balance(member_id));
    return std::optional(balance);
  }

  Result<std::optional<std::string>> reward_tier(std::int64_t member_id) override {
    return recorder_.ledger().reward_tier(member_id);
  }

  Result<PointsLiability> points_liability() override {
    auto& ledger = recorder_.ledger();
    PointsLiability totals;
    RAPPORT_TRY(totals.member_balances, ledger.liability());
    RAPPORT_TRY(totals.chain_accounts, ledger.chain_accounts());
    RAPPORT_TRY(auto count, db_.prepare("SELECT count(*) FROM (SELECT member_id FROM "
                                        "points_entries WHERE member_id IS NOT NULL GROUP BY "
                                        "member_id HAVING sum(points) <> 0)"));
    RAPPORT_TRY(const bool row, count.step());
    if (row) totals.members_with_points = count.column_int64(0);
    return totals;
  }

  Result<void> adjust_points(std::span<const PointsAdjustment> adjustments) override {
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    auto& ledger = recorder_.ledger();
    for (const auto& a : adjustments) {
      if (a.points == 0 || a.reason.empty() || a.staff_user.empty() || a.cause.empty()) {
        return storage::StorageErrc::kConstraint;
      }
      RAPPORT_TRY(const bool exists, ledger.member_exists(a.member_id));
      if (!exists) return storage::StorageErrc::kConstraint;
      RAPPORT_TRY(const bool posted, ledger.adjust(a.member_id, a.points, a.reason, a.staff_user,
                                                  a.cause));
      if (!posted) return storage::StorageErrc::kConstraint;  // applied before: roll back all
    }
    return tx.commit();
  }

  Result<bool> points_cause_posted(const std::string& cause) override {
    return recorder_.ledger().posted(cause);
  }

  Result<void> transfer_points(std::int64_t from, std::int64_t to, std::int64_t points,
                               const std::string& reason, const std::string& staff_user) override {
    auto& ledger = recorder_.ledger();
    if (points <= 0 || from == to || reason.empty() || staff_user.empty()) {
      return storage::StorageErrc::kConstraint;
    }
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    RAPPORT_TRY(const bool from_exists, ledger.member_exists(from));
    RAPPORT_TRY(const bool to_exists, ledger.member_exists(to));
    if (!from_exists || !to_exists) return storage::StorageErrc::kConstraint;
    RAPPORT_TRY_VOID(ledger.transfer(from, to, points, reason, staff_user));
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
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT event_id, member_id, terminal_id, points, "
                                       "balance_before, problem, flagged_at FROM points_reviews "
                                       "ORDER BY id LIMIT ?1"));
    stmt.bind(1, static_cast<std::int64_t>(limit));
    std::vector<PointsReview> reviews;
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      PointsReview r;
      r.event_id = stmt.column_text(0);
      if (!stmt.column_is_null(1)) r.member_id = stmt.column_int64(1);
      r.terminal_id = stmt.column_text(2);
      r.points = stmt.column_int64(3);
      if (!stmt.column_is_null(4)) r.balance_before = stmt.column_int64(4);
      r.problem = stmt.column_text(5);
      r.flagged_at = stmt.column_text(6);
      reviews.push_back(std::move(r));
    }
    return reviews;
  }

  Result<std::vector<CardAlert>> list_card_alerts(std::size_t limit) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT a.card_token, a.member_id, a.first_store, "
                                       "a.first_at, a.second_store, a.second_at, a.event_id, "
                                       "a.flagged_at, coalesce(c.last4, '----') FROM "
                                       "card_alerts a LEFT JOIN cards c ON c.token = "
                                       "a.card_token ORDER BY a.id LIMIT ?1"));
    stmt.bind(1, static_cast<std::int64_t>(limit));
    std::vector<CardAlert> alerts;
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      CardAlert a;
      a.card_token = stmt.column_text(0);
      if (!stmt.column_is_null(1)) a.member_id = stmt.column_int64(1);
      a.first_store = stmt.column_text(2);
      a.first_at = stmt.column_text(3);
      a.second_store = stmt.column_text(4);
      a.second_at = stmt.column_text(5);
      a.event_id = stmt.column_text(6);
      a.flagged_at = stmt.column_text(7);
      a.last4 = stmt.column_text(8);
      alerts.push_back(std::move(a));
    }
    return alerts;
  }

  Result<void> record_member_token_issue(const MemberTokenIssue& issue) override {
    RAPPORT_TRY(auto stmt,
                db_.prepare("INSERT INTO member_token_issues(card_token, member_id, chip_uid, "
                            "key_id, terminal_id, store_id, issued_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    stmt.bind(1, issue.card_token)
        .bind(2, issue.member_id)
        .bind(3, issue.chip_uid)
        .bind(4, std::int64_t{issue.key_id})
        .bind(5, issue.terminal_id)
        .bind(6, issue.store_id)
        .bind(7, issue.issued_at);
    return stmt.run();
  }

  Result<std::vector<MemberTokenIssue>> list_member_token_issues(std::size_t limit) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT card_token, member_id, chip_uid, key_id, "
                                       "terminal_id, store_id, issued_at FROM "
                                       "member_token_issues ORDER BY id LIMIT ?1"));
    stmt.bind(1, static_cast<std::int64_t>(limit));
    std::vector<MemberTokenIssue> issues;
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      issues.push_back({stmt.column_text(0), stmt.column_int64(1), stmt.column_text(2),
                        static_cast<int>(stmt.column_int64(3)), stmt.column_text(4),
                        stmt.column_text(5), stmt.column_text(6)});
    }
    return issues;
  }

  Result<std::vector<StoredEvent>> list_events(std::size_t limit) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT seq, id, kind, terminal_id, store_id, card_token, "
                                       "member_id, occurred_at, received_at, payload FROM events "
                                       "ORDER BY seq LIMIT ?1"));
    stmt.bind(1, static_cast<std::int64_t>(limit));
    std::vector<StoredEvent> out;
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      StoredEvent s;
      s.sequence = stmt.column_int64(0);
      s.event.id = stmt.column_text(1);
      s.event.kind =
          domain::event_kind_from_string(stmt.column_text(2)).value_or(domain::EventKind::kVisit);
      s.event.terminal_id = stmt.column_text(3);
      s.event.store_id = stmt.column_text(4);
      s.event.card_token = stmt.column_text(5);
      if (!stmt.column_is_null(6)) s.event.member_id = stmt.column_int64(6);
      s.event.occurred_at = stmt.column_text(7);
      s.received_at = stmt.column_text(8);
      s.event.payload = stmt.column_text(9);
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  Database db_;
  // Hot-path statements, prepared on first use and kept: the sync handler runs these for
  // every request.
  std::optional<Statement> find_terminal_;
  std::optional<Statement> changes_;
  sqlite::EventRecorder recorder_;
  sqlite::MemberCards cards_;
  sqlite::MemberNotes notes_;
  sqlite::MemberPurchases purchases_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& file) {
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db)));
}

}  // namespace rapport::server
