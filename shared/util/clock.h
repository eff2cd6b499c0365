// shared/util/clock.h
//
// Wall-clock time as Rapport writes it: ISO 8601 UTC with milliseconds, which sorts as text.

#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rapport {

[[nodiscard]] std::string to_iso8601(std::chrono::system_clock::time_point time);
[[nodiscard]] std::string now_iso8601();
// A day as YYYY-MM-DD: the date part of to_iso8601, as day columns and periods hold it.
[[nodiscard]] std::string to_iso8601_day(std::chrono::sys_days day);
// Parses what to_iso8601 writes (and the same without milliseconds), years 1900-2200;
// nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> from_iso8601(
    std::string_view text);

// "just now", "5 minutes ago", "3 days ago", "2 weeks ago": for the counter.
[[nodiscard]] std::string describe_age(std::chrono::system_clock::time_point then,
                                       std::chrono::system_clock::time_point now);

// True for a valid calendar date written YYYY-MM-DD.
[[nodiscard]] bool is_valid_date(std::string_view text);

}  // namespace rapport
