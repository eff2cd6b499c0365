// terminal/screen/staff_pins.h
//
// The cashiers of this terminal, who sign in to the cashier's screen with a personal PIN
// (stored as a salted scrypt hash only, shared/crypto/password_hash.h), and the local audit
// of what each did (staff_actions; event payloads carry no staff, docs/cashier-screen.md).
// Created with `rapport-terminal staff add --config ... --name NAME` (PIN on standard input).
//
// Thread-safety: as the Database it was given (one thread).

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::terminal {

struct StaffMember {
  std::int64_t id = 0;
  std::string name;
};

// A PIN is 4 to 12 digits; a name 1 to 64 bytes without control characters.
[[nodiscard]] bool is_valid_pin(std::string_view pin);
[[nodiscard]] bool is_valid_staff_name(std::string_view name);

class StaffPins {
 public:
  // Requires: `db` outlives this object.
  explicit StaffPins(storage::Database& db) : db_(db) {}

  // Adds a cashier, or sets a new PIN for one already there. Requires valid name and PIN.
  [[nodiscard]] Result<StaffMember> set_pin(std::string_view name, std::string_view pin,
                                            std::chrono::system_clock::time_point now);
  // The cashier when `pin` is theirs; nullopt for a wrong PIN or an unknown name (the same
  // slow scrypt work either way, so the answer's time does not tell which).
  [[nodiscard]] Result<std::optional<StaffMember>> verify(std::string_view name,
                                                          std::string_view pin);
  // One line of the audit: `action` ("visit", "sign-in", ...) by `staff_id` (nullopt: nobody
  // was signed in), with the event it recorded if any.
  [[nodiscard]] Result<void> record(std::optional<std::int64_t> staff_id, std::string_view action,
                                    const std::optional<std::string>& event_id,
                                    std::chrono::system_clock::time_point now);
  // The same for an action recorded through the POS API by the POS's operator `pos_staff`
  // (its own id, checked by the request parser: terminal/pos_api/pos_request.h).
  // Requires: inside the event's transaction.
  [[nodiscard]] Result<void> record_pos(std::string_view pos_staff, std::string_view action,
                                        const std::string& event_id,
                                        std::chrono::system_clock::time_point now);

 private:
  storage::Database& db_;
};

}  // namespace rapport::terminal
