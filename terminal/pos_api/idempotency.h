// terminal/pos_api/idempotency.h
//
// The POS API's idempotency keys (docs/pos-api.md, "Retries"): the first answer to each
// mutating request, kept in the terminal's SQLite file (pos_requests, terminal migration 7)
// by its Idempotency-Key, with a fingerprint of the request. remember() runs inside the
// transaction that appends the request's event to the outbox, so the event and its answer
// are durable together: a retry after a crash or a lost answer either finds the answer or
// finds nothing recorded. Only answers that recorded something are kept; a refusal records
// nothing, so a corrected request may reuse its key.
//
// Thread-safety: as the Database it was given (one thread).

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::terminal::pos {

struct StoredAnswer {
  std::string fingerprint;  // of the request that got it
  unsigned status = 0;
  std::string body;
};

// SHA-256 (hex) of method, path and body: the same key must come with the same request.
[[nodiscard]] std::string request_fingerprint(std::string_view method, std::string_view path,
                                              std::string_view body);

// A key is 1 to 128 visible ASCII characters (a UUID fits).
[[nodiscard]] bool is_valid_idempotency_key(std::string_view key);

class IdempotencyStore {
 public:
  // Requires: `db` outlives this object.
  explicit IdempotencyStore(storage::Database& db) : db_(db) {}

  [[nodiscard]] Result<std::optional<StoredAnswer>> find(std::string_view key);

  // Inside the caller's transaction. Fails (the transaction then rolls back) when the key is
  // already there.
  [[nodiscard]] Result<void> remember(std::string_view key, const StoredAnswer& answer,
                                      std::string_view event_id, std::string_view at);

 private:
  storage::Database& db_;
};

}  // namespace rapport::terminal::pos
