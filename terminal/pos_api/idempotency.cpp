// terminal/pos_api/idempotency.cpp
#include "terminal/pos_api/idempotency.h"

#include <algorithm>
#include <cstdint>
#include <span>

#include "shared/crypto/digest.h"
#include "shared/util/hex.h"

namespace rapport::terminal::pos {

std::string request_fingerprint(std::string_view method, std::string_view path,
                                std::string_view body) {
  std::string text;
  text.reserve(method.size() + path.size() + body.size() + 2);
  text.append(method).append(" ").append(path).append("\n").append(body);
  const auto digest = crypto::sha256(std::span(reinterpret_cast<const std::uint8_t*>(text.data()),
                                               text.size()));
  return to_hex(digest);
}

bool is_valid_idempotency_key(std::string_view key) {
  return !key.empty() && key.size() <= 128 &&
         std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Result<std::optional<StoredAnswer>> IdempotencyStore::find(std::string_view key) {
  RAPPORT_TRY(auto stmt, db_.prepare("SELECT fingerprint, status, response FROM pos_requests "
                                     "WHERE idempotency_key = ?1"));
  stmt.bind(1, key);
  RAPPORT_TRY(const bool row, stmt.step());
  if (!row) return std::optional<StoredAnswer>{};
  return std::optional<StoredAnswer>(StoredAnswer{
      stmt.column_text(0), static_cast<unsigned>(stmt.column_int64(1)), stmt.column_text(2)});
}

Result<void> IdempotencyStore::remember(std::string_view key, const StoredAnswer& answer,
                                        std::string_view event_id, std::string_view at) {
  RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO pos_requests(idempotency_key, fingerprint, "
                                     "status, response, event_id, created_at) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt.bind(1, key)
      .bind(2, answer.fingerprint)
      .bind(3, static_cast<std::int64_t>(answer.status))
      .bind(4, answer.body)
      .bind(5, event_id)
      .bind(6, at);
  return stmt.run();
}

}  // namespace rapport::terminal::pos
