// server/storage/staff_store.cpp
//
// StaffStore on SQLite: staff users, their stores and the audit log. The dashboard's reads
// are in staff_store_reads.cpp.
#include "server/storage/staff_store.h"

#include "server/storage/sqlite_schema.h"
#include "server/storage/sqlite_staff_store.h"

namespace rapport::server {

using storage::Database;
using storage::Transaction;

namespace sqlite {

Result<std::int64_t> SqliteStaffStore::add_user(const NewStaffUser& user,
                                                const std::string& created_at) {
  RAPPORT_TRY(auto tx, Transaction::begin(db_));
  RAPPORT_TRY(auto insert, db_.prepare("INSERT INTO staff_users(name, role, password_hash, "
                                       "created_at) VALUES (?, ?, ?, ?)"));
  insert.bind(1, user.name).bind(2, to_string(user.role)).bind(3, user.password_hash);
  insert.bind(4, created_at);
  RAPPORT_TRY_VOID(insert.run());
  const std::int64_t id = db_.last_insert_rowid();
  RAPPORT_TRY(auto scope,
              db_.prepare("INSERT INTO staff_user_stores(user_id, store_id) VALUES (?, ?)"));
  for (const auto& store : user.stores) {
    scope.reset();
    scope.bind(1, id).bind(2, store);
    RAPPORT_TRY_VOID(scope.run());
  }
  RAPPORT_TRY_VOID(tx.commit());
  return id;
}

Result<std::vector<std::string>> SqliteStaffStore::stores_of(std::int64_t user_id) {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT store_id FROM staff_user_stores WHERE user_id = ? "
                                     "ORDER BY store_id"));
  stmt.bind(1, user_id);
  std::vector<std::string> stores;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    stores.push_back(stmt.column_text(0));
  }
  return stores;
}

Result<std::optional<StaffAccount>> SqliteStaffStore::find_where(std::string_view where,
                                                                 const BindOne& bind) {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT id, name, role, password_hash, disabled_at IS NOT "
                                     "NULL FROM staff_users WHERE " +
                                     std::string(where)));
  bind(stmt);
  RAPPORT_TRY(const bool row, stmt.step());
  if (!row) return std::optional<StaffAccount>{};
  StaffAccount account;
  account.user.id = stmt.column_int64(0);
  account.user.name = stmt.column_text(1);
  const auto role = staff_role_from_string(stmt.column_text(2));
  if (!role) return std::optional<StaffAccount>{};  // the CHECK constraint makes this unreachable
  account.user.role = *role;
  account.password_hash = stmt.column_text(3);
  account.disabled = stmt.column_int64(4) != 0;
  RAPPORT_TRY(account.user.stores, stores_of(account.user.id));
  return std::optional<StaffAccount>(std::move(account));
}

Result<std::optional<StaffAccount>> SqliteStaffStore::find_user_by_name(const std::string& name) {
  return find_where("name = ?", [&](storage::Statement& s) { s.bind(1, name); });
}

Result<std::optional<StaffAccount>> SqliteStaffStore::find_user(std::int64_t id) {
  return find_where("id = ?", [&](storage::Statement& s) { s.bind(1, id); });
}

Result<std::vector<StaffUser>> SqliteStaffStore::list_users() {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT id FROM staff_users ORDER BY name"));
  std::vector<std::int64_t> ids;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    ids.push_back(stmt.column_int64(0));
  }
  std::vector<StaffUser> users;
  for (const auto id : ids) {
    RAPPORT_TRY(auto account, find_user(id));
    if (account) users.push_back(std::move(account->user));
  }
  return users;
}

Result<void> SqliteStaffStore::set_password_hash(std::int64_t id,
                                                 const std::string& password_hash) {
  RAPPORT_TRY(auto stmt, db_.prepare("UPDATE staff_users SET password_hash = ? WHERE id = ?"));
  stmt.bind(1, password_hash).bind(2, id);
  return stmt.run();
}

Result<bool> SqliteStaffStore::disable_user(std::int64_t id, const std::string& at) {
  RAPPORT_TRY(auto stmt, db_.prepare("UPDATE staff_users SET disabled_at = ? WHERE id = ? AND "
                                     "disabled_at IS NULL"));
  stmt.bind(1, at).bind(2, id);
  RAPPORT_TRY_VOID(stmt.run());
  return db_.changes() == 1;
}

Result<void> SqliteStaffStore::record_audit(const AuditEntry& e) {
  RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO audit_log(at, user_id, user_name, action, "
                                     "object, outcome, remote) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  stmt.bind(1, e.at).bind_optional(2, e.user_id).bind(3, e.user_name).bind(4, e.action);
  stmt.bind(5, e.object).bind(6, e.outcome).bind(7, e.remote);
  return stmt.run();
}

Result<std::vector<AuditEntry>> SqliteStaffStore::list_audit(std::size_t limit) {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT at, user_id, user_name, action, object, outcome, "
                                     "remote FROM audit_log ORDER BY id DESC LIMIT ?"));
  stmt.bind(1, static_cast<std::int64_t>(limit));
  std::vector<AuditEntry> entries;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    AuditEntry e;
    e.at = stmt.column_text(0);
    if (!stmt.column_is_null(1)) e.user_id = stmt.column_int64(1);
    e.user_name = stmt.column_text(2);
    e.action = stmt.column_text(3);
    e.object = stmt.column_text(4);
    e.outcome = stmt.column_text(5);
    e.remote = stmt.column_text(6);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace sqlite

Result<std::unique_ptr<StaffStore>> StaffStore::open(const std::filesystem::path& file) {
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations));
  return std::unique_ptr<StaffStore>(std::make_unique<sqlite::SqliteStaffStore>(std::move(db)));
}

}  // namespace rapport::server
