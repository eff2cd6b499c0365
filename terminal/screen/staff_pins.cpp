// terminal/screen/staff_pins.cpp
#include "terminal/screen/staff_pins.h"

#include <algorithm>

#include "shared/crypto/password_hash.h"
#include "shared/util/clock.h"

namespace rapport::terminal {
namespace {

// Verified against when the name is unknown, so a wrong name costs what a wrong PIN costs.
// A hash of a random PIN nobody knows, made once.
const std::string& decoy_hash() {
  static const std::string hash = crypto::hash_password("decoy-not-a-pin").value();
  return hash;
}

}  // namespace

bool is_valid_pin(std::string_view pin) {
  return pin.size() >= 4 && pin.size() <= 12 &&
         std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_valid_staff_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::none_of(name.begin(), name.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<StaffMember> StaffPins::set_pin(std::string_view name, std::string_view pin,
                                       std::chrono::system_clock::time_point now) {
  auto hash = crypto::hash_password(pin);
  if (!hash) return hash.error();
  auto upsert = db_.prepare(
      "INSERT INTO staff(name, pin_hash, created_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(name) DO UPDATE SET pin_hash = excluded.pin_hash RETURNING id");
  if (!upsert) return upsert.error();
  upsert->bind(1, name).bind(2, *hash).bind(3, to_iso8601(now));
  auto row = upsert->step();
  if (!row) return row.error();
  StaffMember member{upsert->column_int64(0), std::string(name)};
  while (true) {  // finish the statement so its write is complete
    auto more = upsert->step();
    if (!more) return more.error();
    if (!*more) break;
  }
  return member;
}

Result<std::optional<StaffMember>> StaffPins::verify(std::string_view name, std::string_view pin) {
  auto select = db_.prepare("SELECT id, pin_hash FROM staff WHERE name = ?1");
  if (!select) return select.error();
  select->bind(1, name);
  auto row = select->step();
  if (!row) return row.error();
  if (!*row) {
    (void)crypto::verify_password(pin, decoy_hash());
    return std::optional<StaffMember>{};
  }
  const auto matches = crypto::verify_password(pin, select->column_text(1));
  if (!matches) return matches.error();
  if (!*matches) return std::optional<StaffMember>{};
  return std::optional<StaffMember>{StaffMember{select->column_int64(0), std::string(name)}};
}

Result<void> StaffPins::record(std::optional<std::int64_t> staff_id, std::string_view action,
                               const std::optional<std::string>& event_id,
                               std::chrono::system_clock::time_point now) {
  auto insert = db_.prepare(
      "INSERT INTO staff_actions(staff_id, action, event_id, at) VALUES (?1, ?2, ?3, ?4)");
  if (!insert) return insert.error();
  insert->bind_optional(1, staff_id).bind(2, action).bind_optional(3, event_id).bind(
      4, to_iso8601(now));
  return insert->run();
}

Result<void> StaffPins::record_pos(std::string_view pos_staff, std::string_view action,
                                   const std::string& event_id,
                                   std::chrono::system_clock::time_point now) {
  RAPPORT_TRY(auto insert, db_.prepare("INSERT INTO staff_actions(staff_id, action, event_id, "
                                       "at, pos_staff) VALUES (NULL, ?1, ?2, ?3, ?4)"));
  return insert.bind(1, action).bind(2, event_id).bind(3, to_iso8601(now)).bind(4, pos_staff)
      .run();
}

}  // namespace rapport::terminal
