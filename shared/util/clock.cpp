// shared/util/clock.cpp
#include "shared/util/clock.h"

#include <cstdio>

namespace rapport {

using namespace std::chrono;

namespace {

constexpr int kEarliestYear = 1900;
constexpr int kLatestYear = 2200;

// The decimal number in text[at, at + length). Requires: those characters are digits.
int number_at(std::string_view text, std::size_t at, std::size_t length) {
  int value = 0;
  for (std::size_t i = at; i < at + length; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

}  // namespace

std::string to_iso8601_day(sys_days day) {
  return to_iso8601(system_clock::time_point(day)).substr(0, 10);
}

std::string to_iso8601(system_clock::time_point time) {
  const auto ms = time_point_cast<milliseconds>(time);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss clock{ms - day};
  char text[32];
  std::snprintf(
      text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<long>(clock.hours().count()), static_cast<long>(clock.minutes().count()),
      static_cast<long>(clock.seconds().count()), static_cast<long>(clock.subseconds().count()));
  return text;
}

std::string now_iso8601() { return to_iso8601(system_clock::now()); }

std::optional<system_clock::time_point> from_iso8601(std::string_view text) {
  // Exactly "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.mmmZ": stored times are compared
  // as text, so every accepted time must have the one layout that sorts correctly.
  constexpr std::string_view kLayout = "dddd-dd-ddTdd:dd:dd";
  if (text.size() != 20 && text.size() != 24) return std::nullopt;
  for (std::size_t i = 0; i < kLayout.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kLayout[i] == 'd' ? !digit : text[i] != kLayout[i]) return std::nullopt;
  }
  unsigned ms = 0;
  if (text.size() == 24) {
    if (text[19] != '.') return std::nullopt;
    for (std::size_t i = 20; i < 23; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      ms = ms * 10 + static_cast<unsigned>(text[i] - '0');
    }
  }
  if (text.back() != 'Z') return std::nullopt;
  const int y = number_at(text, 0, 4);
  const auto mo = static_cast<unsigned>(number_at(text, 5, 2));
  const auto d = static_cast<unsigned>(number_at(text, 8, 2));
  const int h = number_at(text, 11, 2), mi = number_at(text, 14, 2), s = number_at(text, 17, 2);
  // system_clock counts nanoseconds in 64 bits: it ends in 2262. Years far outside any real
  // clock are refused rather than overflowing (found by fuzz_sync_messages).
  if (y < kEarliestYear || y > kLatestYear) return std::nullopt;
  const year_month_day date{year{y}, month{mo}, day{d}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return sys_days{date} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

std::string describe_age(system_clock::time_point then, system_clock::time_point now) {
  const auto age = now - then;
  auto plural = [](long n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago";
  };
  if (age < minutes{1}) return "just now";
  if (age < hours{1}) return plural(duration_cast<minutes>(age).count(), "minute");
  if (age < days{1}) return plural(duration_cast<hours>(age).count(), "hour");
  if (age < weeks{2}) return plural(duration_cast<days>(age).count(), "day");
  if (age < days{60}) return plural(duration_cast<weeks>(age).count(), "week");
  return plural(duration_cast<months>(age).count(), "month");
}

bool is_valid_date(std::string_view text) {
  if (text.size() != 10) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if ((i == 4 || i == 7) ? text[i] != '-' : !digit) return false;
  }
  return year_month_day{year{number_at(text, 0, 4)},
                        month{static_cast<unsigned>(number_at(text, 5, 2))},
                        day{static_cast<unsigned>(number_at(text, 8, 2))}}
      .ok();
}

}  // namespace rapport
