// shared/util/clock.cpp
#include "shared/util/clock.h"

#include <cstdio>

namespace rapport {

using namespace std::chrono;

namespace {
constexpr int kEarliestYear = 1900;
constexpr int kLatestYear = 2200;
}  // namespace

std::string to_iso8601(system_clock::time_point time) {
  const auto ms = time_point_cast<milliseconds>(time);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss clock{ms - day};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long>(clock.hours().count()),
                static_cast<long>(clock.minutes().count()),
                static_cast<long>(clock.seconds().count()),
                static_cast<long>(clock.subseconds().count()));
  return text;
}

std::string now_iso8601() { return to_iso8601(system_clock::now()); }

std::optional<system_clock::time_point> from_iso8601(std::string_view text) {
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  const std::string copy(text);
  int consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u.%3uZ%n", &y, &mo, &d, &h, &mi, &s, &ms,
                  &consumed) == 7 &&
      static_cast<std::size_t>(consumed) == copy.size()) {
  } else if (ms = 0, std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2u:%2u:%2uZ%n", &y, &mo, &d, &h, &mi,
                                 &s, &consumed) == 6 &&
                         static_cast<std::size_t>(consumed) == copy.size()) {
  } else {
    return std::nullopt;
  }
  // system_clock counts nanoseconds in 64 bits: it ends in 2262. Years far outside any real
  // clock are refused rather than overflowing (found by fuzz_sync_messages).
  if (y < kEarliestYear || y > kLatestYear) return std::nullopt;
  const year_month_day date{year{y}, month{mo}, day{d}};
  if (!date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
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
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int y = 0;
  unsigned m = 0, d = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) return false;
  return year_month_day{year{y}, month{m}, day{d}}.ok();
}

}  // namespace rapport
