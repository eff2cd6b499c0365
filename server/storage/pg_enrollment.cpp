// server/storage/pg_enrollment.cpp
//
// The PostgreSQL implementation of EnrollmentStore (PostgreSQL migration 6): the same codes
// and terminal list as on SQLite, so a code made through one instance is spent at whichever
// instance's enrollment listener the terminal reaches. Times are ISO 8601 UTC text compared
// byte by byte (COLLATE "C"), as on SQLite.

#include <utility>

#include "server/storage/enrollment_store.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_schema.h"
#include "shared/crypto/digest.h"
#include "shared/util/clock.h"
#include "shared/util/hex.h"

namespace rapport::server {
namespace {

using pg::Connection;
using pg::param;
using pg::Transaction;

class PgEnrollmentStore final : public EnrollmentStore {
 public:
  explicit PgEnrollmentStore(Connection db) : db_(std::move(db)) {}

  Result<void> add_code(const NewEnrollmentCode& code) override {
    RAPPORT_TRY_VOID(db_.exec(
        "INSERT INTO enrollment_codes(terminal_id, store_id, secret_hash, created_at, "
        "expires_at, used_at) VALUES ($1, $2, $3, $4, $5, NULL) ON CONFLICT (terminal_id) DO "
        "UPDATE SET store_id = excluded.store_id, secret_hash = excluded.secret_hash, "
        "created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = NULL",
        {param(code.terminal_id), param(code.store_id), param(to_hex(code.secret_hash)),
         param(now_iso8601()), param(to_iso8601(code.expires_at))}));
    return {};
  }

  Result<bool> is_active_terminal(const std::string& terminal_id) override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT 1 FROM terminals WHERE id = $1 AND "
                                          "revoked_at IS NULL",
                                          {param(terminal_id)}));
    return !rows.empty();
  }

  Result<RedeemResult> redeem(const std::string& terminal_id,
                              const crypto::Sha256Digest& secret_hash,
                              std::chrono::system_clock::time_point now,
                              const IssueCertificate& issue) override {
    RAPPORT_TRY(auto tx, Transaction::begin(db_));
    // FOR UPDATE: a second enrollment with the same code (any instance) waits here for this
    // transaction and then reads the code as it left it: used.
    RAPPORT_TRY(const auto code,
                db_.exec("SELECT store_id, secret_hash, expires_at, used_at FROM "
                         "enrollment_codes WHERE terminal_id = $1 FOR UPDATE",
                         {param(terminal_id)}));
    RedeemResult result;
    if (code.empty()) return result;  // kUnknownCode; rolled back, nothing changed
    const std::string store_id = code.text(0, 0);
    const auto stored_hash = from_hex(code.text(0, 1));
    if (!stored_hash || !crypto::constant_time_equal(*stored_hash, secret_hash)) {
      result.outcome = Redemption::kWrongSecret;
      return result;
    }
    if (!code.is_null(0, 3)) {
      result.outcome = Redemption::kAlreadyUsed;
      return result;
    }
    const std::string now_text = to_iso8601(now);
    if (now_text >= code.text(0, 2)) {
      result.outcome = Redemption::kExpired;
      return result;
    }
    RAPPORT_TRY(auto issued, issue(terminal_id, store_id));
    RAPPORT_TRY_VOID(db_.exec("UPDATE enrollment_codes SET used_at = $2 WHERE terminal_id = $1 "
                              "AND used_at IS NULL",
                              {param(terminal_id), param(now_text)}));
    // As the store's register_terminal: a new serial, and any revocation lifted.
    RAPPORT_TRY_VOID(db_.exec(
        "INSERT INTO terminals(id, store_id, certificate_serial, issued_at) VALUES ($1, $2, "
        "$3, $4) ON CONFLICT (id) DO UPDATE SET store_id = excluded.store_id, "
        "certificate_serial = excluded.certificate_serial, issued_at = excluded.issued_at, "
        "revoked_at = NULL",
        {param(terminal_id), param(store_id), param(issued.serial_hex), param(now_text)}));
    RAPPORT_TRY_VOID(tx.commit());
    result.outcome = Redemption::kIssued;
    result.store_id = store_id;
    result.certificate_pem = std::move(issued.certificate_pem);
    return result;
  }

  Result<std::unordered_map<std::string, std::string>> active_terminals() override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT id, certificate_serial FROM terminals WHERE "
                                          "revoked_at IS NULL"));
    std::unordered_map<std::string, std::string> terminals;
    for (std::size_t r = 0; r < rows.size(); ++r) terminals.emplace(rows.text(r, 0), rows.text(r, 1));
    return terminals;
  }

 private:
  Connection db_;
};

}  // namespace

Result<std::unique_ptr<EnrollmentStore>> open_pg_enrollment_store(const std::string& url) {
  RAPPORT_TRY(auto db, Connection::open(url));
  RAPPORT_TRY_VOID(pg::migrate(db));
  return std::unique_ptr<EnrollmentStore>(std::make_unique<PgEnrollmentStore>(std::move(db)));
}

}  // namespace rapport::server
