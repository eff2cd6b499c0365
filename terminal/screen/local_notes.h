// terminal/screen/local_notes.h
//
// The notes written at this terminal's cashier screen (local_notes, terminal migration 8),
// kept so the next scan shows them before the server has them. Each note is also a `note`
// event in the outbox; once synced the server sends it back with the member (member_notes,
// with notes taken at other terminals), and MemberCache::notes_to_show shows each once.
//
// Thread-safety: as the Database it was given (one thread).

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::terminal {

struct NoteLine {
  std::string topic;     // preference, feedback, complaint, advocacy, other
  std::string text;
  std::string noted_at;  // ISO 8601 UTC, the terminal's clock
};

class LocalNotes {
 public:
  // Requires: `db` outlives this object.
  explicit LocalNotes(storage::Database& db) : db_(db) {}

  [[nodiscard]] Result<void> add(const std::string& event_id,
                                 std::optional<std::int64_t> member_id,
                                 const std::string& card_token, std::string_view topic,
                                 std::string_view text, std::string_view noted_at);

  // The newest `limit` notes of the member (or, for one enrolled here and not yet synced, of
  // the card), newest first.
  [[nodiscard]] Result<std::vector<NoteLine>> recent(std::optional<std::int64_t> member_id,
                                                     const std::string& card_token,
                                                     int limit);

 private:
  storage::Database& db_;
};

}  // namespace rapport::terminal
