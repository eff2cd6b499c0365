// server/storage/pg_staff_store.cpp
//
// StaffStore on PostgreSQL: staff users, their stores and the audit log (as staff_store.cpp
// on SQLite), and opening the store. The dashboard's reads are in pg_staff_reads.cpp.
#include "server/storage/pg_staff_store.h"

#include <spdlog/spdlog.h>

#include "server/storage/pg_errc.h"
#include "server/storage/pg_schema.h"

namespace rapport::server::pg {

Result<std::int64_t> PgStaffStore::add_user(const NewStaffUser& user,
                                            const std::string& created_at) {
  RAPPORT_TRY(auto tx, Transaction::begin(db_));
  RAPPORT_TRY(const auto added,
              db_.exec("INSERT INTO staff_users(name, role, password_hash, created_at) "
                       "VALUES ($1, $2, $3, $4) RETURNING id",
                       {param(user.name), param(to_string(user.role)),
                        param(user.password_hash), param(created_at)}));
  const std::int64_t id = added.int64(0, 0);
  std::vector<Param> stores;
  for (const auto& store : user.stores) stores.push_back(param(store));
  RAPPORT_TRY_VOID(db_.exec("INSERT INTO staff_user_stores(user_id, store_id) "
                            "SELECT $1, s FROM unnest($2::text[]) AS s",
                            {param(id), text_array(stores)}));
  RAPPORT_TRY_VOID(tx.commit());
  return id;
}

Result<std::optional<StaffAccount>> PgStaffStore::find_where(std::string_view where,
                                                             const Param& value) {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT u.id, u.name, u.role, u.password_hash, u.disabled_at IS NOT NULL "
                       "FROM staff_users u WHERE " +
                           std::string(where),
                       {value}));
  if (rows.empty()) return std::optional<StaffAccount>{};
  StaffAccount account;
  account.user.id = rows.int64(0, 0);
  account.user.name = rows.text(0, 1);
  const auto role = staff_role_from_string(rows.text(0, 2));
  if (!role) return std::optional<StaffAccount>{};  // the CHECK constraint makes this unreachable
  account.user.role = *role;
  account.password_hash = rows.text(0, 3);
  account.disabled = rows.boolean(0, 4);
  RAPPORT_TRY(const auto stores, db_.exec("SELECT store_id FROM staff_user_stores "
                                          "WHERE user_id = $1 ORDER BY store_id",
                                          {param(account.user.id)}));
  for (std::size_t r = 0; r < stores.size(); ++r) account.user.stores.push_back(stores.text(r, 0));
  return std::optional<StaffAccount>(std::move(account));
}

Result<std::optional<StaffAccount>> PgStaffStore::find_user_by_name(const std::string& name) {
  return find_where("u.name = $1", param(name));
}

Result<std::optional<StaffAccount>> PgStaffStore::find_user(std::int64_t id) {
  return find_where("u.id = $1", param(id));
}

Result<std::vector<StaffUser>> PgStaffStore::list_users() {
  RAPPORT_TRY(const auto rows, db_.exec("SELECT id FROM staff_users ORDER BY name"));
  std::vector<StaffUser> users;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    RAPPORT_TRY(auto account, find_user(rows.int64(r, 0)));
    if (account) users.push_back(std::move(account->user));
  }
  return users;
}

Result<void> PgStaffStore::set_password_hash(std::int64_t id, const std::string& password_hash) {
  RAPPORT_TRY_VOID(db_.exec("UPDATE staff_users SET password_hash = $1 WHERE id = $2",
                            {param(password_hash), param(id)}));
  return {};
}

Result<bool> PgStaffStore::disable_user(std::int64_t id, const std::string& at) {
  RAPPORT_TRY(const auto rows, db_.exec("UPDATE staff_users SET disabled_at = $1 WHERE id = $2 "
                                        "AND disabled_at IS NULL",
                                        {param(at), param(id)}));
  return rows.affected() == 1;
}

// A report not yet ported answers ReportsErrc::kNotOnPostgresql (docs/reports.md, "On
// PostgreSQL"); each runs in a transaction of its own on this connection.
Result<void> PgStaffStore::run_report(const reports::Report& report,
                                      const reports::Filter& filter, reports::RowSink& sink) {
  return report.run_pg(db_, filter, sink);
}

Result<void> PgStaffStore::record_audit(const AuditEntry& e) {
  RAPPORT_TRY_VOID(db_.exec("INSERT INTO audit_log(at, user_id, user_name, action, object, "
                            "outcome, remote) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            {param(e.at), param(e.user_id), param(e.user_name), param(e.action),
                             param(e.object), param(e.outcome), param(e.remote)}));
  return {};
}

Result<std::vector<AuditEntry>> PgStaffStore::list_audit(std::size_t limit) {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT at, user_id, user_name, action, object, outcome, remote "
                       "FROM audit_log ORDER BY id DESC LIMIT $1",
                       {param(static_cast<std::int64_t>(limit))}));
  std::vector<AuditEntry> entries;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    entries.push_back({rows.text(r, 0), rows.optional_int64(r, 1), rows.text(r, 2),
                       rows.text(r, 3), rows.text(r, 4), rows.text(r, 5), rows.text(r, 6)});
  }
  return entries;
}

}  // namespace rapport::server::pg

namespace rapport::server {

Result<std::unique_ptr<StaffStore>> open_pg_staff_store(const std::string& url) {
  RAPPORT_TRY(auto db, pg::Connection::open(url));
  RAPPORT_TRY_VOID(pg::migrate(db));
  RAPPORT_TRY(auto sessions, open_pg_session_store(url));
  return std::unique_ptr<StaffStore>(
      std::make_unique<pg::PgStaffStore>(std::move(db), std::move(sessions)));
}

}  // namespace rapport::server
