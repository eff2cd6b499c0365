// server/storage/pg_member_rights.cpp
//
// MemberRightsStore on PostgreSQL (member_rights_store.h, docs/members-rights.md): the same
// export as sqlite_member_rights.cpp (same keys, same values: booleans as 0 and 1, as SQLite
// holds them) and the same erasure in one transaction. Then the statistics of the tables that
// held the personal data are renewed (ANALYZE samples values, names and phones among them,
// into pg_statistic), and once no session's snapshot could still see the old rows (VACUUM
// FULL would copy them) those tables and pg_statistic are rewritten (VACUUM FULL: every live
// row into a new file, the old one truncated) and a CHECKPOINT writes it all to the files.
// What PostgreSQL still holds after that (WAL not yet recycled, archives, replicas, base
// backups) is in docs/members-rights.md, "On PostgreSQL".
//
// Tables that a later PostgreSQL migration adds (the staff dashboard's owners and follow-ups)
// are read and cleared when present, and exported empty when not, so the export has the same
// keys on both backends whatever this database holds yet.

#include <spdlog/spdlog.h>

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "server/storage/member_export.h"
#include "server/storage/member_rights_store.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_schema.h"
#include "shared/storage/storage_errc.h"

namespace rapport::server {
namespace {

namespace json = boost::json;
using pg::Connection;
using pg::param;
using pg::Rows;

enum class Shape { kObject, kArray, kScalar };

struct Section {
  std::string_view key;
  Shape shape;
  std::string_view sql;  // $1 is the member id
  // A column only PostgreSQL has (an order SQLite keeps in its rowid): left out.
  std::string_view postgresql_only = {};
};

// sqlite_member_rights.cpp's kSections, in PostgreSQL's SQL.
const Section kSections[] = {
    {"member",
     Shape::kObject,
     "SELECT * FROM members WHERE id = $1"},
    {"cards",
     Shape::kArray,
     "SELECT * FROM cards WHERE member_id = $1 ORDER BY issued_at, token",
     "issue_order"},
    {"events", Shape::kArray,
     "SELECT seq, id, kind, terminal_id, store_id, card_token, occurred_at, received_at, payload "
     "FROM events WHERE member_id = $1 ORDER BY seq"},
    {"purchases",
     Shape::kArray,
     "SELECT p.*, (e.payload::json -> 'lines')::text AS lines FROM purchases p "
     "LEFT JOIN events e ON e.id = p.event_id WHERE p.member_id = $1 ORDER BY p.day, p.event_id",
     "seq"},
    {"notes", Shape::kArray,
     "SELECT * FROM notes WHERE member_id = $1 ORDER BY noted_at, event_id"},
    {"points_balance", Shape::kScalar,
     "SELECT coalesce(sum(points), 0)::bigint FROM points_entries WHERE member_id = $1"},
    {"points_postings", Shape::kArray,
     "SELECT p.id, p.kind, p.cause, p.event_id, p.purchase_id, p.reason, p.staff_user, "
     "p.occurred_at, p.posted_at, e.points FROM points_entries e "
     "JOIN points_postings p ON p.id = e.posting_id WHERE e.member_id = $1 ORDER BY p.id"},
    {"points_reviews", Shape::kArray,
     "SELECT * FROM points_reviews WHERE member_id = $1 ORDER BY id"},
    {"reward_tier", Shape::kObject, "SELECT * FROM member_reward_tiers WHERE member_id = $1"},
    {"value_snapshot", Shape::kObject, "SELECT * FROM value_snapshots WHERE member_id = $1"},
    {"tier_history", Shape::kArray,
     "SELECT * FROM tier_history WHERE member_id = $1 ORDER BY changed_at, tier, segment"},
    {"value_forecasts", Shape::kArray,
     "SELECT * FROM value_forecasts WHERE member_id = $1 ORDER BY fit_id"},
    {"categories", Shape::kArray,
     "SELECT * FROM member_categories WHERE member_id = $1 ORDER BY category"},
    {"stores_visited", Shape::kArray,
     "SELECT * FROM member_store_visits WHERE member_id = $1 ORDER BY store_id"},
    {"offers", Shape::kArray, "SELECT * FROM offer_events WHERE member_id = $1 ORDER BY at, id"},
    {"rewards_given", Shape::kArray,
     "SELECT * FROM reward_costs WHERE member_id = $1 ORDER BY occurred_at, event_id"},
    {"follow_ups", Shape::kArray, "SELECT * FROM follow_ups WHERE member_id = $1 ORDER BY id"},
    {"owner", Shape::kObject,
     "SELECT o.owner_id, s.name AS owner_name, o.assigned_by, o.assigned_at "
     "FROM relationship_owners o LEFT JOIN staff_users s ON s.id = o.owner_id "
     "WHERE o.member_id = $1"},
    {"referred_members", Shape::kArray,
     "SELECT id FROM members WHERE referred_by = $1 ORDER BY id"},
    {"card_alerts", Shape::kArray, "SELECT * FROM card_alerts WHERE member_id = $1 ORDER BY id"},
    {"member_token_issues", Shape::kArray,
     "SELECT * FROM member_token_issues WHERE member_id = $1 ORDER BY id"},
    {"erasures", Shape::kArray,
     "SELECT erased_at, staff, reason FROM erasures WHERE member_id = $1 ORDER BY id"},
};

// The tables erasure changes that held personal data: rewritten afterwards. Those a later
// migration adds are rewritten when present.
// How long erase_member waits for sessions holding snapshots from before the erasure.
constexpr std::chrono::seconds kSnapshotWait{30};

constexpr std::string_view kPersonalTables[] = {"members", "cards", "notes", "member_token_issues",
                                                "relationship_owners"};

json::value column_value(const Rows& rows, std::size_t row, int column) {
  if (rows.is_null(row, column)) return nullptr;
  switch (rows.column_kind(column)) {
    case Rows::ColumnKind::kInteger:
      return rows.int64(row, column);
    case Rows::ColumnKind::kBoolean:
      return std::int64_t{rows.boolean(row, column) ? 1 : 0};
    case Rows::ColumnKind::kReal:
      return rows.real(row, column);
    case Rows::ColumnKind::kText:
      break;
  }
  auto text = rows.text(row, column);
  if (holds_json_column(rows.column_name(column))) {
    boost::system::error_code ec;
    auto parsed = json::parse(text, ec);
    if (!ec) return parsed;
  }
  return json::value(json::string(text));
}

json::object row_object(const Rows& rows, std::size_t row, const Section& section) {
  json::object o;
  for (int c = 0; c < rows.columns(); ++c) {
    const auto name = rows.column_name(c);
    if (name == section.postgresql_only) continue;
    o[name] = column_value(rows, row, c);
  }
  return o;
}

Result<json::value> read_section(Connection& db, const Section& section, std::int64_t member_id) {
  RAPPORT_TRY(const auto rows, db.exec(section.sql, {param(member_id)}));
  if (section.shape == Shape::kScalar) {
    return rows.empty() ? json::value(nullptr) : column_value(rows, 0, 0);
  }
  if (section.shape == Shape::kObject) {
    return rows.empty() ? json::value(nullptr) : json::value(row_object(rows, 0, section));
  }
  json::array out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    // Lists of one column (ids) are plain arrays of values.
    if (rows.columns() == 1) {
      out.push_back(column_value(rows, r, 0));
    } else {
      out.push_back(row_object(rows, r, section));
    }
  }
  return json::value(std::move(out));
}

class PgMemberRightsStore final : public MemberRightsStore {
 public:
  explicit PgMemberRightsStore(Connection db) : db_(std::move(db)) {}

  Result<std::optional<std::string>> export_member(std::int64_t member_id) override {
    // One snapshot for every section.
    RAPPORT_TRY(auto tx, pg::Transaction::begin(db_));
    RAPPORT_TRY_VOID(db_.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
    RAPPORT_TRY(const auto exists,
                db_.exec("SELECT 1 FROM members WHERE id = $1", {param(member_id)}));
    if (exists.empty()) return std::optional<std::string>{};
    json::object out;
    out["format"] = kMemberExportFormat;
    for (const auto& section : kSections) {
      RAPPORT_TRY(auto value, read_section(db_, section, member_id));
      out[section.key] = std::move(value);
    }
    RAPPORT_TRY_VOID(tx.commit());
    return std::optional<std::string>(json::serialize(out));
  }

  Result<std::optional<ErasureOutcome>> erase_member(const Erasure& e) override {
    RAPPORT_TRY(auto outcome, erase_in_transaction(e));
    if (!outcome) return outcome;
    // Erased before: rewritten again, as on SQLite, in case an earlier rewrite failed.
    RAPPORT_TRY_VOID(rewrite_personal_tables());
    return outcome;
  }

 private:
  Result<std::optional<ErasureOutcome>> erase_in_transaction(const Erasure& e) {
    RAPPORT_TRY(auto tx, pg::Transaction::begin(db_));
    // FOR UPDATE: two erasures of one member (any instance) record one erasure.
    RAPPORT_TRY(const auto found,
                db_.exec("SELECT erased_at IS NOT NULL FROM members WHERE id = $1 FOR UPDATE",
                         {param(e.member_id)}));
    if (found.empty()) return std::optional<ErasureOutcome>{};
    ErasureOutcome outcome;
    outcome.already_erased = found.boolean(0, 0);
    if (outcome.already_erased) return std::optional<ErasureOutcome>(outcome);

    const auto run = [&](std::string_view sql) -> Result<std::int64_t> {
      RAPPORT_TRY(const auto rows, db_.exec(sql, {param(e.member_id)}));
      return rows.affected();
    };
    // Notes of the member, and those of their cards not yet attributed to anyone.
    RAPPORT_TRY(outcome.notes_removed,
                run("DELETE FROM notes WHERE member_id = $1 OR (member_id IS NULL AND card_token "
                    "IN (SELECT token FROM cards WHERE member_id = $1))"));
    RAPPORT_TRY(outcome.cards_removed, run("DELETE FROM cards WHERE member_id = $1"));
    RAPPORT_TRY_VOID(run("UPDATE member_token_issues SET chip_uid = '' WHERE member_id = $1"));
    RAPPORT_TRY_VOID(run("DELETE FROM relationship_owners WHERE member_id = $1"));
    // A new change number: terminals pulling changes are told to remove the member
    // (pg_store.cpp's changes read erased_at).
    RAPPORT_TRY_VOID(
        db_.exec("UPDATE members SET name = '', birth_date = NULL, phone = NULL, email = NULL, "
                 "marketing_consent = false, usual_order = NULL, erased_at = $2, "
                 "changed_seq = nextval('member_change_seq') WHERE id = $1",
                 {param(e.member_id), param(e.at)}));
    RAPPORT_TRY_VOID(db_.exec("UPDATE follow_ups SET closed_at = $2 WHERE member_id = $1 AND "
                              "closed_at IS NULL",
                              {param(e.member_id), param(e.at)}));
    RAPPORT_TRY_VOID(
        db_.exec("INSERT INTO erasures(member_id, erased_at, staff, reason) "
                 "VALUES ($1, $2, $3, $4)",
                 {param(e.member_id), param(e.at), param(e.staff), param(e.reason)}));
    RAPPORT_TRY_VOID(tx.commit());
    return std::optional<ErasureOutcome>(outcome);
  }

  // VACUUM FULL copies the row versions a running transaction may still see (its snapshot
  // began before they were replaced: a long report, pg_dump, an autovacuum ANALYZE), old name
  // and phone included. So it waits until no other session of this database holds a snapshot
  // from before now (a new transaction id, after the erasure and the new statistics
  // committed); kBusy after kSnapshotWait (the erasure stays committed; run it again).
  Result<void> wait_for_older_snapshots() {
    RAPPORT_TRY(const auto now,
                db_.exec("SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text"));
    const auto xid = now.text(0, 0);  // 32 bits, as pg_stat_activity shows xmins
    const auto deadline = std::chrono::steady_clock::now() + kSnapshotWait;
    for (;;) {
      RAPPORT_TRY(const auto older,
                  db_.exec("SELECT count(*) FROM pg_stat_activity WHERE "
                           "datname = current_database() AND pid <> pg_backend_pid() AND "
                           "backend_xmin IS NOT NULL AND age(backend_xmin) >= age($1::xid)",
                           {param(xid)}));
      if (older.int64(0, 0) == 0) return {};
      if (std::chrono::steady_clock::now() >= deadline) {
        spdlog::warn(
            "member erasure: sessions with snapshots from before it still run after {} "
            "s; the tables were not rewritten (run the erasure again)",
            std::chrono::duration_cast<std::chrono::seconds>(kSnapshotWait).count());
        return storage::StorageErrc::kBusy;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Outside a transaction, one table at a time (VACUUM FULL takes each table's ACCESS
  // EXCLUSIVE lock for as long as it rewrites it: servers' writes to it wait). Statistics
  // sampled before the erasure may hold the member's name or phone (pg_statistic's most common
  // values and histogram bounds): renewed first from the erased tables, so that the rewrite
  // of pg_statistic drops the old ones (the database's owner may; a role that may not gets
  // the error, and the erasure stays committed).
  Result<void> rewrite_personal_tables() {
    const std::vector<std::string> tables(std::begin(kPersonalTables), std::end(kPersonalTables));
    std::string analyze = "ANALYZE";
    for (std::size_t i = 0; i < tables.size(); ++i) analyze += (i ? ", " : " ") + tables[i];
    RAPPORT_TRY_VOID(db_.execute_script(analyze));
    RAPPORT_TRY_VOID(wait_for_older_snapshots());
    for (const auto& table : tables) {
      RAPPORT_TRY_VOID(db_.execute_script("VACUUM FULL " + table));
    }
    RAPPORT_TRY_VOID(db_.execute_script("VACUUM FULL pg_catalog.pg_statistic"));
    // The rewritten files to disk now, not at the next timed checkpoint (superuser or
    // pg_checkpoint, PostgreSQL 15).
    return db_.execute_script("CHECKPOINT");
  }

  Connection db_;
};

}  // namespace

Result<std::unique_ptr<MemberRightsStore>> open_pg_member_rights_store(const std::string& url) {
  RAPPORT_TRY(auto db, Connection::open(url));
  RAPPORT_TRY_VOID(pg::migrate(db));
  return std::unique_ptr<MemberRightsStore>(std::make_unique<PgMemberRightsStore>(std::move(db)));
}

}  // namespace rapport::server
