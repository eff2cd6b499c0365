// terminal/screen/local_notes.cpp
#include "terminal/screen/local_notes.h"

namespace rapport::terminal {

Result<void> LocalNotes::add(const std::string& event_id, std::optional<std::int64_t> member_id,
                             const std::string& card_token, std::string_view topic,
                             std::string_view text, std::string_view noted_at) {
  RAPPORT_TRY(auto insert, db_.prepare("INSERT OR IGNORE INTO local_notes(event_id, member_id, "
                                       "card_token, topic, text, noted_at) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  insert.bind(1, event_id)
      .bind_optional(2, member_id)
      .bind(3, card_token)
      .bind(4, topic)
      .bind(5, text)
      .bind(6, noted_at);
  return insert.run();
}

Result<std::vector<NoteLine>> LocalNotes::recent(std::optional<std::int64_t> member_id,
                                                 const std::string& card_token, int limit) {
  RAPPORT_TRY(auto select,
              db_.prepare("SELECT topic, text, noted_at FROM local_notes "
                          "WHERE member_id = ?1 OR card_token = ?2 "
                          "ORDER BY noted_at DESC, rowid DESC LIMIT ?3"));
  select.bind_optional(1, member_id).bind(2, card_token).bind(3, std::int64_t{limit});
  std::vector<NoteLine> notes;
  while (true) {
    RAPPORT_TRY(const bool row, select.step());
    if (!row) break;
    notes.push_back({select.column_text(0), select.column_text(1), select.column_text(2)});
  }
  return notes;
}

}  // namespace rapport::terminal
