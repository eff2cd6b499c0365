// server/storage/sqlite_member_rights.cpp
//
// MemberRightsStore on the server's SQLite file (member_rights_store.h,
// docs/members-rights.md). The export reads every table that holds something about a member
// with plain queries and turns each row into a JSON object by its column names, so a column
// added to one of these tables later is exported without a change here.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <string_view>

#include "server/storage/member_export.h"
#include "server/storage/member_rights_store.h"
#include "server/storage/sqlite_members.h"
#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"
#include "shared/storage/rewrite_file.h"

namespace rapport::server {
namespace {

namespace json = boost::json;
using storage::Database;
using storage::Statement;

enum class Shape { kObject, kArray, kScalar };

struct Section {
  std::string_view key;
  Shape shape;
  std::string_view sql;  // ?1 is the member id
};

// Every table with a member_id (docs/schema.md), plus the events' and purchases' details.
constexpr Section kSections[] = {
    {"member", Shape::kObject, "SELECT * FROM members WHERE id = ?1"},
    {"cards", Shape::kArray, "SELECT * FROM cards WHERE member_id = ?1 ORDER BY issued_at, token"},
    {"events", Shape::kArray,
     "SELECT seq, id, kind, terminal_id, store_id, card_token, occurred_at, received_at, payload "
     "FROM events WHERE member_id = ?1 ORDER BY seq"},
    {"purchases", Shape::kArray,
     "SELECT p.*, json_extract(e.payload, '$.lines') AS lines FROM purchases p "
     "LEFT JOIN events e ON e.id = p.event_id WHERE p.member_id = ?1 ORDER BY p.day, p.event_id"},
    {"notes", Shape::kArray, "SELECT * FROM notes WHERE member_id = ?1 ORDER BY noted_at, event_id"},
    {"points_balance", Shape::kScalar,
     "SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_id = ?1"},
    {"points_postings", Shape::kArray,
     "SELECT p.id, p.kind, p.cause, p.event_id, p.purchase_id, p.reason, p.staff_user, "
     "p.occurred_at, p.posted_at, e.points FROM points_entries e "
     "JOIN points_postings p ON p.id = e.posting_id WHERE e.member_id = ?1 ORDER BY p.id"},
    {"points_reviews", Shape::kArray, "SELECT * FROM points_reviews WHERE member_id = ?1 ORDER BY id"},
    {"reward_tier", Shape::kObject, "SELECT * FROM member_reward_tiers WHERE member_id = ?1"},
    {"value_snapshot", Shape::kObject, "SELECT * FROM value_snapshots WHERE member_id = ?1"},
    {"tier_history", Shape::kArray,
     "SELECT * FROM tier_history WHERE member_id = ?1 ORDER BY changed_at, rowid"},
    {"value_forecasts", Shape::kArray,
     "SELECT * FROM value_forecasts WHERE member_id = ?1 ORDER BY fit_id"},
    {"categories", Shape::kArray,
     "SELECT * FROM member_categories WHERE member_id = ?1 ORDER BY category"},
    {"stores_visited", Shape::kArray,
     "SELECT * FROM member_store_visits WHERE member_id = ?1 ORDER BY store_id"},
    {"offers", Shape::kArray, "SELECT * FROM offer_events WHERE member_id = ?1 ORDER BY at, id"},
    {"rewards_given", Shape::kArray,
     "SELECT * FROM reward_costs WHERE member_id = ?1 ORDER BY occurred_at, event_id"},
    {"follow_ups", Shape::kArray, "SELECT * FROM follow_ups WHERE member_id = ?1 ORDER BY id"},
    {"owner", Shape::kObject,
     "SELECT o.owner_id, s.name AS owner_name, o.assigned_by, o.assigned_at "
     "FROM relationship_owners o LEFT JOIN staff_users s ON s.id = o.owner_id "
     "WHERE o.member_id = ?1"},
    {"referred_members", Shape::kArray,
     "SELECT id FROM members WHERE referred_by = ?1 ORDER BY id"},
    {"card_alerts", Shape::kArray, "SELECT * FROM card_alerts WHERE member_id = ?1 ORDER BY id"},
    {"member_token_issues", Shape::kArray,
     "SELECT * FROM member_token_issues WHERE member_id = ?1 ORDER BY id"},
    {"erasures", Shape::kArray,
     "SELECT erased_at, staff, reason FROM erasures WHERE member_id = ?1 ORDER BY id"},
};

json::value column_value(const Statement& row, int column) {
  switch (row.column_kind(column)) {
    case Statement::ColumnKind::kInteger:
      return row.column_int64(column);
    case Statement::ColumnKind::kReal:
      return row.column_double(column);
    case Statement::ColumnKind::kText:
    case Statement::ColumnKind::kBlob: {
      auto text = row.column_text(column);
      if (holds_json_column(row.column_name(column))) {
        boost::system::error_code ec;
        auto parsed = json::parse(text, ec);
        if (!ec) return parsed;
      }
      return json::value(json::string(text));
    }
    case Statement::ColumnKind::kNull:
      break;
  }
  return nullptr;
}

json::object row_object(const Statement& row) {
  json::object o;
  for (int c = 0; c < row.column_count(); ++c) o[row.column_name(c)] = column_value(row, c);
  return o;
}

Result<json::value> read_section(Database& db, const Section& section, std::int64_t member_id) {
  RAPPORT_TRY(auto stmt, db.prepare(section.sql));
  stmt.bind(1, member_id);
  json::array rows;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    if (section.shape == Shape::kScalar) return column_value(stmt, 0);
    if (section.shape == Shape::kObject) return json::value(row_object(stmt));
    // Lists of one column (ids) are plain arrays of values.
    if (stmt.column_count() == 1) {
      rows.push_back(column_value(stmt, 0));
    } else {
      rows.push_back(row_object(stmt));
    }
  }
  if (section.shape == Shape::kArray) return json::value(std::move(rows));
  return json::value(nullptr);
}

Result<bool> member_exists(Database& db, std::int64_t member_id) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT 1 FROM members WHERE id = ?1"));
  stmt.bind(1, member_id);
  return stmt.step();
}

class SqliteMemberRightsStore final : public MemberRightsStore {
 public:
  explicit SqliteMemberRightsStore(Database db) : db_(std::move(db)) {}

  Result<std::optional<std::string>> export_member(std::int64_t member_id) override {
    // One read transaction: every section sees the same moment.
    RAPPORT_TRY_VOID(db_.execute("BEGIN"));
    auto exported = export_in_transaction(member_id);
    (void)db_.execute("COMMIT");  // read only: nothing to lose if it fails
    return exported;
  }

  Result<std::optional<ErasureOutcome>> erase_member(const Erasure& e) override {
    // Freed cells and pages are zeroed as this transaction frees them; rewrite_file then
    // removes the copies earlier updates left behind (docs/members-rights.md).
    RAPPORT_TRY_VOID(db_.execute("PRAGMA secure_delete = ON"));
    RAPPORT_TRY(auto outcome, erase_in_transaction(e));
    if (!outcome) return outcome;
    RAPPORT_TRY_VOID(storage::rewrite_file(db_));
    return outcome;
  }

 private:
  Result<std::optional<std::string>> export_in_transaction(std::int64_t member_id) {
    RAPPORT_TRY(const bool exists, member_exists(db_, member_id));
    if (!exists) return std::optional<std::string>{};
    json::object out;
    out["format"] = kMemberExportFormat;
    for (const auto& section : kSections) {
      RAPPORT_TRY(auto value, read_section(db_, section, member_id));
      out[section.key] = std::move(value);
    }
    return std::optional<std::string>(json::serialize(out));
  }

  Result<std::optional<ErasureOutcome>> erase_in_transaction(const Erasure& e) {
    RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
    RAPPORT_TRY(auto find, db_.prepare("SELECT erased_at IS NOT NULL FROM members WHERE id = ?1"));
    find.bind(1, e.member_id);
    RAPPORT_TRY(const bool exists, find.step());
    if (!exists) return std::optional<ErasureOutcome>{};
    ErasureOutcome outcome;
    outcome.already_erased = find.column_int64(0) != 0;
    if (outcome.already_erased) return std::optional<ErasureOutcome>(outcome);

    RAPPORT_TRY(const std::int64_t seq, sqlite::next_change_sequence(db_));
    const auto run = [&](std::string_view sql) -> Result<std::int64_t> {
      RAPPORT_TRY(auto stmt, db_.prepare(sql));
      stmt.bind(1, e.member_id);
      RAPPORT_TRY_VOID(stmt.run());
      return db_.changes();
    };
    // Notes of the member, and those of their cards not yet attributed to anyone.
    RAPPORT_TRY(outcome.notes_removed,
                run("DELETE FROM notes WHERE member_id = ?1 OR (member_id IS NULL AND card_token "
                    "IN (SELECT token FROM cards WHERE member_id = ?1))"));
    RAPPORT_TRY(outcome.cards_removed, run("DELETE FROM cards WHERE member_id = ?1"));
    RAPPORT_TRY_VOID(run("UPDATE member_token_issues SET chip_uid = '' WHERE member_id = ?1"));
    RAPPORT_TRY_VOID(run("DELETE FROM relationship_owners WHERE member_id = ?1"));
    RAPPORT_TRY(auto member,
                db_.prepare("UPDATE members SET name = '', birth_date = NULL, phone = NULL, "
                            "email = NULL, marketing_consent = 0, usual_order = NULL, erased_at = ?2, "
                            "changed_seq = ?3 WHERE id = ?1"));
    RAPPORT_TRY_VOID(member.bind(1, e.member_id).bind(2, e.at).bind(3, seq).run());
    RAPPORT_TRY(auto close,
                db_.prepare("UPDATE follow_ups SET closed_at = ?2 WHERE member_id = ?1 AND "
                            "closed_at IS NULL"));
    RAPPORT_TRY_VOID(close.bind(1, e.member_id).bind(2, e.at).run());
    RAPPORT_TRY(auto record, db_.prepare("INSERT INTO erasures(member_id, erased_at, staff, "
                                         "reason) VALUES (?1, ?2, ?3, ?4)"));
    RAPPORT_TRY_VOID(record.bind(1, e.member_id).bind(2, e.at).bind(3, e.staff)
                         .bind(4, e.reason).run());
    RAPPORT_TRY_VOID(tx.commit());
    return std::optional<ErasureOutcome>(outcome);
  }

  Database db_;
};

}  // namespace

Result<std::unique_ptr<MemberRightsStore>> open_sqlite_member_rights_store(
    const std::filesystem::path& file) {
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations));
  return std::unique_ptr<MemberRightsStore>(new SqliteMemberRightsStore(std::move(db)));
}

}  // namespace rapport::server
