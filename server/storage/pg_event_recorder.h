// server/storage/pg_event_recorder.h
//
// Store::record_events on PostgreSQL: each event stored once (events.id is the primary key,
// INSERT ... ON CONFLICT DO NOTHING), each new event's effect applied in the same
// transaction, the batch acknowledged only after COMMIT. Set-based: a run of visits, notes,
// referrals, purchases, refunds, voids, redemptions, gestures and offer responses costs a
// handful of statements whatever its length (the batch's columns go as arrays through
// unnest; the points ledger's effects through pg_points.h), never one round trip per event. An enrollment, linked or
// blocked card changes who holds a card, so it is a run of its own and the events after it
// see the new holder. Internal to the PostgreSQL backend; the SQLite twin is
// sqlite_event_recorder.h.
//
// Thread-safety: as the Connection (one thread).

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/storage/pg_connection.h"
#include "server/storage/pg_points.h"
#include "server/storage/pg_purchases.h"
#include "shared/domain/event.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

class EventRecorder {
 public:
  // Requires: `db` outlives the recorder.
  explicit EventRecorder(Connection& db) : db_(db) {}

  // One transaction: durable when it returns success, nothing stored otherwise. Returns how
  // many events were new. A deadlock with another instance (PgErrc::kSerialization) is
  // retried a few times, from the start, before it is returned.
  [[nodiscard]] Result<std::size_t> record(std::span<const domain::Event> events);

  // See Store::set_card_velocity_window.
  void set_velocity_window(std::chrono::minutes window) { velocity_window_ = window; }
  PointsLedger& ledger() { return ledger_; }

 private:
  using Stored = StoredEvent;
  [[nodiscard]] Result<std::vector<Stored>> insert_run(std::span<const domain::Event> run,
                                                       const std::string& received_at);
  [[nodiscard]] Result<std::size_t> record_once(std::span<const domain::Event> events);
  [[nodiscard]] Result<void> apply_run(const std::vector<Stored>& stored,
                                       const std::string& received_at);
  // The ledger's part of a card joining `member_id`: its sales stored while nobody held it
  // earn now (and, for an enrollment, the sign-up bonus). `sales`: listed before the attach.
  [[nodiscard]] Result<void> card_attached(const domain::Event& e, std::int64_t member_id,
                                           const std::vector<domain::Event>& sales);
  [[nodiscard]] Result<void> count_visits(const std::vector<Stored>& visits,
                                          const std::string& received_at);
  [[nodiscard]] Result<void> check_velocity(const std::vector<Stored>& visits);
  [[nodiscard]] Result<void> keep_notes(const std::vector<Stored>& notes);
  [[nodiscard]] Result<void> apply_holder_change(const Stored& stored);
  [[nodiscard]] Result<void> enroll(const domain::Event& e);
  [[nodiscard]] Result<void> link_card(const domain::Event& e, std::int64_t member_id);
  [[nodiscard]] Result<void> block_card(const std::string& token, std::int64_t member_id);

  Connection& db_;
  PointsLedger ledger_{db_};
  std::chrono::minutes velocity_window_{60};
};

}  // namespace rapport::server::pg
