// shared/domain/event_id.h
//
// Event ids unique across every terminal of the chain without coordination: UUID version 7
// (48-bit Unix milliseconds, then 74 random bits), written in the usual 8-4-4-4-12 form.
// The time prefix keeps the server's index append-mostly; uniqueness never depends on the
// terminal's clock being right, only on the 74 random bits.

#pragma once

#include <string>
#include <string_view>

namespace rapport::domain {

[[nodiscard]] std::string new_event_id();

// True for 36 characters in the 8-4-4-4-12 lower-case hex layout (any UUID version).
[[nodiscard]] bool is_valid_event_id(std::string_view id);

}  // namespace rapport::domain
