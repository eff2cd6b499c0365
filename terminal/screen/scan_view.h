// terminal/screen/scan_view.h
//
// A scan as the cashier's screen shows it: the JSON the page receives (docs/cashier-screen.md,
// "Scan"). Only what the terminal knows: kinds of data that have not landed (offers) are sent
// as empty lists, and the page says so. Pure.

#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "terminal/counter.h"
#include "shared/domain/member.h"

namespace rapport::terminal {

// `notes`: the member's notes, newest first (the newest becomes the prompt), as
// MemberCache::notes_to_show gives them: the server's copy of notes taken at any terminal and
// those written here (empty store_id). The usual order comes with the member. `panel`: the
// greeted member's panel (member_panel.h), sent as "panel", its offers also as "offers";
// without one, "offers" is an empty list.
[[nodiscard]] std::string scan_json(const ScanResult& result,
                                    std::chrono::system_clock::time_point now,
                                    const std::vector<domain::MemberNote>& notes = {},
                                    const boost::json::object* panel = nullptr);

// "Birthday today" / "Birthday in 2 days" / "Birthday 3 days ago" when `birth_date`
// (YYYY-MM-DD) falls within 3 days of `now` (UTC), ignoring the year; nullopt otherwise.
// A 29 February birthday counts as 1 March in other years.
[[nodiscard]] std::optional<std::string> birthday_hint(const std::optional<std::string>& birth_date,
                                                       std::chrono::system_clock::time_point now);

}  // namespace rapport::terminal
