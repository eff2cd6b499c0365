// server/storage/enrollment_store.h
//
// Terminal enrollment codes and the terminal list the revocation watcher reads, on their
// own connection to the server's database (SQLite here; PostgreSQL in pg_enrollment.cpp) (schema: docs/schema.md, migration 2). Kept
// apart from Store so the enrollment listener and the watcher each own a connection; the
// SQL that registers a terminal mirrors SqliteStore::register_terminal so that spending a
// code and registering its terminal are one transaction.
//
// Thread-safety: one thread at a time per EnrollmentStore. Writes are durable on return.

#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "shared/crypto/hmac.h"
#include "shared/util/result.h"

namespace rapport::server {

struct NewEnrollmentCode {
  std::string terminal_id;
  std::string store_id;
  crypto::Sha256Digest secret_hash{};  // SHA-256 of the code's secret
  std::chrono::system_clock::time_point expires_at;
};

// Why a code was not accepted: for the server's log only (the peer is told none of it).
enum class Redemption {
  kIssued = 0,   // the code was spent and the terminal registered
  kUnknownCode,  // no code for this terminal id
  kWrongSecret,  // a code exists for the id but the secret differs
  kAlreadyUsed,  // spent by an earlier enrollment
  kExpired,      // past expires_at
};

struct IssuedCertificate {
  std::string certificate_pem;
  std::string serial_hex;  // lower-case, as peer_certificate_serial shows it
};

struct RedeemResult {
  Redemption outcome = Redemption::kUnknownCode;
  std::string store_id;         // set when kIssued
  std::string certificate_pem;  // set when kIssued
};

class EnrollmentStore {
 public:
  // Opens (creating and migrating as needed) the server's SQLite file.
  [[nodiscard]] static Result<std::unique_ptr<EnrollmentStore>> open(
      const std::filesystem::path& file);
  virtual ~EnrollmentStore() = default;

  // Records a pending code, replacing any earlier code for the same terminal id (used or
  // not). kConstraint when the store does not exist.
  [[nodiscard]] virtual Result<void> add_code(const NewEnrollmentCode& code) = 0;

  // True when `terminal_id` is registered and not revoked.
  [[nodiscard]] virtual Result<bool> is_active_terminal(const std::string& terminal_id) = 0;

  // Called inside redeem()'s transaction to sign the terminal's certificate for (id, store).
  using IssueCertificate = std::function<Result<IssuedCertificate>(const std::string& terminal_id,
                                                                   const std::string& store_id)>;

  // In one write transaction: checks the code for `terminal_id` (exists, secret matches in
  // constant time, unused, unexpired at `now`), calls `issue`, marks the code used and
  // registers (or re-registers, un-revoking) the terminal with the new serial. A refused code
  // changes nothing. An error from `issue` or from storage rolls everything back, so the
  // code stays usable. Two concurrent calls with one code: exactly one gets kIssued.
  [[nodiscard]] virtual Result<RedeemResult> redeem(const std::string& terminal_id,
                                                    const crypto::Sha256Digest& secret_hash,
                                                    std::chrono::system_clock::time_point now,
                                                    const IssueCertificate& issue) = 0;

  // Terminal id -> certificate serial of every registered, unrevoked terminal.
  [[nodiscard]] virtual Result<std::unordered_map<std::string, std::string>> active_terminals() = 0;
};

// The PostgreSQL backend (pg_enrollment.cpp): `url` is a libpq URI. Opened by URL through
// open_enrollment_store (store_url.h).
[[nodiscard]] Result<std::unique_ptr<EnrollmentStore>> open_pg_enrollment_store(
    const std::string& url);

}  // namespace rapport::server
