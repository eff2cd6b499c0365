// server/storage/sqlite_store.cpp
//
// The SQLite backend of Store: one file in WAL mode with full sync, statements prepared
// once at open. Exactly-once rests on events.id being UNIQUE and ON CONFLICT DO NOTHING.

#include <map>
#include <utility>

#include "server/storage/sqlite_schema.h"
#include "server/storage/store.h"
#include "shared/storage/database.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

using storage::Database;
using storage::Statement;
using storage::Transaction;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Database db) : db_(std::move(db)) {}

  Result<void> add_store(const std::string& id, const std::string& name) override {
    RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO stores(id, name) VALUES (?1, ?2)"));
    return stmt.bind(1, id).bind(2, name).run();
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
                                       "created_at) VALUES (?1, ?2, ?3, ?4)"));
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
    RAPPORT_TRY_VOID(add_card(id, card));
    RAPPORT_TRY_VOID(tx.commit());
    return id;
  }

  Result<void> add_card(std::int64_t member_id, const domain::Card& card) override {
    RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO cards(token, member_id, last4, status, "
                                       "issued_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    return stmt.bind(1, card.token)
        .bind(2, member_id)
        .bind(3, card.last4)
        .bind(4,
              std::string_view(card.status == domain::CardStatus::kBlocked ? "blocked" : "active"))
        .bind(5, now_iso8601())
        .run();
  }

  Result<std::vector<domain::Member>> list_members(
      const std::optional<std::string>& store) override {
    RAPPORT_TRY(auto members_stmt,
                db_.prepare("SELECT m.id, m.name, m.home_store, m.birth_date, "
                            "  (SELECT count(*) FROM events e WHERE e.member_id = m.id AND "
                            "   e.kind = 'visit'), "
                            "  (SELECT max(occurred_at) FROM events e WHERE e.member_id = m.id "
                            "   AND e.kind = 'visit') "
                            "FROM members m WHERE ?1 IS NULL OR m.home_store = ?1 ORDER BY m.id"));
    members_stmt.bind_optional(1, store);
    std::vector<domain::Member> members;
    std::map<std::int64_t, std::size_t> index;
    for (;;) {
      RAPPORT_TRY(const bool row, members_stmt.step());
      if (!row) break;
      domain::Member m;
      m.id = members_stmt.column_int64(0);
      m.name = members_stmt.column_text(1);
      m.home_store = members_stmt.column_text(2);
      m.birth_date = members_stmt.column_optional_text(3);
      m.visit_count = members_stmt.column_int64(4);
      m.last_visit = members_stmt.column_optional_text(5);
      index[m.id] = members.size();
      members.push_back(std::move(m));
    }
    RAPPORT_TRY(auto cards_stmt,
                db_.prepare("SELECT c.member_id, c.token, c.last4, c.status FROM cards c "
                            "JOIN members m ON m.id = c.member_id "
                            "WHERE ?1 IS NULL OR m.home_store = ?1 ORDER BY c.member_id, c.rowid"));
    cards_stmt.bind_optional(1, store);
    for (;;) {
      RAPPORT_TRY(const bool row, cards_stmt.step());
      if (!row) break;
      const auto found = index.find(cards_stmt.column_int64(0));
      if (found == index.end()) continue;
      domain::Card card;
      card.token = cards_stmt.column_text(1);
      card.last4 = cards_stmt.column_text(2);
      card.status = cards_stmt.column_text(3) == "blocked" ? domain::CardStatus::kBlocked
                                                           : domain::CardStatus::kActive;
      members[found->second].cards.push_back(std::move(card));
    }
    return members;
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
    if (!insert_event_) {
      // The member comes from the server's own card table, not from the terminal's claim.
      RAPPORT_TRY(insert_event_,
                  db_.prepare("INSERT INTO events(id, kind, terminal_id, store_id, card_token, "
                              "member_id, occurred_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                              "(SELECT member_id FROM cards WHERE token = ?5), ?6, ?7) "
                              "ON CONFLICT(id) DO NOTHING"));
    }
    Statement& stmt = *insert_event_;
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    const std::string received_at = now_iso8601();
    std::size_t stored = 0;
    for (const domain::Event& e : events) {
      RAPPORT_TRY_VOID(stmt.bind(1, e.id)
                           .bind(2, domain::to_string(e.kind))
                           .bind(3, e.terminal_id)
                           .bind(4, e.store_id)
                           .bind(5, e.card_token)
                           .bind(6, e.occurred_at)
                           .bind(7, received_at)
                           .run());
      stored += static_cast<std::size_t>(db_.changes());
    }
    RAPPORT_TRY_VOID(tx.commit());
    return stored;
  }

  Result<std::vector<StoredEvent>> list_events(std::size_t limit) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT seq, id, kind, terminal_id, store_id, card_token, "
                                       "member_id, occurred_at, received_at FROM events "
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
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  Database db_;
  // Hot-path statements, prepared on first use and kept: the sync handler runs these for
  // every request.
  std::optional<Statement> find_terminal_;
  std::optional<Statement> insert_event_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& file) {
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db)));
}

}  // namespace rapport::server
