// server/storage/enrollment_store.cpp
//
// SQLite implementation of EnrollmentStore. Expiry compares ISO 8601 UTC text, which sorts
// as time does (shared/util/clock.h).

#include "server/storage/enrollment_store.h"

#include <optional>
#include <utility>

#include "server/storage/sqlite_schema.h"
#include "shared/crypto/digest.h"
#include "shared/storage/database.h"
#include "shared/util/clock.h"
#include "shared/util/hex.h"

namespace rapport::server {
namespace {

using storage::Database;
using storage::Statement;
using storage::Transaction;

class SqliteEnrollmentStore final : public EnrollmentStore {
 public:
  explicit SqliteEnrollmentStore(Database db) : db_(std::move(db)) {}

  Result<void> add_code(const NewEnrollmentCode& code) override {
    RAPPORT_TRY(auto stmt,
                db_.prepare("INSERT INTO enrollment_codes(terminal_id, store_id, secret_hash, "
                            "created_at, expires_at, used_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL) "
                            "ON CONFLICT(terminal_id) DO UPDATE SET store_id = ?2, "
                            "secret_hash = ?3, created_at = ?4, expires_at = ?5, used_at = NULL"));
    return stmt.bind(1, code.terminal_id)
        .bind(2, code.store_id)
        .bind(3, to_hex(code.secret_hash))
        .bind(4, now_iso8601())
        .bind(5, to_iso8601(code.expires_at))
        .run();
  }

  Result<bool> is_active_terminal(const std::string& terminal_id) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT 1 FROM terminals WHERE id = ?1 AND "
                                       "revoked_at IS NULL"));
    stmt.bind(1, terminal_id);
    return stmt.step();
  }

  Result<RedeemResult> redeem(const std::string& terminal_id,
                              const crypto::Sha256Digest& secret_hash,
                              std::chrono::system_clock::time_point now,
                              const IssueCertificate& issue) override {
    // BEGIN IMMEDIATE takes the write lock before the code is read: a second enrollment with
    // the same code (any connection, any process) waits and then finds it used.
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    RAPPORT_TRY(auto select, db_.prepare("SELECT store_id, secret_hash, expires_at, used_at "
                                         "FROM enrollment_codes WHERE terminal_id = ?1"));
    select.bind(1, terminal_id);
    RAPPORT_TRY(const bool found, select.step());
    RedeemResult result;
    if (!found) return result;  // kUnknownCode; the transaction rolls back, nothing changed
    const std::string store_id = select.column_text(0);
    const auto stored_hash = from_hex(select.column_text(1));
    const std::string expires_at = select.column_text(2);
    const bool used = !select.column_is_null(3);
    select.reset();
    if (!stored_hash || !crypto::constant_time_equal(*stored_hash, secret_hash)) {
      result.outcome = Redemption::kWrongSecret;
      return result;
    }
    if (used) {
      result.outcome = Redemption::kAlreadyUsed;
      return result;
    }
    const std::string now_text = to_iso8601(now);
    if (now_text >= expires_at) {
      result.outcome = Redemption::kExpired;
      return result;
    }

    RAPPORT_TRY(auto issued, issue(terminal_id, store_id));
    RAPPORT_TRY(auto spend, db_.prepare("UPDATE enrollment_codes SET used_at = ?2 "
                                        "WHERE terminal_id = ?1 AND used_at IS NULL"));
    RAPPORT_TRY_VOID(spend.bind(1, terminal_id).bind(2, now_text).run());
    // As SqliteStore::register_terminal: a new serial, and any revocation lifted.
    RAPPORT_TRY(auto reg,
                db_.prepare("INSERT INTO terminals(id, store_id, certificate_serial, issued_at) "
                            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET "
                            "store_id = ?2, certificate_serial = ?3, issued_at = ?4, "
                            "revoked_at = NULL"));
    RAPPORT_TRY_VOID(reg.bind(1, terminal_id)
                         .bind(2, store_id)
                         .bind(3, issued.serial_hex)
                         .bind(4, now_text)
                         .run());
    RAPPORT_TRY_VOID(tx.commit());
    result.outcome = Redemption::kIssued;
    result.store_id = store_id;
    result.certificate_pem = std::move(issued.certificate_pem);
    return result;
  }

  Result<std::unordered_map<std::string, std::string>> active_terminals() override {
    if (!active_) {
      RAPPORT_TRY(active_, db_.prepare("SELECT id, certificate_serial FROM terminals "
                                       "WHERE revoked_at IS NULL"));
    }
    Statement& stmt = *active_;
    std::unordered_map<std::string, std::string> terminals;
    for (;;) {
      auto row = stmt.step();
      if (!row) {
        stmt.reset();
        return row.error();
      }
      if (!*row) break;
      terminals.emplace(stmt.column_text(0), stmt.column_text(1));
    }
    stmt.reset();
    return terminals;
  }

 private:
  Database db_;
  std::optional<Statement> active_;  // polled by the revocation watcher every ~500 ms
};

}  // namespace

Result<std::unique_ptr<EnrollmentStore>> EnrollmentStore::open(const std::filesystem::path& file) {
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations));
  return std::unique_ptr<EnrollmentStore>(std::make_unique<SqliteEnrollmentStore>(std::move(db)));
}

}  // namespace rapport::server
