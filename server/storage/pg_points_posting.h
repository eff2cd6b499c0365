// server/storage/pg_points_posting.h
//
// Internal to pg_points*.cpp: a posting as the PostgreSQL ledger makes it (kind, cause and
// legs that sum to zero, as sqlite_points.h), written with its entries in one statement, and
// the day arithmetic of tiers and expiry. Not part of any public API.
//
// Thread-safety: as the Connection (one thread). Requires: inside a transaction.

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/storage/pg_connection.h"
#include "shared/util/clock.h"
#include "shared/util/result.h"

namespace rapport::server::pg {

[[nodiscard]] inline std::optional<std::chrono::sys_days> day_of_time(const std::string& iso) {
  const auto at = from_iso8601(iso);
  if (!at) return std::nullopt;
  return std::chrono::floor<std::chrono::days>(*at);
}


struct Leg {
  const char* account;  // "member" or a chain account
  std::optional<std::int64_t> member;
  std::int64_t points;
};

struct Posting {
  const char* kind;
  std::string cause;
  std::optional<std::string> event_id;
  std::optional<std::string> purchase_id;
  std::optional<std::string> reason;
  std::optional<std::string> staff_user;
  std::string occurred_at;
  std::vector<Leg> legs;
};

struct Written {
  std::size_t postings = 0;
  std::vector<std::int64_t> members;  // whose balance moved, sorted, once each
};

// Every posting whose cause is new, with its entries: one statement however many.
[[nodiscard]] Result<Written> write_postings(Connection& db, const std::vector<Posting>& postings);

}  // namespace rapport::server::pg
